/**
 * The client: one `Realtime` composing the connection, the channels, the user's
 * sign-in, the app's fetch and the routers. Its methods are the public API; the work
 * is done by the parts (connection.js, subscriptions.js, user.js, http.js, routers.js).
 */

import { AuthError, ConnectionError, RouterError } from './errors.js';
import { Channel } from './channel.js';
import { clientOptions, pageConfig } from './config.js';
import { Connection } from './connection.js';
import { DataMapper } from './datamapper.js';
import { DeploymentWatch } from './deployment.js';
import { Emitter } from './emitter.js';
import { HttpClient } from './http.js';
import { LiveList } from './livelist.js';
import { Members, PresenceChannel } from './presence.js';
import { SERVER_TO_USER_PREFIX, VERSION } from './protocol.js';
import { Routers } from './routers.js';
import { Subscriptions } from './subscriptions.js';
import { SignIn, User } from './user.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./config.js').RealtimeOptions} RealtimeOptions */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./deployment.js').DeploymentChange} DeploymentChange */
/** @typedef {import('./protocol.js').Frame} Frame */
/** @typedef {import('./routers.js').ListPage} ListPage */
/** @typedef {import('./routers.js').LiveOptions} LiveOptions */
/** @typedef {import('./routers.js').RouteParams} RouteParams */
/** @typedef {import('./routers.js').WriteOptions} WriteOptions */

/**
 * One connection to the socket server (or Pusher), with its channels.
 *
 * States (`realtime.state`): `initialized`, `connecting`, `connected`, `unavailable`
 * (attempts have failed for a while; retries go on) and `disconnected` (by
 * `disconnect()`, or refused by the server with a 4000-4099 code). Events:
 * `state_change` (`{previous, current}`), one per state name, `error` (`{type, data}`;
 * type `PusherError` carries the server's `{code, message}`) and `message` (every frame).
 *
 * Reconnection follows the close codes of the protocol: 4000-4099 never (4000 retries
 * once with TLS), 4100-4199 after about a second, 4200-4299 at once, anything else
 * (including a dropped network) with an exponential, jittered delay capped at
 * `maxReconnectDelay`. After a reconnect every channel is subscribed again (private and
 * presence ones re-authorized for the new socket id) and the user signed in again;
 * the bindings stay. When the server announces the "recovery" extension, each
 * channel subscribes again from its `position` and the server replays the events
 * sent meanwhile (see {@link Channel}).
 *
 * Following a switch of backends: when the config names its deployment
 * (`config.deployment`, rendered by `{% realtime_client %}`), the client asks
 * `config.deployment.endpoint` for the current config whenever an answer of the
 * library's endpoints names another deployment (`X-Realtime-Deployment`), when the
 * connection drops or is unavailable, and every `deploymentCheckInterval` ms. When it
 * names another deployment, the client moves: `realtime.config` is replaced by the new
 * config (in place), `deployment_change` (`{previous, current, config}`) is emitted,
 * and it connects there at once; every channel subscribes again (recovering what the
 * new server can: see {@link Channel#position}), `live()` lists load again, and the
 * user signs in again. A check that fails emits `error` with type `DeploymentError`.
 */
