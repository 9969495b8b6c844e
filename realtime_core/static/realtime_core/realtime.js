/**
 * realtime.js: the browser client of django-realtime-core.
 *
 * It speaks the Pusher Channels protocol (version 7), so the same page code works
 * against the self-hosted server (embedded or Tornado + Redis) and against hosted
 * Pusher; only the connection config differs, and `{% realtime_client %}` renders it.
 * One file, no build step, no dependencies, and no secret: every signature comes
 * from the Django authorization endpoints.
 *
 * As a classic script (what `{% realtime_client %}` renders), it defines the global
 * `Realtime`, which also carries the other classes (`Realtime.DataMapper`, ...):
 *
 *     {% load realtime %}
 *     {% realtime_client %}
 *     <script>
 *       const realtime = Realtime.connect();  // reads <script id="realtime-config">
 *       realtime.subscribe('todo.todoitem').bind('created', (item) => console.log(item));
 *     </script>
 *
 * From ES modules, bundlers and Node (a CommonJS file with static named exports):
 *
 *     import { Realtime, DataMapper } from './realtime.js';
 *     const realtime = new Realtime({ key: 'app-key', wsHost: 'ws.example.com', wssPort: 443 });
 *
 * (Node 20 has a global WebSocket with --experimental-websocket; elsewhere pass
 * `new Realtime(config, { WebSocket, fetch })`. Keep the file out of a package whose
 * package.json says "type": "module": it is a CommonJS file for Node.)
 *
 * In short: `realtime.ready()`, `.state`, `.socketId`, `.bind('state_change' | 'connected'
 * | 'error', fn)`, `.subscribe(name)` → Channel (`bind`, `unbind`, `trigger`, `subscribed`,
 * `members` on presence channels), `.unsubscribe(name)`, `.signin()` → `realtime.user`,
 * `.fetch(url, init)` (adds X-Socket-ID and the CSRF header), `.disconnect()`,
 * `.connect()`; and `new DataMapper(items).bind(channel)`.
 *
 * Routers (django-realtime-core's `ModelRouter`s, at the URLs of `config.routers`), all
 * returning promises that reject with a `RouterError` (`status`, `message`, `errors` by
 * field):
 *
 *     await realtime.getList('todo-item', {todo_list: 1, ordering: 'order', page: 1, page_size: 50});
 *                                        // → {results, count, page, page_size, has_next}
 *     await realtime.getSingle('todo-item', 7);
 *     await realtime.create('todo-item', {todo_list: 1, text: 'Milk'});  // → the object
 *     await realtime.update('todo-item', 7, {done: true});               // partial
 *     await realtime.delete('todo-item', 7);
 *     const channel = await realtime.subscribe('todo-item', {todo_list: 1});  // once subscribed
 *     realtime.unsubscribe('todo-item', {todo_list: 1});
 *     const live = await realtime.live('todo-item', {todo_list: 1, ordering: 'order'});
 *                                        // → LiveList {items, mapper, channel, refresh(), close()}
 *
 * They go through `fetch()` (CSRF header, cookies, X-Socket-ID). Writes take
 * `{excludeSelf: true}`: the server then does not send the change back to this
 * connection (header `X-Realtime-Exclude-Self: 1`), for a page that applies the answer
 * itself. `live()` subscribes first, then loads every page and applies the events that
 * arrived meanwhile, and loads again after a reconnect (unless the server recovered
 * the missed events).
 *
 * Message recovery: a server that announces the "recovery" extension (`realtime.extensions`;
 * the self-hosted one does, hosted Pusher does not) numbers each channel's events; the
 * client keeps `channel.position`, sends it when it subscribes again, drops duplicates
 * and asks again when an event is missing, and emits `realtime:recovery`
 * (`{recovered, position, from}`) on the channel after each attempt. Without the
 * extension nothing of this happens: events sent while disconnected are lost.
 *
 * Connection state, channels, presence members, client events, user sign-in and
 * reconnection follow pusher-js's behaviour and event names (`pusher:subscription_succeeded`,
 * `pusher:member_added`, ...), so code written for pusher-js reads the same here.
 */