export class Realtime extends Emitter {
  /**
   * Create the client and start connecting.
   * @param {RealtimeConfig} config
   * @param {RealtimeOptions} [options]
   */
  constructor(config, options) {
    super();
    const checked = clientOptions(config, options);
    /** The connection config. */
    this.config = config;
    /** The backend that rendered the config ("memory", "tornado_redis", "pusher"), if said. */
    this.backend = config.backend || null;
    /** The signed-in user and its events. */
    this.user = new User();
    /** @private */
    this._connection = new Connection(this, config, checked, {
      established: () => {
        this._subscriptions.established();
        this._signin.established();
      },
      lost: () => {
        this._subscriptions.lost();
        this._signin.lost();
      },
      frame: (frame) => this._dispatch(frame),
      serverError: (error) => this._signin.serverError(error),
    });
    const http = new HttpClient(
      config,
      checked.fetch,
      () => this._connection.socketId,
      (response) => this._deployment.observed(response),
    );
    /** @private */
    this._http = http;
    /** @private */
    this._deployment = new DeploymentWatch(
      config,
      (url, init) => http.raw(url, init),
      checked.deploymentCheckInterval,
      (fresh) => this._moveTo(fresh),
      (error) => this._emit('error', { type: 'DeploymentError', error }),
    );
    // A drop, or attempts failing for a while: the deployment may have moved on.
    this.bind('state_change', (/** @type {{previous: ConnectionState, current: ConnectionState}} */ change) => {
      if ((change.previous === 'connected' && change.current === 'connecting') || change.current === 'unavailable') {
        this._deployment.check();
      }
    });
    /** @private */
    this._subscriptions = new Subscriptions(this._connection, config, http, this.user);
    /** @private */
    this._signin = new SignIn(this.user, this._connection, config, http);
    /** @private */
    this._routers = new Routers(this, config, this._connection, http, this._subscriptions);
    this.connect();
  }

  /**
   * Connect with the config rendered by `{% realtime_client %}` (the JSON in
   * `<script id="realtime-config">`), or with the given one.
   * @param {RealtimeConfig|null} [config]
   * @param {RealtimeOptions} [options]
   * @returns {Realtime}
   */
  static connect(config, options) {
    return new Realtime(config === undefined || config === null ? Realtime.pageConfig() : config, options);
  }

  /**
   * The config in the page's `<script id="realtime-config" type="application/json">`.
   * @returns {RealtimeConfig}
   */
  static pageConfig() {
    return pageConfig();
  }

  /**
   * Current connection state.
   * @returns {ConnectionState}
   */
  get state() {
    return this._connection.state;
  }

  /**
   * The socket id of the current connection, else null.
   * @returns {string|null}
   */
  get socketId() {
    return this._connection.socketId;
  }

  /**
   * The protocol extensions the server announced on the current connection (in
   * `pusher:connection_established`): `["recovery"]` from a self-hosted server that
   * replays missed events (see {@link Channel#position}); empty otherwise.
   * @returns {Array<string>}
   */
  get extensions() {
    return this._connection.extensions;
  }

  /**
   * The URL the client connects to.
   * @returns {string}
   */
  get url() {
    return this._connection.url;
  }

  // Connection ---------------------------------------------------------------------------

  /**
   * Resolves with this client once connected (at once if it is), like SwampDragon's
   * `onReady`; rejects with a {@link ConnectionError} if the connection is refused
   * for good or `disconnect()` is called first.
   * @returns {Promise<Realtime>}
   */
  ready() {
    return /** @type {Promise<Realtime>} */ (this._connection.ready());
  }

  /**
   * Connect again after `disconnect()` or a refusal (the constructor already connects).
   * @returns {this}
   */
  connect() {
    this._connection.connect();
    this._deployment.start();
    return this;
  }

  /**
   * Close the connection and stop reconnecting. Channels and bindings are kept for
   * a later `connect()`.
   * @returns {this}
   */
  disconnect() {
    this._deployment.stop();
    this._connection.disconnect();
    return this;
  }

  /**
   * Ask `config.deployment.endpoint` now whether the deployment changed, and move if
   * it did (the client also asks by itself: see the class). Resolves with whether it
   * moved; false for a config without `deployment`.
   * @returns {Promise<boolean>}
   */
  checkDeployment() {
    return this._deployment.check();
  }

  // Channels -----------------------------------------------------------------------------

  /**
   * Subscribe to a channel (now, or as soon as connected); the same name gives the
   * same Channel. Subscribing again after a `pusher:subscription_error` retries.
   *
   * With `params`, subscribe to a router's changes instead: `subscribe('todo-item',
   * {todo_list: 1})` asks the router for the channel of these filters (list
   * parameters such as `ordering` are left out), subscribes to it and resolves with
   * the Channel once the server confirmed the subscription, so every change made after
   * that reaches its `created`, `updated` and `deleted` bindings. It rejects with a
   * {@link RouterError} (no such route, filters without a channel, refused), the
   * subscription's {@link AuthError}, a {@link ConnectionError} if the client is
   * disconnected first, or an Error if `unsubscribe(route, params)` (or of its channel) came first.
   * @overload
   * @param {string} name `news`, `private-orders`, `presence-room`, ...
   * @returns {Channel|PresenceChannel}
   */
  /**
   * @overload
   * @param {string} name A route name (`todo-item`).
   * @param {RouteParams} params A router's filters.
   * @returns {Promise<Channel>} the Channel, once subscribed.
   */
  /**
   * @param {string} name
   * @param {RouteParams} [params]
   * @returns {Channel|PresenceChannel|Promise<Channel>}
   */
  subscribe(name, params) {
    if (params !== undefined) return this._routers.subscribe(name, params);
    return this._subscriptions.subscribe(name);
  }

  /**
   * Leave a channel; its events stop. Subscribing again later gives a new Channel.
   * With `params`, leave the router channel `subscribe(route, params)` joined (the
   * same route and filters), even while that subscription is still being set up.
   * @param {string} name A channel name; with `params`, a route name.
   * @param {RouteParams} [params] The router filters.
   */
  unsubscribe(name, params) {
    if (params !== undefined) this._routers.unsubscribe(name, params);
    else this._subscriptions.unsubscribe(name);
  }

  /**
   * The subscribed (or subscribing) channel of this name, else undefined.
   * @param {string} name
   * @returns {Channel|PresenceChannel|undefined}
   */
  channel(name) {
    return this._subscriptions.get(name);
  }

  /** @returns {Array<Channel|PresenceChannel>} every channel subscribed or subscribing. */
  allChannels() {
    return this._subscriptions.all();
  }

  // User ---------------------------------------------------------------------------------

  /**
   * Sign the user in through the `userAuthentication` endpoint (now, or once
   * connected, and again after every reconnect); then the server's events for this
   * user arrive on `realtime.user`.
   * @returns {User} `realtime.user`, to bind its events.
   */
  signin() {
    return this._signin.start();
  }

  // HTTP ---------------------------------------------------------------------------------

  /**
   * `fetch()` for the app's own views: adds `X-Socket-ID` (the current socket id,
   * so a view can publish "to others" with `socket_id=request.headers["X-Socket-ID"]`)
   * and the configured CSRF header(s), and sends cookies (`credentials: 'same-origin'`).
   * Cross-origin URLs get neither header: the CSRF token stays on its own site.
   * @param {string|URL|Request} url
   * @param {RequestInit} [options]
   * @returns {Promise<Response>}
   */
  fetch(url, options) {
    return this._http.fetch(url, options);
  }

  // Routers ------------------------------------------------------------------------------
  //
  // A router serves one model under a route name (`todo-item`) at the URLs of
  // config.routers. Every call goes through fetch() above, so it carries the CSRF
  // header, the session cookie and X-Socket-ID.

  /**
   * One page of a router's list.
   *
   *     const page = await realtime.getList('todo-item', {todo_list: 1, ordering: 'order', page: 1});
   *
   * @param {string} route
   * @param {RouteParams} [params] Filters, and `ordering`
   *   (`'-order,text'`), `page` (from 1) and `page_size`.
   * @returns {Promise<ListPage>} rejects with a {@link RouterError}.
   */
  getList(route, params) {
    return this._routers.getList(route, params);
  }

  /**
   * One object by primary key.
   * @param {string} route
   * @param {string|number} pk
   * @returns {Promise<Object<string, *>>} rejects with a {@link RouterError} (404: no such object).
   */
  getSingle(route, pk) {
    return this._routers.getSingle(route, pk);
  }