(function (root) {
  'use strict';

  const VERSION = '0.1.0';
  const PROTOCOL = 7;
  const CONFIG_ELEMENT_ID = 'realtime-config';
  const SERVER_TO_USER_PREFIX = '#server-to-user-';

  /** Keys of the connection config; others are reported (a newer server may add some). */
  const CONFIG_KEYS = new Set([
    'backend', 'key', 'cluster', 'wsHost', 'wsPort', 'wssPort', 'wsPath', 'forceTLS',
    'channelAuthorization', 'userAuthentication', 'routers',
  ]);

  /** Options of one client instance, in milliseconds where they are times. */
  const DEFAULT_OPTIONS = Object.freeze({
    WebSocket: null,
    fetch: null,
    activityTimeout: 120000,
    pongTimeout: 30000,
    connectTimeout: 10000,
    unavailableTimeout: 10000,
    maxReconnectDelay: 30000,
  });

  /** List query parameters that are not filters: never part of a subscription. */
  const LIST_PARAMETERS = ['ordering', 'page', 'page_size'];
  /** Asks a router write not to send its events to this connection (`excludeSelf`). */
  const EXCLUDE_SELF_HEADER = 'X-Realtime-Exclude-Self';
  /** Times live() loads a multi-page list again when it changed during the load. */
  const LIVE_LOAD_ATTEMPTS = 3;

  /** First delay after an unexpected drop; doubled per failed attempt up to maxReconnectDelay. */
  const RECONNECT_BASE_DELAY = 1000;
  /** Delay after a 4100-4199 close ("over capacity, back off"), before jitter. */
  const BACKOFF_CLOSE_DELAY = 1000;

  /**
   * The protocol extension for message recovery, as `pusher:connection_established`
   * announces it in `extensions` (the self-hosted server does; hosted Pusher does not).
   */
  const RECOVERY_EXTENSION = 'recovery';
  /** A channel's event after a subscription that tried to recover missed events. */
  const RECOVERY_EVENT = 'realtime:recovery';
  /** What the server sends a socket excluded from an event: its new position only. */
  const POSITION_EVENT = 'pusher_internal:position';

  /**
   * @typedef {Object} AuthEndpoint
   * @property {string} endpoint URL the client POSTs `socket_id` (and `channel_name`) to.
   * @property {Object<string, string>} [headers] Extra headers, e.g. `{"X-CSRFToken": "..."}`.
   */

  /**
   * The connection config, exactly what `{% realtime_client %}` renders (pusher-js names).
   * @typedef {Object} RealtimeConfig
   * @property {string} key The app key (public).
   * @property {string} [backend] "memory", "tornado_redis" or "pusher" (informational).
   * @property {string} [cluster] Pusher cluster: connects to `ws-{cluster}.pusher.com`.
   * @property {string} [wsHost] Host of the socket server; wins over `cluster`.
   * @property {number} [wsPort] Port for ws:// (default 80).
   * @property {number} [wssPort] Port for wss:// (default 443).
   * @property {string} [wsPath] Path prefix before `/app/{key}`.
   * @property {boolean} [forceTLS] Always use wss://.
   * @property {AuthEndpoint} [channelAuthorization] Private and presence channel authorization.
   * @property {AuthEndpoint} [userAuthentication] User sign-in.
   * @property {RouterEndpoints} [routers] Where the routers' verbs live.
   */

  /**
   * The routers' URLs; the client appends `<route>/` (and `<pk>/`).
   * @typedef {Object} RouterEndpoints
   * @property {string} objects Lists, objects and writes, e.g. "/realtime/routes/".
   * @property {string} subscriptions Channel names for filters, e.g. "/realtime/subscriptions/".
   */

  /**
   * One page of a router's list.
   * @typedef {Object} ListPage
   * @property {Array<Object>} results The objects, as the router serializes them.
   * @property {number} count How many objects match the filters, over all pages.
   * @property {number} page This page's number, from 1.
   * @property {number} page_size
   * @property {boolean} has_next Whether a next page exists.
   */

  /**
   * Options of the router writes.
   * @typedef {Object} WriteOptions
   * @property {boolean} [excludeSelf] Do not send the change's events back to this
   *   connection (the page applies the answer itself); others still get them.
   */

  /**
   * Options of one client instance (set in code, never rendered by the server).
   * @typedef {Object} RealtimeOptions
   * @property {Function} [WebSocket] WebSocket constructor (default: the global one).
   * @property {Function} [fetch] fetch implementation (default: the global one).
   * @property {number} [activityTimeout] ms of silence before pinging (the server's value caps it).
   * @property {number} [pongTimeout] ms to wait for any frame after a ping before reconnecting.
   * @property {number} [connectTimeout] ms an attempt may take to get the handshake.
   * @property {number} [unavailableTimeout] ms of failed attempts before the state is "unavailable".
   * @property {number} [maxReconnectDelay] Cap of the exponential reconnection delay, in ms.
   */

  // Helpers ------------------------------------------------------------------------------

  /** Rethrow a callback's error outside the dispatch loop, so the other callbacks still run. */
  function reportLater(error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }

  /** pusher-js's rule: string data that parses as JSON is given parsed, any other stays. */
  function decodeData(data) {
    if (typeof data !== 'string') return data;
    try {
      return JSON.parse(data);
    } catch (error) {
      return data;
    }
  }

  /**
   * A channel position of the recovery extension, `"<epoch>:<offset>"` (the epoch an
   * opaque string without ':', the offset a decimal integer), as `{epoch, offset}`;
   * null for anything else.
   */
  function parsePosition(text) {
    if (typeof text !== 'string') return null;
    const at = text.indexOf(':');
    const offset = text.slice(at + 1);
    if (at <= 0 || !/^[0-9]{1,15}$/.test(offset)) return null;
    return { epoch: text.slice(0, at), offset: Number(offset) };
  }

  /** `position` written back as a string (without leading zeros in the offset). */
  function formatPosition(position) {
    return `${position.epoch}:${position.offset}`;
  }

  /** Whether `id` can name a user (presence member or signed-in user): a non-empty string or a number. */
  function isUserId(id) {
    return (typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id));
  }

  /** Random delay in [half, whole] of `delay`: clients dropped together come back spread out. */
  function jitter(delay) {
    return delay / 2 + Math.random() * (delay / 2);
  }

  function pageLocation() {
    return root.location && root.location.host ? root.location : null;
  }

  /**
   * The socket URL for `config`, from the page's `location` (null outside a page).
   * @param {RealtimeConfig} config
   * @param {{protocol: string, host: string}|null} page
   * @param {boolean} forceTLS set after a 4000 close ("use TLS")
   * @returns {string}
   */
  function socketUrl(config, page, forceTLS) {
    const pageTLS = Boolean(page) && page.protocol === 'https:';
    let tls = forceTLS || config.forceTLS === true || pageTLS;
    let hostAndPort;
    if (config.wsHost) {
      const host = config.wsHost.includes(':') && !config.wsHost.startsWith('[')
        ? `[${config.wsHost}]`
        : config.wsHost;
      hostAndPort = `${host}:${tls ? config.wssPort || 443 : config.wsPort || 80}`;
    } else if (config.cluster) {
      // Hosted Pusher: TLS unless the config turns it off explicitly.
      tls = tls || config.forceTLS !== false;
      hostAndPort = `ws-${config.cluster}.pusher.com:${tls ? config.wssPort || 443 : config.wsPort || 80}`;
    } else if (page) {
      // The embedded server shares the page's origin.
      hostAndPort = page.host;
    } else {
      throw new TypeError(
        'Realtime: the config has neither wsHost nor cluster, and there is no page location ' +
          'to connect to (the embedded server serves sockets on the page\'s own host)',
      );
    }
    const path = (config.wsPath || '').replace(/\/$/, '');
    const query = `protocol=${PROTOCOL}&client=realtime-js&version=${VERSION}`;
    return `${tls ? 'wss' : 'ws'}://${hostAndPort}${path}/app/${encodeURIComponent(config.key)}?${query}`;
  }

  function isSameOrigin(url) {
    const page = pageLocation();
    if (!page || !page.origin) return true;
    try {
      return new URL(String(url), page.href).origin === page.origin;
    } catch (error) {
      return false;
    }
  }

  // Errors -------------------------------------------------------------------------------

  /**
   * An answer's body as an error message quotes it: JSON (the server's own error
   * answer), cut to 300 characters. Anything else, an HTML page above all (Django's
   * error or CSRF page, a debug traceback), is not for a user to read: only its kind.
   */
  function quotedBody(text) {
    try {
      JSON.parse(text);
    } catch (error) {
      return ' (not JSON)';
    }
    return `: ${text.slice(0, 300)}`;
  }

  /**
   * An authorization endpoint refused or failed; the argument of
   * `pusher:subscription_error` and `pusher:signin_error` (pusher-js's shape:
   * `{type: "AuthError", status, error}`).
   */
  class AuthError extends Error {
    /**
     * @param {number} status HTTP status (0 when the endpoint could not be reached).
     * @param {string} message
     */
    constructor(status, message) {
      super(message);
      this.name = 'AuthError';
      this.type = 'AuthError';
      this.status = status;
      this.error = message;
    }
  }

  /** Why `ready()` failed: the connection was refused for good or closed by the app. */
  class ConnectionError extends Error {
    /**
     * @param {string} message
     * @param {number|null} code The close or `pusher:error` code, when there was one.
     */
    constructor(message, code) {
      super(message);
      this.name = 'ConnectionError';
      this.code = code;
    }
  }

  /**
   * A router request failed: the server's answer (`{"error", "errors"?}`) or, with
   * `status` 0, no answer at all. `errors` holds messages by field or parameter name
   * (`{text: ["This field is required."]}`), empty when the server gave none.
   */
  class RouterError extends Error {
    /**
     * @param {number} status HTTP status (0 when the server could not be reached).
     * @param {string} message
     * @param {Object<string, Array<string>>} [errors]
     */
    constructor(status, message, errors) {
      super(message);
      this.name = 'RouterError';
      this.status = status;
      this.errors = errors || {};
    }
  }

  // Router helpers -----------------------------------------------------------------------

  /** The query string of `params` (filters and list parameters); undefined values are left out. */
  function queryString(params, what) {
    if (params === undefined || params === null) return '';
    if (typeof params !== 'object' || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      if (value === null || typeof value === 'object' || typeof value === 'function') {
        throw new TypeError(`${what}: parameter ${name} must be a string, number or boolean`);
      }
      query.append(name, String(value));
    }
    return query.toString();
  }

  /** `params` without the list parameters: what selects a channel. */
  function filtersOf(params, what) {
    if (params === undefined || params === null) return {};
    if (typeof params !== 'object' || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
    const filters = {};
    for (const [name, value] of Object.entries(params)) {
      if (!LIST_PARAMETERS.includes(name) && value !== undefined) filters[name] = value;
    }
    return filters;
  }

  /** What identifies a route subscription on this client: the route and its filters. */
  function routeKey(route, filters) {
    const names = Object.keys(filters).sort();
    return `${route}?${names.map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(filters[name]))}`).join('&')}`;
  }

  /** `options` (an object of `known` names only, or nothing), else a TypeError. */
  function checkOptions(options, known, what) {
    if (options === undefined || options === null) return {};
    if (typeof options !== 'object') throw new TypeError(`${what}: options must be an object`);
    const unknown = Object.keys(options).filter((name) => !known.includes(name));
    if (unknown.length) throw new TypeError(`${what}: unknown options ${unknown.join(', ')}; known: ${known.join(', ')}`);
    return options;
  }

  // Events -------------------------------------------------------------------------------

  /** Named events with callbacks; the base of the client, channels and the user. */
  class Emitter {
    constructor() {
      /** @private */
      this._callbacks = new Map();
      /** @private */
      this._globalCallbacks = [];
    }

    /**
     * Call `callback(data, metadata)` on every `event`.
     * @param {string} event
     * @param {Function} callback
     * @param {*} [context] `this` for the callback.
     * @returns {this}
     */
    bind(event, callback, context) {
      if (typeof callback !== 'function') throw new TypeError(`bind(${event}): the callback must be a function`);
      if (!this._callbacks.has(event)) this._callbacks.set(event, []);
      this._callbacks.get(event).push({ callback, context });
      return this;
    }

    /**
     * Remove callbacks: one (`event`, `callback`), all of `event`, all for `callback`, or all.
     * @param {string} [event]
     * @param {Function} [callback]
     * @returns {this}
     */
    unbind(event, callback) {
      const events = event === undefined || event === null ? [...this._callbacks.keys()] : [event];
      for (const name of events) {
        const kept = callback ? (this._callbacks.get(name) || []).filter((b) => b.callback !== callback) : [];
        if (kept.length) this._callbacks.set(name, kept);
        else this._callbacks.delete(name);
      }
      return this;
    }

    /**
     * Call `callback(event, data, metadata)` on every event.
     * @param {Function} callback
     * @returns {this}
     */
    bindGlobal(callback) {
      if (typeof callback !== 'function') throw new TypeError('bindGlobal: the callback must be a function');
      this._globalCallbacks.push(callback);
      return this;
    }

    /**
     * Remove one global callback, or all of them.
     * @param {Function} [callback]
     * @returns {this}
     */
    unbindGlobal(callback) {
      this._globalCallbacks = callback ? this._globalCallbacks.filter((c) => c !== callback) : [];
      return this;
    }

    /** @private */
    _emit(event, data, metadata) {
      for (const callback of this._globalCallbacks.slice()) {
        try {
          callback(event, data, metadata);
        } catch (error) {
          reportLater(error);
        }
      }
      for (const { callback, context } of (this._callbacks.get(event) || []).slice()) {
        try {
          callback.call(context, data, metadata);
        } catch (error) {
          reportLater(error);
        }
      }
    }
  }

  // Channels -----------------------------------------------------------------------------

  /**
   * A subscription, from `realtime.subscribe(name)`. Bind its event names; the
   * `data` given to callbacks is decoded from JSON when it is JSON, and the second
   * argument (`metadata`) carries `user_id` for client events on presence channels.
   *
   * Events of its own: `pusher:subscription_succeeded` (data: `{}`, or the members on
   * presence channels) and `pusher:subscription_error` (data: the server's
   * `{type, error, status}`, or an {@link AuthError}).
   *
   * Message recovery, when the server announces the "recovery" extension (the
   * self-hosted server; never hosted Pusher): the channel keeps its `position` in the
   * channel's history, sends it when it subscribes again (after a reconnect), and the
   * server replays the events it missed; events already processed (same position or
   * older) are dropped, never given to the callbacks. If the stream jumps (an event
   * went missing), the channel subscribes again on the same connection to get it
   * replayed, holding back the events that arrive meanwhile (given in order if the
   * replay does not come). After each such attempt it emits `realtime:recovery` with
   * `{recovered, position, from}`: `recovered` true (the missed events follow, in
   * order, before any new one) or false (they are lost: load the state again, which
   * `live()` lists do by themselves); `from` the position asked for, `position` the
   * channel's position at the server when it answered (null if it answered none).
   */
  class Channel extends Emitter {
    /**
     * @param {string} name
     * @param {Realtime} client
     */
    constructor(name, client) {
      super();
      /** The channel's name. */
      this.name = name;
      /** True once the server confirmed the subscription on the current connection. */
      this.subscribed = false;
      /** @private */
      this._client = client;
      /** @private subscribe requested on this connection (authorizing or awaiting the answer) */
      this._requested = false;
      /** @private called by unsubscribe(): settles the promises waiting for the subscription */
      this._onUnsubscribe = new Set();
      /**
       * Where this client stands in the channel's history, `"<epoch>:<offset>"`: the
       * last event it processed, or the channel's position when it subscribed. Only
       * with a server that supports recovery (`realtime.extensions` includes
       * "recovery"), else null. It changes before an event's callbacks run (they may
       * read it), stays across reconnects (the next subscription sends it, so the
       * server can replay what was missed) and is lost with `unsubscribe()`.
       * @type {string|null}
       */
      this.position = null;
      /** @private the position the unanswered subscription asked to recover from, else null */
      this._recoveryFrom = null;
      /** @private an event went missing: subscribing again on this connection to have it replayed */
      this._resyncing = false;
      /** @private positioned events received during that resubscription, in order */
      this._held = [];
      /** @private true while pusher:subscription_succeeded is emitted for a recovering subscription */
      this._recovering = false;
    }

    /** Whether subscribing needs a signature from the channel authorization endpoint. */
    get requiresAuth() {
      return this.name.startsWith('private-') || this.name.startsWith('presence-');
    }

    /**
     * Send a client event to the channel's other subscribers (the server must allow
     * client events). Only on private and presence channels, once subscribed.
     * @param {string} event Must start with `client-`.
     * @param {*} data Any JSON value.
     * @returns {boolean} Whether the event went out (false: not subscribed, public channel
     *   or no connection).
     */
    trigger(event, data) {
      if (typeof event !== 'string' || !event.startsWith('client-')) {
        throw new TypeError(`Client events must start with "client-": ${event}`);
      }
      if (!this.requiresAuth || !this.subscribed) return false;
      return this._client._send({ event, channel: this.name, data });
    }

    /** @private The connection is gone (or the channel was unsubscribed); `position` stays. */
    _reset() {
      this.subscribed = false;
      this._requested = false;
      this._recoveryFrom = null;
      this._resyncing = false;
      this._held = [];
    }

    /** @private Hook: what the authorization endpoint answered, before subscribing. */
    _authorized() {}

    /** @private */
    _succeeded(data) {
      this.subscribed = true;
      this._emit('pusher:subscription_succeeded', data);
    }

    /** @private pusher_internal:subscription_succeeded, with the recovery extension's fields. */
    _subscriptionSucceeded(frame) {
      const from = this._recoveryFrom;
      const resync = this._resyncing && this.subscribed;
      const held = this._held;
      this._requested = false;
      this._recoveryFrom = null;
      this._resyncing = false;
      this._held = [];
      if (!this._client._recovers) {
        this.position = null;
        this._succeeded(frame.data);
        return;
      }
      const parsed = parsePosition(frame.position);
      const current = parsed ? formatPosition(parsed) : null;
      if (from === null) {
        // A first subscription (or one without a position to recover from).
        this.position = current;
        this._succeeded(frame.data);
        return;
      }
      const recovered = frame.recovered === true;
      // Recovered: the replay follows (with what was held) and moves the position on.
      // Not: what did arrive is still given (at most once), then the app reloads.
      if (!recovered) {
        this._deliverHeld(held);
        if (current !== null) this.position = current;
      }
      if (!resync) {
        this._recovering = true;
        this._succeeded(frame.data);
        this._recovering = false;
      }
      this._emit(RECOVERY_EVENT, { recovered, position: current, from });
    }

    /** @private The subscription was refused (by the server or the authorization endpoint). */
    _failed(error) {
      const resync = this._resyncing;
      const from = this.position;
      const held = this._held;
      this._requested = false;
      this._recoveryFrom = null;
      this._resyncing = false;
      this._held = [];
      // Still subscribed, with a hole in the stream: go on from what arrived.
      if (resync) this._deliverHeld(held);
      this._emit('pusher:subscription_error', error);
      if (resync) this._emit(RECOVERY_EVENT, { recovered: false, position: this.position, from });
    }

    /**
     * @private Whether an event at `text` (its position) is the next one: then
     * `position` moves to it. A duplicate is dropped. After a gap, or a new epoch that
     * does not start at 1, the channel subscribes again to recover and holds the event
     * (and the next ones) until the answer.
     */
    _inSequence(frame) {
      const next = parsePosition(frame.position);
      if (!next) return true; // not a position: delivered as without recovery
      if (this._resyncing) {
        this._held.push(frame);
        return false;
      }
      const current = parsePosition(this.position);
      if (current && next.epoch === current.epoch) {
        if (next.offset <= current.offset) return false;
        if (next.offset > current.offset + 1) {
          this._resync(frame);
          return false;
        }
      } else if (current && next.offset !== 1) {
        this.position = `${next.epoch}:0`; // from the start of the new epoch
        this._resync(frame);
        return false;
      }
      this.position = formatPosition(next);
      return true;
    }

    /** @private Subscribe again on this connection, from `position`. */
    _resync(frame) {
      this._resyncing = true;
      this._held = [frame];
      this._client._subscribeChannel(this);
    }

    /** @private Deliver the events held during a resync that did not recover, in order, once. */
    _deliverHeld(held) {
      let last = null;
      for (const frame of held) {
        const position = parsePosition(frame.position);
        if (last && position.epoch === last.epoch && position.offset <= last.offset) continue;
        last = position;
        this.position = formatPosition(position);
        if (frame.event !== POSITION_EVENT) this._deliver(frame);
      }
    }

    /** @private Give a channel event to the callbacks. */
    _deliver(frame) {
      this._emit(frame.event, frame.data, frame.user_id === undefined ? {} : { user_id: frame.user_id });
    }

    /** @private A frame for this channel, its data decoded. */
    _handle(frame) {
      switch (frame.event) {
        case 'pusher_internal:subscription_succeeded':
          this._subscriptionSucceeded(frame);
          return;
        case 'pusher:subscription_error':
          this._failed(frame.data);
          return;
        case 'pusher_internal:subscription_count':
          this._emit('pusher:subscription_count', frame.data);
          return;
        case POSITION_EVENT:
          // An event this socket was excluded from: only the position moves on.
          if (this._client._recovers) this._inSequence(frame);
          return;
        default:
          if (frame.event.startsWith('pusher_internal:')) return;
          if (frame.position !== undefined && this._client._recovers && !this._inSequence(frame)) return;
          this._deliver(frame);
      }
    }
  }

  /** The members of a presence channel (`channel.members`). */
  class Members {
    constructor() {
      /** This connection's user id (from the authorization's channel_data, or the sign-in). */
      this.myID = null;
      this._reset();
    }

    /**
     * The member with this id, or null.
     * @param {string|number} id
     * @returns {{id: string, info: *}|null}
     */
    get(id) {
      const key = String(id);
      return Object.prototype.hasOwnProperty.call(this._info, key) ? { id: key, info: this._info[key] } : null;
    }

    /**
     * Call `callback({id, info})` for every member.
     * @param {Function} callback
     */
    each(callback) {
      for (const id of Object.keys(this._info)) callback({ id, info: this._info[id] });
    }

    /** @private */
    _reset() {
      /** Number of distinct users. */
      this.count = 0;
      /** This connection's member `{id, info}`, once subscribed. */
      this.me = null;
      /** @private */
      this._info = Object.create(null);
    }

    /** @private */
    _set(presence) {
      this._info = Object.assign(Object.create(null), (presence && presence.hash) || {});
      this.count = Object.keys(this._info).length;
      this.me = this.myID === null ? null : this.get(this.myID);
    }

    /** @private */
    _add(userId, info) {
      const id = String(userId);
      if (!this.get(id)) this.count += 1;
      this._info[id] = info;
      return { id, info };
    }

    /** @private */
    _remove(userId) {
      const member = this.get(userId);
      if (member) {
        delete this._info[member.id];
        this.count -= 1;
      }
      return member;
    }
  }

  /**
   * A `presence-` channel: a {@link Channel} with `members`, and the events
   * `pusher:member_added` / `pusher:member_removed` (data: `{id, info}`).
   * `pusher:subscription_succeeded` passes the members.
   */
  class PresenceChannel extends Channel {
    constructor(name, client) {
      super(name, client);
      /** @type {Members} */
      this.members = new Members();
    }

    /** @private */
    _reset() {
      super._reset();
      this.members._reset();
    }

    /** @private */
    _authorized(answer) {
      let userId = null;
      if (typeof answer.channel_data === 'string') {
        const channelData = decodeData(answer.channel_data);
        if (channelData && channelData.user_id !== undefined) userId = String(channelData.user_id);
      } else if (this._client.user.id !== null) {
        userId = this._client.user.id;
      }
      this.members.myID = userId;
    }

    /** @private */
    _succeeded(data) {
      this.members._set(data && data.presence);
      this.subscribed = true;
      this._emit('pusher:subscription_succeeded', this.members);
    }

    /** @private */
    _handle(frame) {
      if (frame.event === 'pusher_internal:member_added' || frame.event === 'pusher_internal:member_removed') {
        const data = frame.data;
        const userId = data && typeof data === 'object' ? data.user_id : undefined;
        if (!isUserId(userId)) return; // a malformed frame names no member: nothing to change
        if (frame.event === 'pusher_internal:member_added') {
          this._emit('pusher:member_added', this.members._add(userId, data.user_info));
        } else {
          const member = this.members._remove(userId);
          if (member) this._emit('pusher:member_removed', member);
        }
      } else {
        super._handle(frame);
      }
    }
  }

  /**
   * The signed-in user (`realtime.user`): after `realtime.signin()`, the events the
   * server sends to this user (Pusher's `#server-to-user-{id}`) are emitted here.
   * Its own events: `pusher:signin_success` (data: the user data) and
   * `pusher:signin_error` (an {@link AuthError}, or the server's `pusher:error`).
   */
  class User extends Emitter {
    constructor() {
      super();
      /** The user id once signed in on the current connection, else null. */
      this.id = null;
      /** `user_info` of the signed-in user. */
      this.info = null;
      /** The whole user data the endpoint returned (`{id, user_info, ...}`). */
      this.data = null;
      /** Whether the server accepted the sign-in on the current connection. */
      this.signedIn = false;
    }

    /** @private */
    _reset() {
      this.signedIn = false;
    }
  }

  // The client ---------------------------------------------------------------------------

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
   */
  class Realtime extends Emitter {
    /**
     * Create the client and start connecting.
     * @param {RealtimeConfig} config
     * @param {RealtimeOptions} [options]
     */
    constructor(config, options) {
      super();
      if (!config || typeof config !== 'object') throw new TypeError('Realtime needs a config object');
      if (typeof config.key !== 'string' || !config.key) throw new TypeError('Realtime: config.key must be the app key');
      const unknownConfig = Object.keys(config).filter((name) => !CONFIG_KEYS.has(name));
      if (unknownConfig.length && root.console) {
        root.console.warn(`Realtime: ignoring unknown config keys: ${unknownConfig.join(', ')}`);
      }
      const unknownOptions = Object.keys(options || {}).filter((name) => !(name in DEFAULT_OPTIONS));
      if (unknownOptions.length) {
        throw new TypeError(
          `Realtime: unknown options ${unknownOptions.join(', ')}; known: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`,
        );
      }
      /** @type {RealtimeConfig} */
      this.config = config;
      /** @private */
      this._options = { ...DEFAULT_OPTIONS, ...options };
      /** The backend that rendered the config ("memory", "tornado_redis", "pusher"), if said. */
      this.backend = config.backend || null;
      /** Current connection state. */
      this.state = 'initialized';
      /** The socket id of the current connection, else null. */
      this.socketId = null;
      /**
       * The protocol extensions the server announced on the current connection (in
       * `pusher:connection_established`): `["recovery"]` from a self-hosted server that
       * replays missed events (see {@link Channel#position}); empty otherwise.
       * @type {Array<string>}
       */
      this.extensions = [];
      /** The signed-in user and its events. */
      this.user = new User();
      /** @private set after a 4000 close */
      this._forceTLS = false;
      /** The URL the client connects to. */
      this.url = socketUrl(config, pageLocation(), false);
      /** @private */
      this._channels = new Map();
      /** @private */
      this._socket = null;
      /** @private */
      this._timers = {};
      /** @private connections established so far: stale async answers compare it */
      this._generation = 0;
      /** @private attempts that failed since the last established connection */
      this._failures = 0;
      /** @private the app wants a connection (false after disconnect() or a refusal) */
      this._wanted = false;
      /** @private the handshake's pusher:error, if any: it explains an abnormal close */
      this._handshakeError = null;
      /** @private */
      this._signinWanted = false;
      /** @private */
      this._signinSent = false;
      /** @private `ready()` promises waiting for the connection */
      this._waiters = [];
      /** @private */
      this._activityTimeout = this._options.activityTimeout;
      /** @private when the last frame arrived (ms since the epoch) */
      this._lastHeard = 0;
      /** @private route subscriptions by routeKey(): `{name, cancelled}` */
      this._routeSubscriptions = new Map();
      /** @private */
      this._onOnline = () => {
        if (this._timers.retry !== undefined) this._open();
      };
      this.connect();
    }

    /**
     * Connect with the config rendered by `{% realtime_client %}` (the JSON in
     * `<script id="realtime-config">`), or with the given one.
     * @param {RealtimeConfig} [config]
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
      const element = root.document ? root.document.getElementById(CONFIG_ELEMENT_ID) : null;
      if (!element) {
        throw new Error(
          `Realtime.connect(): no <script id="${CONFIG_ELEMENT_ID}"> on the page; render ` +
            '{% realtime_client %} in the template, or pass the config',
        );
      }
      return JSON.parse(element.textContent);
    }

    // Connection -------------------------------------------------------------------------

    /**
     * Resolves with this client once connected (at once if it is), like SwampDragon's
     * `onReady`; rejects with a {@link ConnectionError} if the connection is refused
     * for good or `disconnect()` is called first.
     * @returns {Promise<Realtime>}
     */
    ready() {
      if (this.state === 'connected') return Promise.resolve(this);
      if (!this._wanted) return Promise.reject(new ConnectionError('Realtime is disconnected', null));
      return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
    }

    /**
     * Connect again after `disconnect()` or a refusal (the constructor already connects).
     * @returns {this}
     */
    connect() {
      if (this._wanted) return this;
      this._wanted = true;
      if (typeof root.addEventListener === 'function') root.addEventListener('online', this._onOnline);
      this._setState('connecting');
      this._startUnavailableTimer();
      this._open();
      return this;
    }

    /**
     * Close the connection and stop reconnecting. Channels and bindings are kept for
     * a later `connect()`.
     * @returns {this}
     */
    disconnect() {
      const socket = this._socket;
      this._stop();
      if (socket) this._closeSocket(socket);
      this._connectionLost();
      this._setState('disconnected');
      this._rejectWaiters(new ConnectionError('Realtime.disconnect() was called', null));
      return this;
    }

    /** @private Stop wanting a connection: no timers, no listener, no retries. */
    _stop() {
      this._wanted = false;
      for (const name of Object.keys(this._timers)) this._clearTimer(name);
      if (typeof root.removeEventListener === 'function') root.removeEventListener('online', this._onOnline);
    }

    /** @private */
    _open() {
      this._clearTimer('retry');
      const WebSocketImpl = this._options.WebSocket || root.WebSocket;
      if (!WebSocketImpl) {
        throw new TypeError('Realtime: no WebSocket here; pass options.WebSocket');
      }
      this.url = socketUrl(this.config, pageLocation(), this._forceTLS);
      let socket;
      try {
        socket = new WebSocketImpl(this.url);
      } catch (error) {
        // A URL the runtime refuses (a bad wsHost, say): retrying cannot help.
        this._stop();
        this._setState('disconnected');
        this._emit('error', { type: 'WebSocketError', error });
        this._rejectWaiters(new ConnectionError(`Cannot open ${this.url}: ${error.message}`, null));
        return;
      }
      this._socket = socket;
      this._handshakeError = null;
      socket.onmessage = (event) => this._receive(socket, event.data);
      socket.onclose = (event) => this._closed(socket, event.code, event.reason);
      // Browsers follow an error with a close (1006); some runtimes (Node 20) do not.
      socket.onerror = () => {
        this._closeSocket(socket);
        this._closed(socket, 1006, 'WebSocket error');
      };
      this._setTimer('connect', this._options.connectTimeout, () => {
        this._abandon(socket, 'backoff', 'The server did not complete the handshake in time');
      });
    }

    /** @private Give up on a socket without waiting for its close handshake. */
    _abandon(socket, action, reason) {
      this._closeSocket(socket);
      this._closed(socket, null, reason, action);
    }

    /** @private */
    _closeSocket(socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      try {
        socket.close(1000);
      } catch (error) {
        // Already closed: nothing left to release.
      }
    }

    /** @private The current socket closed (or was abandoned); decide what comes next. */
    _closed(socket, code, reason, action) {
      if (socket !== this._socket) return;
      const established = this.socketId !== null;
      this._connectionLost();
      if (!this._wanted) return;
      const handshakeError = this._handshakeError;
      // Without a close code (abnormal closure) the handshake's pusher:error says why.
      const effective = code >= 4000 || !handshakeError ? code : handshakeError.code;
      const decided = action || closeAction(effective);
      if (decided === 'tls' && !this._forceTLS && !this.url.startsWith('wss:')) {
        this._forceTLS = true;
        this._retryIn(0);
      } else if (decided === 'refused' || decided === 'tls') {
        if (!handshakeError || handshakeError.code !== effective) {
          this._emit('error', { type: 'PusherError', data: { code: effective, message: reason || '' } });
        }
        this._stop();
        this._setState('disconnected');
        this._rejectWaiters(new ConnectionError(`The server refused the connection (${effective}): ${reason || ''}`, effective));
      } else {
        let delay;
        if (decided === 'immediate' && established) delay = 0;
        else if (decided === 'fixed') delay = BACKOFF_CLOSE_DELAY * (1 + Math.random() / 4);
        else delay = jitter(Math.min(this._options.maxReconnectDelay, RECONNECT_BASE_DELAY * 2 ** this._failures));
        this._failures += 1;
        if (this.state === 'connected') {
          this._setState('connecting');
          this._startUnavailableTimer();
        }
        this._retryIn(delay);
      }
    }

    /** @private Forget the socket and everything that belonged to it. */
    _connectionLost() {
      this._socket = null;
      this.socketId = null;
      this.extensions = [];
      this._signinSent = false;
      for (const name of ['connect', 'activity', 'pong']) this._clearTimer(name);
      for (const channel of this._channels.values()) channel._reset();
      this.user._reset();
    }

    /** @private */
    _retryIn(delay) {
      this._setTimer('retry', delay, () => this._open());
    }

    /** @private */
    _startUnavailableTimer() {
      this._setTimer('unavailable', this._options.unavailableTimeout, () => {
        if (this.state === 'connecting') this._setState('unavailable');
      });
    }

    /** @private */
    _setTimer(name, delay, callback) {
      this._clearTimer(name);
      this._timers[name] = setTimeout(() => {
        delete this._timers[name];
        callback();
      }, delay);
    }

    /** @private */
    _clearTimer(name) {
      if (this._timers[name] !== undefined) {
        clearTimeout(this._timers[name]);
        delete this._timers[name];
      }
    }

    /** @private */
    _setState(current, extra) {
      const previous = this.state;
      if (previous === current) return;
      this.state = current;
      this._emit('state_change', { previous, current });
      this._emit(current, { previous, current, ...extra });
    }

    /** @private */
    _rejectWaiters(error) {
      const waiters = this._waiters;
      this._waiters = [];
      for (const waiter of waiters) waiter.reject(error);
    }

    /** @private After any frame: the server is alive; ping after the next silence. */
    _heardFromServer(socket) {
      this._lastHeard = Date.now();
      this._clearTimer('pong');
      if (this.socketId !== null && this._timers.activity === undefined) this._watchActivity(socket, this._activityTimeout);
    }

    /** @private One timer per silence, not one per frame: it re-arms for what is left. */
    _watchActivity(socket, delay) {
      this._setTimer('activity', delay, () => {
        const silence = Date.now() - this._lastHeard;
        if (silence < this._activityTimeout) {
          this._watchActivity(socket, this._activityTimeout - silence);
          return;
        }
        this._send({ event: 'pusher:ping', data: {} });
        this._setTimer('pong', this._options.pongTimeout, () => {
          this._abandon(socket, 'immediate', 'No pong from the server in time');
        });
      });
    }

    /**
     * @private Send one frame on the open connection.
     * @returns {boolean} whether it went out
     */
    _send(frame) {
      const socket = this._socket;
      if (!socket || this.socketId === null || socket.readyState !== 1) return false;
      socket.send(JSON.stringify(frame));
      return true;
    }

    // Receiving --------------------------------------------------------------------------

    /** @private */
    _receive(socket, text) {
      if (socket !== this._socket) return;
      let frame;
      try {
        frame = JSON.parse(text);
      } catch (error) {
        this._emit('error', { type: 'MessageParseError', error: String(error), data: text });
        return;
      }
      if (!frame || typeof frame.event !== 'string') return;
      frame.data = decodeData(frame.data);
      this._heardFromServer(socket);
      switch (frame.event) {
        case 'pusher:connection_established':
          this._established(socket, frame.data);
          break;
        case 'pusher:error':
          this._serverError(frame.data);
          break;
        case 'pusher:ping':
          this._send({ event: 'pusher:pong', data: {} });
          break;
        case 'pusher:signin_success':
          this._signedIn(frame.data);
          break;
        default:
          this._route(frame);
      }
      this._emit('message', frame);
    }

    /** @private */
    _established(socket, data) {
      if (!data || typeof data.socket_id !== 'string') {
        this._abandon(socket, 'backoff', 'Invalid handshake: no socket_id');
        return;
      }
      this._clearTimer('connect');
      this._clearTimer('unavailable');
      this.socketId = data.socket_id;
      this.extensions = Array.isArray(data.extensions) ? data.extensions.filter((name) => typeof name === 'string') : [];
      this._generation += 1;
      this._failures = 0;
      this._handshakeError = null;
      const serverTimeout = Number(data.activity_timeout) * 1000;
      this._activityTimeout = serverTimeout > 0 ? Math.min(this._options.activityTimeout, serverTimeout) : this._options.activityTimeout;
      this._heardFromServer(socket);
      for (const channel of this._channels.values()) this._subscribeChannel(channel);
      if (this._signinWanted) this._signIn();
      const waiters = this._waiters;
      this._waiters = [];
      for (const waiter of waiters) waiter.resolve(this);
      this._setState('connected', { socketId: this.socketId });
    }

    /** @private Whether the current connection's server replays missed events. */
    get _recovers() {
      return this.extensions.includes(RECOVERY_EXTENSION);
    }

    /** @private */
    _serverError(data) {
      const error = { code: data && data.code !== undefined ? data.code : null, message: (data && data.message) || '' };
      if (this.socketId === null) this._handshakeError = error;
      this._emit('error', { type: 'PusherError', data: error });
      if (this._signinSent && !this.user.signedIn && error.code === 4009) {
        this._signinSent = false;
        this.user._emit('pusher:signin_error', { type: 'PusherError', data: error });
      }
    }

    /** @private A frame addressed to a channel (or to the signed-in user). */
    _route(frame) {
      if (typeof frame.channel !== 'string') return;
      if (frame.channel.startsWith(SERVER_TO_USER_PREFIX)) {
        if (this.user.id !== null && frame.channel === SERVER_TO_USER_PREFIX + this.user.id && !frame.event.startsWith('pusher')) {
          this.user._emit(frame.event, frame.data, {});
        }
        return;
      }
      const channel = this._channels.get(frame.channel);
      if (channel) channel._handle(frame);
    }

    // Channels ---------------------------------------------------------------------------

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
     * @param {string} name `news`, `private-orders`, `presence-room`, ...; with `params`,
     *   a route name (`todo-item`).
     * @param {Object<string, string|number|boolean>} [params] A router's filters.
     * @returns {Channel|PresenceChannel|Promise<Channel>} the Channel; a promise of it with `params`.
     */
    subscribe(name, params) {
      if (params !== undefined) return this._subscribeRoute(name, params);
      if (typeof name !== 'string' || !name) throw new TypeError('subscribe() needs a channel name');
      if (name.startsWith('private-encrypted-')) {
        throw new TypeError(`${name}: end-to-end encrypted channels need pusher-js/with-encryption`);
      }
      if (name.startsWith(SERVER_TO_USER_PREFIX)) {
        throw new TypeError(`${name}: call signin() and bind events on realtime.user instead`);
      }
      let channel = this._channels.get(name);
      if (!channel) {
        channel = name.startsWith('presence-') ? new PresenceChannel(name, this) : new Channel(name, this);
        this._channels.set(name, channel);
      }
      if (this.socketId !== null && !channel.subscribed && !channel._requested) this._subscribeChannel(channel);
      return channel;
    }

    /**
     * Leave a channel; its events stop. Subscribing again later gives a new Channel.
     * With `params`, leave the router channel `subscribe(route, params)` joined (the
     * same route and filters), even while that subscription is still being set up.
     * @param {string} name A channel name; with `params`, a route name.
     * @param {Object<string, string|number|boolean>} [params] The router filters.
     */
    unsubscribe(name, params) {
      if (params !== undefined) {
        const key = routeKey(name, filtersOf(params, 'unsubscribe()'));
        const subscription = this._routeSubscriptions.get(key);
        if (!subscription) return;
        this._routeSubscriptions.delete(key);
        subscription.cancelled = true;
        if (subscription.name !== null) this.unsubscribe(subscription.name);
        return;
      }
      const channel = this._channels.get(name);
      if (!channel) return;
      this._channels.delete(name);
      if (channel.subscribed || channel._requested) this._send({ event: 'pusher:unsubscribe', data: { channel: name } });
      channel._reset();
      for (const unsubscribed of [...channel._onUnsubscribe]) unsubscribed();
    }

    /**
     * The subscribed (or subscribing) channel of this name, else undefined.
     * @param {string} name
     * @returns {Channel|PresenceChannel|undefined}
     */
    channel(name) {
      return this._channels.get(name);
    }

    /** @returns {Array<Channel|PresenceChannel>} every channel subscribed or subscribing. */
    allChannels() {
      return [...this._channels.values()];
    }

    /** @private subscribe(route, params) */
    async _subscribeRoute(route, params) {
      const filters = filtersOf(params, 'subscribe()');
      const url = this._routerUrl('subscriptions', route, filters);
      const key = routeKey(route, filters);
      let subscription = this._routeSubscriptions.get(key);
      if (!subscription) {
        subscription = { name: null, cancelled: false };
        this._routeSubscriptions.set(key, subscription);
      }
      let answer;
      try {
        answer = await this._routerRequest('GET', url);
        if (!answer || typeof answer.channel !== 'string') {
          throw new RouterError(200, `${url} answered no channel name: ${JSON.stringify(answer).slice(0, 300)}`);
        }
      } catch (error) {
        if (this._routeSubscriptions.get(key) === subscription && subscription.name === null) {
          this._routeSubscriptions.delete(key);
        }
        throw error;
      }
      if (subscription.cancelled) throw new Error(`unsubscribe('${route}', ...) came before the subscription was made`);
      subscription.name = answer.channel;
      return this._whenSubscribed(this.subscribe(answer.channel));
    }

    /**
     * @private Resolves with `channel` once the server confirmed it; rejects with the
     * subscription error, a ConnectionError when the client is disconnected first, or
     * an Error when the channel is unsubscribed first.
     */
    _whenSubscribed(channel) {
      if (channel.subscribed) return Promise.resolve(channel);
      if (!this._wanted) return Promise.reject(new ConnectionError('Realtime is disconnected', null));
      return new Promise((resolve, reject) => {
        const settle = (outcome, value) => {
          channel.unbind('pusher:subscription_succeeded', succeeded);
          channel.unbind('pusher:subscription_error', failed);
          this.unbind('disconnected', disconnected);
          channel._onUnsubscribe.delete(unsubscribed);
          outcome(value);
        };
        const succeeded = () => settle(resolve, channel);
        const failed = (error) => {
          const reason = error instanceof Error
            ? error
            : new AuthError((error && error.status) || 0, (error && error.error) || `Could not subscribe to ${channel.name}`);
          settle(reject, reason);
        };
        const disconnected = () => settle(reject, new ConnectionError(`Disconnected before ${channel.name} was subscribed`, null));
        const unsubscribed = () => settle(reject, new Error(`unsubscribe() came before the subscription to ${channel.name} was made`));
        channel.bind('pusher:subscription_succeeded', succeeded);
        channel.bind('pusher:subscription_error', failed);
        this.bind('disconnected', disconnected);
        channel._onUnsubscribe.add(unsubscribed);
      });
    }

    /** @private Send pusher:subscribe on the current connection, authorizing first if needed. */
    async _subscribeChannel(channel) {
      const generation = this._generation;
      channel._requested = true;
      const data = { channel: channel.name };
      if (channel.requiresAuth) {
        let answer;
        try {
          answer = await this._authorize(this.config.channelAuthorization, 'channelAuthorization', {
            socket_id: this.socketId,
            channel_name: channel.name,
          });
        } catch (error) {
          if (this._isCurrent(channel, generation)) channel._failed(error);
          return;
        }
        if (!this._isCurrent(channel, generation)) return;
        data.auth = answer.auth;
        if (answer.channel_data !== undefined) data.channel_data = answer.channel_data;
        channel._authorized(answer);
      }
      if (this._recovers && channel.position !== null) {
        // Recovery: the server replays what came after it (or says it cannot).
        data.position = channel.position;
        channel._recoveryFrom = channel.position;
      }
      this._send({ event: 'pusher:subscribe', data });
    }

    /** @private Whether an answer that took a while still concerns the live connection. */
    _isCurrent(channel, generation) {
      return this._generation === generation && this.socketId !== null && this._channels.get(channel.name) === channel;
    }

    /**
     * @private POST `params` form-encoded to an authorization endpoint.
     * @returns {Promise<Object>} its JSON answer (with a string `auth`)
     */
    async _authorize(settings, what, params) {
      if (!settings || !settings.endpoint) throw new AuthError(0, `No ${what}.endpoint in the Realtime config`);
      const endpoint = settings.endpoint;
      let response;
      let text;
      try {
        response = await this._rawFetch(endpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...settings.headers },
          body: new URLSearchParams(params).toString(),
          credentials: 'same-origin',
        });
        text = await response.text();
      } catch (error) {
        throw new AuthError(0, `Could not reach ${endpoint}: ${error && error.message ? error.message : error}`);
      }
      if (response.status !== 200) {
        throw new AuthError(response.status, `${endpoint} answered ${response.status}${quotedBody(text)}`);
      }
      let answer;
      try {
        answer = JSON.parse(text);
      } catch (error) {
        answer = null;
      }
      if (!answer || typeof answer.auth !== 'string') {
        throw new AuthError(200, `${endpoint} did not answer JSON with an "auth" string${quotedBody(text)}`);
      }
      return answer;
    }

    // User -------------------------------------------------------------------------------

    /**
     * Sign the user in through the `userAuthentication` endpoint (now, or once
     * connected, and again after every reconnect); then the server's events for this
     * user arrive on `realtime.user`.
     * @returns {User} `realtime.user`, to bind its events.
     */
    signin() {
      if (!this._signinWanted) {
        this._signinWanted = true;
        if (this.socketId !== null) this._signIn();
      }
      return this.user;
    }

    /** @private */
    async _signIn() {
      const generation = this._generation;
      let answer;
      try {
        answer = await this._authorize(this.config.userAuthentication, 'userAuthentication', { socket_id: this.socketId });
        if (typeof answer.user_data !== 'string') {
          throw new AuthError(200, `${this.config.userAuthentication.endpoint} answered no "user_data" string`);
        }
      } catch (error) {
        if (this._generation === generation && this.socketId !== null) this.user._emit('pusher:signin_error', error);
        return;
      }
      if (this._generation !== generation || this.socketId === null) return;
      this._signinSent = this._send({ event: 'pusher:signin', data: { auth: answer.auth, user_data: answer.user_data } });
    }

    /** @private */
    _signedIn(data) {
      const userData = decodeData(data && data.user_data);
      if (!userData || !isUserId(userData.id)) return;
      this._signinSent = false;
      Object.assign(this.user, { id: String(userData.id), info: userData.user_info === undefined ? null : userData.user_info, data: userData, signedIn: true });
      this._send({ event: 'pusher:subscribe', data: { channel: SERVER_TO_USER_PREFIX + this.user.id } });
      this.user._emit('pusher:signin_success', userData);
    }

    // HTTP -------------------------------------------------------------------------------

    /**
     * `fetch()` for the app's own views: adds `X-Socket-ID` (the current socket id,
     * so a view can publish "to others" with `socket_id=request.headers["X-Socket-ID"]`)
     * and the configured CSRF header(s), and sends cookies (`credentials: 'same-origin'`).
     * Cross-origin URLs get neither header: the CSRF token stays on its own site.
     * @param {string|URL|Request} url
     * @param {RequestInit} [options]
     * @returns {Promise<Response>}
     */
    fetch(url, options = {}) {
      // A Request carries its own URL and headers (String(request) is no URL).
      const request = url !== null && typeof url === 'object' && typeof url.url === 'string' ? url : null;
      const headers = new Headers(options.headers || (request && request.headers) || {});
      if (isSameOrigin(request ? request.url : url)) {
        const extra = (this.config.channelAuthorization && this.config.channelAuthorization.headers) || {};
        for (const [name, value] of Object.entries(extra)) if (!headers.has(name)) headers.set(name, value);
        if (this.socketId !== null) headers.set('X-Socket-ID', this.socketId);
      }
      return this._rawFetch(url, { credentials: 'same-origin', ...options, headers });
    }

    /** @private */
    _rawFetch(url, init) {
      const fetchImpl = this._options.fetch;
      if (fetchImpl) return fetchImpl(url, init);
      if (typeof root.fetch !== 'function') throw new TypeError('Realtime: no fetch here; pass options.fetch');
      return root.fetch(url, init);
    }

    // Routers ----------------------------------------------------------------------------
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
     * @param {Object<string, string|number|boolean>} [params] Filters, and `ordering`
     *   (`'-order,text'`), `page` (from 1) and `page_size`.
     * @returns {Promise<ListPage>} rejects with a {@link RouterError}.
     */
    async getList(route, params) {
      return this._routerRequest('GET', this._routerUrl('objects', route, params));
    }

    /**
     * One object by primary key.
     * @param {string} route
     * @param {string|number} pk
     * @returns {Promise<Object>} rejects with a {@link RouterError} (404: no such object).
     */
    async getSingle(route, pk) {
      return this._routerRequest('GET', this._objectUrl(route, pk));
    }

    /**
     * Create an object; subscribers of its channels get `created`.
     * @param {string} route
     * @param {Object} data The fields (the router's writable ones).
     * @param {WriteOptions} [options]
     * @returns {Promise<Object>} the object as saved; rejects with a {@link RouterError}
     *   (400 with `errors` by field, 403 refused).
     */
    async create(route, data, options) {
      const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'create()');
      return this._routerRequest('POST', this._routerUrl('objects', route), data, excludeSelf);
    }

    /**
     * Change some fields of an object (a partial update); subscribers get `updated`
     * (or `deleted`/`created` where the change moves it between channels).
     * @param {string} route
     * @param {string|number} pk
     * @param {Object} data The fields to change.
     * @param {WriteOptions} [options]
     * @returns {Promise<Object>} the whole object as saved; rejects with a {@link RouterError}.
     */
    async update(route, pk, data, options) {
      const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'update()');
      return this._routerRequest('PATCH', this._objectUrl(route, pk), data, excludeSelf);
    }

    /**
     * Delete an object; subscribers get `deleted` (`{id}`).
     * @param {string} route
     * @param {string|number} pk
     * @param {WriteOptions} [options]
     * @returns {Promise<Object>} the server's `{id}`; rejects with a {@link RouterError}.
     */
    async delete(route, pk, options) {
      const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'delete()');
      return this._routerRequest('DELETE', this._objectUrl(route, pk), undefined, excludeSelf);
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
     * @param {Object<string, string|number|boolean>} [params] Filters (they choose the
     *   channel, which must be one of the router's `subscription_filters`), `ordering`
     *   and `page_size` (`page` is ignored: all pages are loaded).
     * @param {{key?: string}} [options] `key`: the identifying field (default "id").
     * @returns {Promise<LiveList>} rejects like {@link Realtime#subscribe} and
     *   {@link Realtime#getList}.
     */
    async live(route, params, options) {
      const { key } = checkOptions(options, ['key'], 'live()');
      const filters = filtersOf(params, 'live()');
      const listParams = { ...params };
      delete listParams.page;
      const channel = await this.subscribe(route, filters);
      const list = new LiveList(this, route, filters, listParams, channel, key || 'id');
      try {
        await list.refresh();
      } catch (error) {
        list.close();
        throw error;
      }
      return list;
    }

    /** @private The URL of a route's list (`kind` "objects") or channels ("subscriptions"). */
    _routerUrl(kind, route, params) {
      const base = this.config.routers && this.config.routers[kind];
      if (typeof base !== 'string' || !base) {
        throw new TypeError(
          `Realtime: the config has no routers.${kind} URL; render the config with {% realtime_client %} ` +
            "(with path('realtime/', include('realtime_core.urls')) in the URLconf) or set config.routers",
        );
      }
      if (typeof route !== 'string' || !route) throw new TypeError('A route name is needed, e.g. "todo-item"');
      const url = `${base.endsWith('/') ? base : `${base}/`}${encodeURIComponent(route)}/`;
      const query = queryString(params, route);
      return query ? `${url}?${query}` : url;
    }

    /** @private The URL of one object of a route. */
    _objectUrl(route, pk) {
      if ((typeof pk !== 'string' && typeof pk !== 'number') || pk === '') {
        throw new TypeError(`${route}: the primary key must be a string or a number, not ${pk}`);
      }
      return `${this._routerUrl('objects', route)}${encodeURIComponent(String(pk))}/`;
    }

    /**
     * @private One router request: JSON in and out; a RouterError unless it succeeded.
     * @returns {Promise<*>} the decoded answer
     */
    async _routerRequest(method, url, data, excludeSelf) {
      const headers = { Accept: 'application/json' };
      const init = { method, headers };
      if (data !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(data);
      }
      if (excludeSelf) headers[EXCLUDE_SELF_HEADER] = '1';
      let response;
      let text;
      try {
        response = await this.fetch(url, init);
        text = await response.text();
      } catch (error) {
        throw new RouterError(0, `Could not reach ${url}: ${error && error.message ? error.message : error}`);
      }
      let answer;
      let decoded = true;
      try {
        answer = JSON.parse(text);
      } catch (error) {
        decoded = false;
      }
      if (!response.ok) {
        const body = decoded && answer && typeof answer === 'object' ? answer : {};
        const message = typeof body.error === 'string'
          ? body.error
          : `${method} ${url} answered ${response.status}${quotedBody(text)}`;
        const errors = body.errors && typeof body.errors === 'object' ? body.errors : {};
        throw new RouterError(response.status, message, errors);
      }
      if (!decoded) {
        throw new RouterError(response.status, `${method} ${url} did not answer JSON`);
      }
      return answer;
    }
  }

  /**
   * What to do after a close with `code` (pusher-protocol.md section 1.5).
   * @returns {'refused'|'tls'|'fixed'|'immediate'|'backoff'}
   */
  function closeAction(code) {
    if (code === 4000) return 'tls';
    if (code >= 4001 && code <= 4099) return 'refused';
    if (code >= 4100 && code <= 4199) return 'fixed';
    if (code >= 4200 && code <= 4299) return 'immediate';
    return 'backoff';
  }

  // Data mapper --------------------------------------------------------------------------

  /**
   * Keeps an array of objects in step with `created` / `updated` / `deleted` events
   * (what `SelfPublishModel` publishes), matching objects by a key field. It mutates
   * the given array in place (pass a framework's reactive array to have it re-render)
   * and tells `onChange` listeners after every change.
   *
   *     const todos = new DataMapper(initialTodos, { key: 'id' });
   *     todos.bind(realtime.subscribe('todo.todoitem'));
   *     todos.onChange(() => render(todos.items));
   */
  class DataMapper {
    /**
     * @param {Array<Object>} [items] The array to keep in step (mutated in place).
     * @param {{key?: string}} [options] `key`: the identifying field (default "id").
     */
    constructor(items = [], options = {}) {
      if (!Array.isArray(items)) throw new TypeError('DataMapper needs an array of items');
      const unknown = Object.keys(options).filter((name) => name !== 'key');
      if (unknown.length) throw new TypeError(`DataMapper: unknown options ${unknown.join(', ')}; known: key`);
      /** The array kept in step (the one given). */
      this.items = items;
      /** The identifying field. */
      this.key = options.key || 'id';
      /** @private */
      this._listeners = [];
    }

    /**
     * Apply one event: `created` adds the object (or replaces the one with its key),
     * `updated` merges its fields into the existing object (or adds it), `deleted`
     * removes the object with its key.
     * @param {'created'|'updated'|'deleted'} action
     * @param {Object} data An object with the key field.
     * @returns {boolean} whether the items changed
     */
    apply(action, data) {
      if (!['created', 'updated', 'deleted'].includes(action)) {
        throw new TypeError(`DataMapper.apply: unknown action ${action}; use created, updated or deleted`);
      }
      if (!data || typeof data !== 'object' || data[this.key] === undefined || data[this.key] === null) return false;
      const index = this._indexOf(data[this.key]);
      let item;
      if (action === 'deleted') {
        if (index === -1) return false;
        [item] = this.items.splice(index, 1);
      } else if (index === -1) {
        item = { ...data };
        this.items.push(item);
      } else if (action === 'created') {
        item = { ...data };
        this.items[index] = item;
      } else {
        item = Object.assign(this.items[index], data);
      }
      this._notify({ action, item, items: this.items });
      return true;
    }

    /**
     * Replace all the items (in place, so the array stays the same) with `items`, e.g.
     * a freshly loaded list; listeners get `{action: 'reset', item: null, items}`.
     * @param {Array<Object>} items
     */
    reset(items) {
      if (!Array.isArray(items)) throw new TypeError('DataMapper.reset needs an array of items');
      this.items.splice(0, this.items.length, ...items);
      this._notify({ action: 'reset', item: null, items: this.items });
    }

    /**
     * Apply the `created`, `updated` and `deleted` events of a channel.
     * @param {Channel} channel
     * @returns {Function} call it to unbind them again
     */
    bind(channel) {
      const handlers = ['created', 'updated', 'deleted'].map((action) => [action, (data) => this.apply(action, data)]);
      for (const [action, handler] of handlers) channel.bind(action, handler);
      return () => {
        for (const [action, handler] of handlers) channel.unbind(action, handler);
      };
    }

    /**
     * Call `listener({action, item, items})` after every change (`action`: "created",
     * "updated", "deleted", or "reset" after {@link DataMapper#reset}).
     * @param {Function} listener
     * @returns {Function} call it to stop listening
     */
    onChange(listener) {
      if (typeof listener !== 'function') throw new TypeError('onChange needs a function');
      this._listeners.push(listener);
      return () => {
        this._listeners = this._listeners.filter((l) => l !== listener);
      };
    }

    /** @private */
    _indexOf(id) {
      const wanted = String(id);
      return this.items.findIndex((item) => item && String(item[this.key]) === wanted);
    }

    /** @private */
    _notify(change) {
      for (const listener of this._listeners.slice()) {
        try {
          listener(change);
        } catch (error) {
          reportLater(error);
        }
      }
    }
  }

  // Live lists ---------------------------------------------------------------------------

  /**
   * A router's list kept in sync, from `realtime.live(route, params)`: `items` (always
   * the same array, changed in place by `mapper`), `mapper` (its DataMapper: bind
   * `onChange` to re-render), `channel` (the subscription), `refresh()` and `close()`.
   *
   * Objects created elsewhere are appended (the list is in the server's order only
   * right after a load); sort `items` in the page if the order matters.
   */
  class LiveList {
    /** @private use realtime.live() */
    constructor(client, route, filters, params, channel, key) {
      /** The route name. */
      this.route = route;
      /** The list parameters (filters, ordering, page_size) every load uses. */
      this.params = params;
      /** The objects, kept in step by `mapper`. */
      this.items = [];
      /** @type {DataMapper} */
      this.mapper = new DataMapper(this.items, { key });
      /** @type {Channel} */
      this.channel = channel;
      /** Whether close() was called. */
      this.closed = false;
      /** @private */
      this._client = client;
      /** @private */
      this._filters = filters;
      /** @private events received while a load is under way, else null */
      this._pending = null;
      /** @private loads started so far: only the newest one's result is applied */
      this._generation = 0;
      /** @private the newest load's promise */
      this._latest = null;
      /** @private */
      this._handlers = ['created', 'updated', 'deleted'].map((action) => [
        action,
        (data) => {
          if (this._pending !== null) this._pending.push([action, data]);
          else this.mapper.apply(action, data);
        },
      ]);
      // The channel is subscribed already: a later success is a resubscription after
      // a reconnect, and what happened while disconnected was never sent, unless the
      // server recovers it: then realtime:recovery follows and says whether it did.
      this._handlers.push(['pusher:subscription_succeeded', () => {
        if (!channel._recovering) this.refresh().catch(reportLater);
      }]);
      // Recovered: the missed events are replayed and applied like any other.
      this._handlers.push([RECOVERY_EVENT, ({ recovered }) => {
        if (!recovered) this.refresh().catch(reportLater);
      }]);
      for (const [event, handler] of this._handlers) channel.bind(event, handler);
    }

    /**
     * Load the whole list again (every page), then apply the events received during
     * the load. Changes keep arriving meanwhile; `items` changes once, when the load is
     * done (listeners get "reset", then one change per event received meanwhile).
     * Called by live(), after every reconnect the server did not recover the missed
     * events of, and when events went missing on the connection (a failed automatic
     * reload is thrown asynchronously, like a failing callback, so the console shows it).
     * @returns {Promise<Array<Object>>} `items`, once the newest load is applied;
     *   rejects with a {@link RouterError} (the items stay as they were, with the
     *   events received meanwhile applied).
     */
    refresh() {
      if (this.closed) return Promise.reject(new Error(`This live list of ${this.route} is closed`));
      const generation = ++this._generation;
      if (this._pending === null) this._pending = [];
      const run = this._load(generation).then(
        (items) => {
          if (this.closed) return this.items;
          if (generation !== this._generation) return this._latest; // a newer load decides
          this.mapper.reset(items);
          this._flush();
          return this.items;
        },
        (error) => {
          if (this.closed) return this.items;
          if (generation !== this._generation) return this._latest;
          this._flush();
          throw error;
        },
      );
      this._latest = run;
      return run;
    }

    /**
     * Stop following: unbind from the channel and leave it (`unsubscribe(route, filters)`,
     * so whatever else subscribed to these filters on this client leaves it too).
     */
    close() {
      if (this.closed) return;
      this.closed = true;
      this._pending = null;
      for (const [event, handler] of this._handlers) this.channel.unbind(event, handler);
      this._client.unsubscribe(this.route, this._filters);
    }

    /** @private Every page; again (a few times) if events arrived during a multi-page load. */
    async _load(generation) {
      for (let attempt = 1; ; attempt += 1) {
        const heard = this._pending.length;
        const items = [];
        const seen = new Set();
        let pages = 0;
        for (let page = 1; ; page += 1) {
          const answer = await this._client.getList(this.route, { ...this.params, page });
          if (this._superseded(generation)) return null;
          if (!answer || !Array.isArray(answer.results)) {
            throw new RouterError(200, `The list of ${this.route} has no "results" array`);
          }
          pages += 1;
          for (const item of answer.results) {
            const id = item && item[this.mapper.key] !== undefined ? String(item[this.mapper.key]) : null;
            if (id !== null && seen.has(id)) continue; // moved to a later page meanwhile
            if (id !== null) seen.add(id);
            items.push(item);
          }
          if (!answer.has_next) break;
        }
        // Rows added or removed between two pages shift the others: an unchanged one
        // may have been skipped, and no event will bring it. Load again.
        if (pages === 1 || this._pending.length === heard || attempt >= LIVE_LOAD_ATTEMPTS) return items;
      }
    }

    /** @private */
    _superseded(generation) {
      return this.closed || generation !== this._generation;
    }

    /** @private Apply the events received during the load, in order, and stop buffering. */
    _flush() {
      const events = this._pending || [];
      this._pending = null;
      for (const [action, data] of events) this.mapper.apply(action, data);
    }
  }

  Object.assign(Realtime, {
    VERSION,
    Channel,
    PresenceChannel,
    Members,
    User,
    DataMapper,
    LiveList,
    AuthError,
    ConnectionError,
    RouterError,
  });

  if (typeof module === 'object' && module && module.exports) {
    // A static object literal: Node's cjs-module-lexer reads these names, so
    // `import { Realtime, DataMapper } from './realtime.js'` works from ES modules.
    module.exports = {
      Realtime,
      DataMapper,
      LiveList,
      Channel,
      PresenceChannel,
      Members,
      User,
      AuthError,
      ConnectionError,
      RouterError,
      VERSION,
    };
  } else {
    root.Realtime = Realtime;
  }
})(typeof globalThis !== 'undefined' ? globalThis : this);