  /**
   * Create an object; subscribers of its channels get `created`.
   * @param {string} route
   * @param {Object<string, *>} data The fields (the router's writable ones).
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>} the object as saved; rejects with a {@link RouterError}
   *   (400 with `errors` by field, 403 refused).
   */
  create(route, data, options) {
    return this._routers.create(route, data, options);
  }

  /**
   * Change some fields of an object (a partial update); subscribers get `updated`
   * (or `deleted`/`created` where the change moves it between channels).
   * @param {string} route
   * @param {string|number} pk
   * @param {Object<string, *>} data The fields to change.
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>} the whole object as saved; rejects with a {@link RouterError}.
   */
  update(route, pk, data, options) {
    return this._routers.update(route, pk, data, options);
  }

  /**
   * Delete an object; subscribers get `deleted` (`{id}`).
   * @param {string} route
   * @param {string|number} pk
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>} the server's `{id}`; rejects with a {@link RouterError}.
   */
  delete(route, pk, options) {
    return this._routers.delete(route, pk, options);
  }

  /**
   * A list kept in sync: subscribes to the channel of the filters in `params` first,
   * then loads every page of the list, then applies the changes that arrived
   * meanwhile, so none is lost; from then on each `created`, `updated` and `deleted`
   * is applied to `items` by its DataMapper. After a reconnect (the subscription
   * succeeds again) it loads the list again, since the events sent while the
   * connection was down are lost; unless the server recovered them (the "recovery"
   * extension: see {@link Channel#position}), and then it applies the replayed events
   * instead. It also loads again when a recovery fails (`realtime:recovery` with
   * `recovered: false`).
   *
   *     const live = await realtime.live('todo-item', {todo_list: 1, ordering: 'order'});
   *     live.mapper.onChange(() => render(live.items));
   *
   * @param {string} route
   * @param {RouteParams} [params] Filters (they choose the
   *   channel, which must be one of the router's `subscription_filters`), `ordering`
   *   and `page_size` (`page` is ignored: all pages are loaded).
   * @param {LiveOptions} [options] `key`: the identifying field (default "id").
   * @returns {Promise<LiveList>} rejects like {@link Realtime#subscribe} and
   *   {@link Realtime#getList}.
   */
  live(route, params, options) {
    return this._routers.live(route, params, options);
  }

  /**
   * @private Take the config of another deployment and connect there.
   * @param {RealtimeConfig} fresh
   */
  _moveTo(fresh) {
    const config = /** @type {Record<string, *>} */ (/** @type {unknown} */ (this.config));
    const previous = /** @type {string} */ (this._deployment.id);
    for (const key of Object.keys(config)) delete config[key];
    Object.assign(config, fresh);
    this.backend = this.config.backend || null;
    /** @type {DeploymentChange} */
    const change = { previous, current: /** @type {string} */ (this._deployment.id), config: this.config };
    this._emit('deployment_change', change);
    this._connection.reopen();
  }

  /**
   * @private A frame that is not about the connection: the sign-in's answer, the
   * user's watchlist or events, or a channel's.
   * @param {Frame} frame
   */
  _dispatch(frame) {
    if (frame.event === 'pusher:signin_success') this._signin.succeeded(frame.data);
    else if (frame.event === 'pusher_internal:watchlist_events') this._signin.watchlistEvents(frame.data);
    else if (typeof frame.channel !== 'string') return;
    else if (frame.channel.startsWith(SERVER_TO_USER_PREFIX)) this._signin.deliver(frame);
    else this._subscriptions.route(frame);
  }
}

Realtime.VERSION = VERSION;
Realtime.Channel = Channel;
Realtime.PresenceChannel = PresenceChannel;
Realtime.Members = Members;
Realtime.User = User;
Realtime.DataMapper = DataMapper;
Realtime.LiveList = LiveList;
Realtime.AuthError = AuthError;
Realtime.ConnectionError = ConnectionError;
Realtime.RouterError = RouterError;
