// Generated from js/src/index.js and the modules it imports (esbuild 0.28.2, typescript 5.9.3):
// edit those sources, then run `make js` and commit this file with them.
// js/src/channel.js

/**
 * A subscription, from `realtime.subscribe(name)`. Bind its event names; the
 * `data` given to callbacks is decoded from JSON when it is JSON, and the second
 * argument (`metadata`) carries `user_id` for client events on presence channels.
 *
 * Events of its own: `pusher:subscription_succeeded` (data: `{}`, or the members on
 * presence channels), `pusher:subscription_error` (data: the server's
 * `{type, error, status}`, or an {@link AuthError}) and `pusher:subscription_count`
 * (data: `{subscription_count}`, the channel's connections, sent when the app enables
 * subscription counting; never on presence channels).
 *
 * Cache channels (`cache-`, `private-cache-`, `presence-cache-`), as pusher-js sees
 * them: right after `pusher:subscription_succeeded`, the channel's last event of the
 * past 30 minutes reaches its binding like any event, or `pusher:cache_miss` (no data)
 * says there is none. The replayed event carries no position: it is neither dropped as
 * already seen nor taken for a gap (the position the subscription started at counts
 * it). After a reconnect that recovers, the missed events come instead of the replay.
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
declare class Channel extends Emitter {
    /**
     * @param {string} name
     * @param {ChannelHost} subscriptions The client's channels.
     */
    constructor(name: string, subscriptions: ChannelHost);
    /** The channel's name. */
    name: string;
    /** True once the server confirmed the subscription on the current connection. */
    subscribed: boolean;
    /**
     * The channel's number of connections (on every server), as last told by
     * `pusher:subscription_count`; null until then.
     * @type {number|null}
     */
    subscriptionCount: number | null;
    /** @protected */
    protected _subscriptions: ChannelHost;
    /**
     * Where this client stands in the channel's history, `"<epoch>:<offset>"`: the
     * last event it processed, or the channel's position when it subscribed. Only
     * with a server that supports recovery (`realtime.extensions` includes
     * "recovery"), else null. It changes before an event's callbacks run (they may
     * read it), stays across reconnects (the next subscription sends it, so the
     * server can replay what was missed) and is lost with `unsubscribe()`.
     * @type {string|null}
     */
    position: string | null;
    /** @private an event went missing: subscribing again on this connection to have it replayed */
    private _resyncing;
    /**
     * @private positioned events received during that resubscription, in order
     * @type {Array<Frame>}
     */
    private _held;
    /** Whether subscribing needs a signature from the channel authorization endpoint. */
    get requiresAuth(): boolean;
    /**
     * Send a client event to the channel's other subscribers (the server must allow
     * client events). Only on private and presence channels, once subscribed.
     * @param {string} event Must start with `client-`.
     * @param {*} data Any JSON value.
     * @returns {boolean} Whether the event went out (false: not subscribed, public channel
     *   or no connection).
     */
    trigger(event: string, data: any): boolean;
    /**
     * @protected
     * @param {*} data
     */
    protected _succeeded(data: any): void;
    /**
     * @private pusher_internal:subscription_succeeded, with the recovery extension's fields.
     * @param {Frame} frame
     */
    private _subscriptionSucceeded;
    /**
     * @private Whether an event at `text` (its position) is the next one: then
     * `position` moves to it. A duplicate is dropped. After a gap, or a new epoch that
     * does not start at 1, the channel subscribes again to recover and holds the event
     * (and the next ones) until the answer.
     * @param {Frame} frame
     * @returns {boolean}
     */
    private _inSequence;
    /**
     * @private Subscribe again on this connection, from `position`.
     * @param {Frame} frame
     */
    private _resync;
    /**
     * @private Deliver the events held during a resync that did not recover, in order, once.
     * @param {Array<Frame>} held
     */
    private _deliverHeld;
    /**
     * @private Give a channel event to the callbacks.
     * @param {Frame} frame
     */
    private _deliver;
}
/**
 * What a channel needs of the client's channels (`Subscriptions`).
 */
type ChannelHost = {
    /**
     * Send a frame on the current connection.
     */
    send: (frame: Frame) => boolean;
    /**
     * Whether the current connection's server replays missed events.
     */
    recovers: boolean;
    /**
     * Send the channel's subscription (authorizing first).
     */
    request: (channel: Channel) => void;
    /**
     * The signed-in user's id, else null.
     */
    userId: string | null;
};

// js/src/config.js

type AuthEndpoint = {
    /**
     * URL the client POSTs `socket_id` (and `channel_name`) to.
     */
    endpoint: string;
    /**
     * Extra headers, e.g. `{"X-CSRFToken": "..."}`.
     */
    headers?: {
        [x: string]: string;
    } | undefined;
};
/**
 * The connection config, exactly what `{% realtime_client %}` renders (pusher-js names).
 */
type RealtimeConfig = {
    /**
     * The app key (public).
     */
    key: string;
    /**
     * "memory", "tornado_redis" or "pusher" (informational).
     */
    backend?: string | undefined;
    /**
     * Pusher cluster: connects to `ws-{cluster}.pusher.com`.
     */
    cluster?: string | undefined;
    /**
     * Host of the socket server; wins over `cluster`.
     */
    wsHost?: string | undefined;
    /**
     * Port for ws:// (default 80).
     */
    wsPort?: number | undefined;
    /**
     * Port for wss:// (default 443).
     */
    wssPort?: number | undefined;
    /**
     * Path prefix before `/app/{key}`.
     */
    wsPath?: string | undefined;
    /**
     * Always use wss:// (and https:// for the HTTP fallbacks).
     */
    forceTLS?: boolean | undefined;
    /**
     * Host of the HTTP fallbacks (default: `wsHost`).
     */
    httpHost?: string | undefined;
    /**
     * Their port over http:// (default: `wsPort`, else 80).
     */
    httpPort?: number | undefined;
    /**
     * Their port over https:// (default: `wssPort`, else 443).
     */
    httpsPort?: number | undefined;
    /**
     * Their path prefix before `/app/{key}` (default "/pusher").
     */
    httpPath?: string | undefined;
    /**
     * pusher-js's names: "xhr_streaming" and
     * "xhr_polling" in it let the client fall back to HTTP streaming, then polling, when
     * its WebSocket cannot open (a proxy blocks it); without them it only uses WebSockets.
     */
    enabledTransports?: string[] | undefined;
    /**
     * Which deployment this config connects to, and
     * where the current config is served: the client follows a switch with it.
     */
    deployment?: DeploymentInfo | undefined;
    /**
     * Private and presence channel authorization.
     */
    channelAuthorization?: AuthEndpoint | undefined;
    /**
     * User sign-in.
     */
    userAuthentication?: AuthEndpoint | undefined;
    /**
     * Where the routers' verbs live.
     */
    routers?: RouterEndpoints | undefined;
};
/**
 * The deployment a config connects to, as `{% realtime_client %}` renders it.
 */
type DeploymentInfo = {
    /**
     * The backend's name and a hash of where browsers connect
     * (`"pusher:3f9a0c1b2d4e"`); the library's endpoints answer with the current one.
     */
    id: string;
    /**
     * Where the current config is served, e.g. "/realtime/config/".
     */
    endpoint: string;
};
/**
 * The routers' URLs; the client appends `<route>/` (and `<pk>/`).
 */
type RouterEndpoints = {
    /**
     * Lists, objects and writes, e.g. "/realtime/routes/".
     */
    objects: string;
    /**
     * Channel names for filters, e.g. "/realtime/subscriptions/".
     */
    subscriptions: string;
};
/**
 * A WebSocket constructor: the global one, or a compatible implementation.
 */
type WebSocketConstructor = new (url: string) => WebSocket;
/**
 * A fetch implementation: the global one, or a compatible one.
 */
type FetchFunction = (url: string | URL | Request, init?: RequestInit) => Promise<Response>;
/**
 * Options of one client instance (set in code, never rendered by the server).
 */
type RealtimeOptions = {
    /**
     * WebSocket constructor (default: the global one).
     */
    WebSocket?: WebSocketConstructor | null | undefined;
    /**
     * fetch implementation (default: the global one).
     */
    fetch?: FetchFunction | null | undefined;
    /**
     * ms of silence before pinging (the server's value caps it).
     */
    activityTimeout?: number | undefined;
    /**
     * ms to wait for any frame after a ping before reconnecting.
     */
    pongTimeout?: number | undefined;
    /**
     * ms an attempt may take to get the handshake.
     */
    connectTimeout?: number | undefined;
    /**
     * ms of failed attempts before the state is "unavailable".
     */
    unavailableTimeout?: number | undefined;
    /**
     * Cap of the exponential reconnection delay, in ms.
     */
    maxReconnectDelay?: number | undefined;
    /**
     * ms between two questions to
     * `config.deployment.endpoint` about the current deployment (0: only on the endpoints'
     * answers and on reconnects).
     */
    deploymentCheckInterval?: number | undefined;
};

// js/src/protocol.js

/**
 * The Pusher Channels protocol (version 7) as realtime.js speaks it: the version the
 * client announces, the frames, the close codes' meaning and the decoding of `data`.
 */
/** The client's version, sent in the socket URL (the Python package's version). */
declare const VERSION: "0.1.0";
/**
 * One frame, as the server sends it and the client sends back (`data` decoded once
 * received).
 */
type Frame = {
    event: string;
    channel?: string | undefined;
    data?: any;
    /**
     * The sender of a client event on a presence channel.
     */
    user_id?: string | number | undefined;
    /**
     * The recovery extension's `"<epoch>:<offset>"`.
     */
    position?: string | undefined;
    /**
     * The recovery extension's answer to a subscription.
     */
    recovered?: boolean | undefined;
};

// js/src/recovery.js

/**
 * What `realtime:recovery` passes after each attempt to recover missed events.
 */
type RecoveryOutcome = {
    /**
     * Whether the missed events follow (else they are lost).
     */
    recovered: boolean;
    /**
     * The channel's position at the server when it answered.
     */
    position: string | null;
    /**
     * The position the client asked to recover from.
     */
    from: string | null;
};

// js/src/emitter.js

/** Named events with callbacks; the base of the client, channels and the user. */
declare class Emitter {
    /**
     * @private
     * @type {Map<string, Array<{callback: EventCallback, context: *}>>}
     */
    private _callbacks;
    /**
     * @private
     * @type {Array<GlobalCallback>}
     */
    private _globalCallbacks;
    /**
     * Call `callback(data, metadata)` on every `event`.
     * @param {string} event
     * @param {EventCallback} callback
     * @param {*} [context] `this` for the callback.
     * @returns {this}
     */
    bind(event: string, callback: EventCallback, context?: any): this;
    /**
     * Remove callbacks: one (`event`, `callback`), all of `event`, all for `callback`, or all.
     * @param {string|null} [event]
     * @param {EventCallback} [callback]
     * @returns {this}
     */
    unbind(event?: string | null, callback?: EventCallback): this;
    /**
     * Call `callback(event, data, metadata)` on every event.
     * @param {GlobalCallback} callback
     * @returns {this}
     */
    bindGlobal(callback: GlobalCallback): this;
    /**
     * Remove one global callback, or all of them.
     * @param {GlobalCallback} [callback]
     * @returns {this}
     */
    unbindGlobal(callback?: GlobalCallback): this;
}
/**
 * A callback bound to one event: `data` (decoded), and `metadata` (`user_id` of the
 * sender, for client events on presence channels).
 */
type EventCallback = (data: any, metadata?: any) => void;
/**
 * A callback bound to every event.
 */
type GlobalCallback = (event: string, data: any, metadata?: any) => void;

// js/src/datamapper.js

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
declare class DataMapper {
    /**
     * @param {Array<Object<string, *>>} [items] The array to keep in step (mutated in place).
     * @param {{key?: string}} [options] `key`: the identifying field (default "id").
     */
    constructor(items?: Array<{
        [x: string]: any;
    }>, options?: {
        key?: string;
    });
    /** The array kept in step (the one given). */
    items: {
        [x: string]: any;
    }[];
    /** The identifying field. */
    key: string;
    /**
     * @private
     * @type {Array<(change: DataChange) => void>}
     */
    private _listeners;
    /**
     * Apply one event: `created` adds the object (or replaces the one with its key),
     * `updated` merges its fields into the existing object (or adds it), `deleted`
     * removes the object with its key.
     * @param {'created'|'updated'|'deleted'} action
     * @param {*} data An object with the key field.
     * @returns {boolean} whether the items changed
     */
    apply(action: "created" | "updated" | "deleted", data: any): boolean;
    /**
     * Replace all the items (in place, so the array stays the same) with `items`, e.g.
     * a freshly loaded list; listeners get `{action: 'reset', item: null, items}`.
     * @param {Array<Object<string, *>>} items
     */
    reset(items: Array<{
        [x: string]: any;
    }>): void;
    /**
     * Apply the `created`, `updated` and `deleted` events of a channel.
     * @param {Channel} channel
     * @returns {() => void} call it to unbind them again
     */
    bind(channel: Channel): () => void;
    /**
     * Call `listener({action, item, items})` after every change (`action`: "created",
     * "updated", "deleted", or "reset" after {@link DataMapper#reset}).
     * @param {(change: DataChange) => void} listener
     * @returns {() => void} call it to stop listening
     */
    onChange(listener: (change: DataChange) => void): () => void;
    /**
     * @private
     * @param {*} id
     * @returns {number}
     */
    private _indexOf;
    /**
     * @private
     * @param {DataChange} change
     */
    private _notify;
}
/**
 * What a DataMapper's change listeners get.
 */
type DataChange = {
    action: "created" | "updated" | "deleted" | "reset";
    /**
     * The object added, changed or removed (null on reset).
     */
    item: {
        [x: string]: any;
    } | null;
    /**
     * All the items, after the change.
     */
    items: Array<{
        [x: string]: any;
    }>;
};

// js/src/livelist.js

/**
 * A router's list kept in sync, from `realtime.live(route, params)`: `items` (always
 * the same array, changed in place by `mapper`), `mapper` (its DataMapper: bind
 * `onChange` to re-render), `channel` (the subscription), `refresh()` and `close()`.
 *
 * Objects created elsewhere are appended (the list is in the server's order only
 * right after a load); sort `items` in the page if the order matters.
 */
declare class LiveList {
    /**
     * Use `realtime.live()`.
     * @param {ListSource} client The routers.
     * @param {string} route
     * @param {RouteParams} filters The filters that chose the channel.
     * @param {RouteParams} params The list parameters every load uses.
     * @param {Channel} channel
     * @param {string} key The identifying field.
     */
    constructor(client: ListSource, route: string, filters: RouteParams, params: RouteParams, channel: Channel, key: string);
    /** The route name. */
    route: string;
    /** The list parameters (filters, ordering, page_size) every load uses. */
    params: {
        [x: string]: string | number | boolean | undefined;
    };
    /**
     * The objects, kept in step by `mapper`.
     * @type {Array<Object<string, *>>}
     */
    items: Array<{
        [x: string]: any;
    }>;
    /** The DataMapper that changes `items`. */
    mapper: DataMapper;
    /** The subscription. */
    channel: Channel;
    /** Whether close() was called. */
    closed: boolean;
    /** @private */
    private _client;
    /** @private */
    private _filters;
    /**
     * @private events received while a load is under way, else null
     * @type {Array<[Action, *]>|null}
     */
    private _pending;
    /** @private loads started so far: only the newest one's result is applied */
    private _generation;
    /**
     * @private the newest load's promise
     * @type {Promise<Array<Object<string, *>>>|null}
     */
    private _latest;
    /**
     * @private
     * @type {Array<[string, (data: *) => void]>}
     */
    private _handlers;
    /**
     * Load the whole list again (every page), then apply the events received during
     * the load. Changes keep arriving meanwhile; `items` changes once, when the load is
     * done (listeners get "reset", then one change per event received meanwhile).
     * Called by live(), after every reconnect the server did not recover the missed
     * events of, and when events went missing on the connection (a failed automatic
     * reload is thrown asynchronously, like a failing callback, so the console shows it).
     * @returns {Promise<Array<Object<string, *>>>} `items`, once the newest load is applied;
     *   rejects with a {@link RouterError} (the items stay as they were, with the
     *   events received meanwhile applied).
     */
    refresh(): Promise<Array<{
        [x: string]: any;
    }>>;
    /**
     * Stop following: unbind from the channel and leave it (`unsubscribe(route, filters)`,
     * so whatever else subscribed to these filters on this client leaves it too).
     */
    close(): void;
    /**
     * @private Every page; again (a few times) if events arrived during a multi-page load.
     * @param {number} generation
     * @returns {Promise<Array<Object<string, *>>|null>} null once a newer load or close() came
     */
    private _load;
    /**
     * @private
     * @param {number} generation
     * @returns {boolean}
     */
    private _superseded;
    /** @private Apply the events received during the load, in order, and stop buffering. */
    private _flush;
}
/**
 * What a live list needs of the routers.
 */
type ListSource = {
    getList: (route: string, params: RouteParams) => Promise<ListPage>;
    unsubscribe: (route: string, params: RouteParams) => void;
};

// js/src/routers.js

/**
 * A router's filters and list parameters, by name.
 */
type RouteParams = {
    [x: string]: string | number | boolean | undefined;
};
/**
 * One page of a router's list.
 */
type ListPage = {
    /**
     * The objects, as the router serializes them.
     */
    results: Array<{
        [x: string]: any;
    }>;
    /**
     * How many objects match the filters, over all pages.
     */
    count: number;
    /**
     * This page's number, from 1.
     */
    page: number;
    page_size: number;
    /**
     * Whether a next page exists.
     */
    has_next: boolean;
};
/**
 * Options of the router writes.
 */
type WriteOptions = {
    /**
     * Do not send the change's events back to this
     * connection (the page applies the answer itself); others still get them.
     */
    excludeSelf?: boolean | undefined;
};
/**
 * Options of live lists.
 */
type LiveOptions = {
    /**
     * The identifying field (default "id").
     */
    key?: string | undefined;
};

// js/src/connection.js

/**
 * The connection states (`realtime.state`).
 */
type ConnectionState = "initialized" | "connecting" | "connected" | "unavailable" | "disconnected";

// js/src/user.js

/**
 * The signed-in user (`realtime.user`): after `realtime.signin()`, the events the
 * server sends to this user (Pusher's `#server-to-user-{id}`) are emitted here.
 * Its own events: `pusher:signin_success` (data: the user data) and
 * `pusher:signin_error` (an {@link AuthError}, or the server's `pusher:error`).
 * Who of the user data's `watchlist` is online arrives on {@link User#watchlist}.
 */
declare class User extends Emitter {
    /**
     * The user id once signed in on the current connection, else null.
     * @type {string|null}
     */
    id: string | null;
    /**
     * `user_info` of the signed-in user.
     * @type {*}
     */
    info: any;
    /**
     * The whole user data the endpoint returned (`{id, user_info, ...}`).
     * @type {*}
     */
    data: any;
    /** Whether the server accepted the sign-in on the current connection. */
    signedIn: boolean;
    /**
     * Watchlist events, when the app enables them: bind `online` and `offline`, whose
     * data is `{name, user_ids}`, as pusher-js's `pusher.user.watchlist`. After each
     * sign-in the server says who of the watchlist is online and who is not, then
     * each change.
     * @type {Emitter}
     */
    watchlist: Emitter;
}

// js/src/presence.js

/** The members of a presence channel (`channel.members`). */
declare class Members {
    /**
     * This connection's user id (from the authorization's channel_data, or the sign-in).
     * @type {string|null}
     */
    myID: string | null;
    /** Number of distinct users. */
    count: number;
    /**
     * This connection's member `{id, info}`, once subscribed.
     * @type {Member|null}
     */
    me: Member | null;
    /**
     * @private
     * @type {Object<string, *>}
     */
    private _info;
    /**
     * The member with this id, or null.
     * @param {string|number} id
     * @returns {Member|null}
     */
    get(id: string | number): Member | null;
    /**
     * Call `callback({id, info})` for every member.
     * @param {(member: Member) => void} callback
     */
    each(callback: (member: Member) => void): void;
}
/**
 * A `presence-` channel: a {@link Channel} with `members`, and the events
 * `pusher:member_added` / `pusher:member_removed` (data: `{id, info}`).
 * `pusher:subscription_succeeded` passes the members.
 */
declare class PresenceChannel extends Channel {
    /** The channel's members. */
    members: Members;
}
/**
 * One member of a presence channel.
 */
type Member = {
    /**
     * The user id.
     */
    id: string;
    /**
     * The user's `user_info`.
     */
    info: any;
};

// js/src/realtime.js

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
declare class Realtime extends Emitter {
    /**
     * Connect with the config rendered by `{% realtime_client %}` (the JSON in
     * `<script id="realtime-config">`), or with the given one.
     * @param {RealtimeConfig|null} [config]
     * @param {RealtimeOptions} [options]
     * @returns {Realtime}
     */
    static connect(config?: RealtimeConfig | null, options?: RealtimeOptions): Realtime;
    /**
     * The config in the page's `<script id="realtime-config" type="application/json">`.
     * @returns {RealtimeConfig}
     */
    static pageConfig(): RealtimeConfig;
    /**
     * Create the client and start connecting.
     * @param {RealtimeConfig} config
     * @param {RealtimeOptions} [options]
     */
    constructor(config: RealtimeConfig, options?: RealtimeOptions);
    /** The connection config. */
    config: RealtimeConfig;
    /** The backend that rendered the config ("memory", "tornado_redis", "pusher"), if said. */
    backend: string | null;
    /** The signed-in user and its events. */
    user: User;
    /** @private */
    private _connection;
    /** @private */
    private _http;
    /** @private */
    private _deployment;
    /** @private */
    private _subscriptions;
    /** @private */
    private _signin;
    /** @private */
    private _routers;
    /**
     * Current connection state.
     * @returns {ConnectionState}
     */
    get state(): ConnectionState;
    /**
     * The socket id of the current connection, else null.
     * @returns {string|null}
     */
    get socketId(): string | null;
    /**
     * The protocol extensions the server announced on the current connection (in
     * `pusher:connection_established`): `["recovery"]` from a self-hosted server that
     * replays missed events (see {@link Channel#position}); empty otherwise.
     * @returns {Array<string>}
     */
    get extensions(): Array<string>;
    /**
     * The URL the client connects to.
     * @returns {string}
     */
    get url(): string;
    /**
     * Resolves with this client once connected (at once if it is), like SwampDragon's
     * `onReady`; rejects with a {@link ConnectionError} if the connection is refused
     * for good or `disconnect()` is called first.
     * @returns {Promise<Realtime>}
     */
    ready(): Promise<Realtime>;
    /**
     * Connect again after `disconnect()` or a refusal (the constructor already connects).
     * @returns {this}
     */
    connect(): this;
    /**
     * Close the connection and stop reconnecting. Channels and bindings are kept for
     * a later `connect()`.
     * @returns {this}
     */
    disconnect(): this;
    /**
     * Ask `config.deployment.endpoint` now whether the deployment changed, and move if
     * it did (the client also asks by itself: see the class). Resolves with whether it
     * moved; false for a config without `deployment`.
     * @returns {Promise<boolean>}
     */
    checkDeployment(): Promise<boolean>;
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
    subscribe(name: string): Channel | PresenceChannel;
    /**
     * @overload
     * @param {string} name A route name (`todo-item`).
     * @param {RouteParams} params A router's filters.
     * @returns {Promise<Channel>} the Channel, once subscribed.
     */
    subscribe(name: string, params: RouteParams): Promise<Channel>;
    /**
     * Leave a channel; its events stop. Subscribing again later gives a new Channel.
     * With `params`, leave the router channel `subscribe(route, params)` joined (the
     * same route and filters), even while that subscription is still being set up.
     * @param {string} name A channel name; with `params`, a route name.
     * @param {RouteParams} [params] The router filters.
     */
    unsubscribe(name: string, params?: RouteParams): void;
    /**
     * The subscribed (or subscribing) channel of this name, else undefined.
     * @param {string} name
     * @returns {Channel|PresenceChannel|undefined}
     */
    channel(name: string): Channel | PresenceChannel | undefined;
    /** @returns {Array<Channel|PresenceChannel>} every channel subscribed or subscribing. */
    allChannels(): Array<Channel | PresenceChannel>;
    /**
     * Sign the user in through the `userAuthentication` endpoint (now, or once
     * connected, and again after every reconnect); then the server's events for this
     * user arrive on `realtime.user`.
     * @returns {User} `realtime.user`, to bind its events.
     */
    signin(): User;
    /**
     * `fetch()` for the app's own views: adds `X-Socket-ID` (the current socket id,
     * so a view can publish "to others" with `socket_id=request.headers["X-Socket-ID"]`)
     * and the configured CSRF header(s), and sends cookies (`credentials: 'same-origin'`).
     * Cross-origin URLs get neither header: the CSRF token stays on its own site.
     * @param {string|URL|Request} url
     * @param {RequestInit} [options]
     * @returns {Promise<Response>}
     */
    fetch(url: string | URL | Request, options?: RequestInit): Promise<Response>;
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
    getList(route: string, params?: RouteParams): Promise<ListPage>;
    /**
     * One object by primary key.
     * @param {string} route
     * @param {string|number} pk
     * @returns {Promise<Object<string, *>>} rejects with a {@link RouterError} (404: no such object).
     */
    getSingle(route: string, pk: string | number): Promise<{
        [x: string]: any;
    }>;
    /**
     * Create an object; subscribers of its channels get `created`.
     * @param {string} route
     * @param {Object<string, *>} data The fields (the router's writable ones).
     * @param {WriteOptions} [options]
     * @returns {Promise<Object<string, *>>} the object as saved; rejects with a {@link RouterError}
     *   (400 with `errors` by field, 403 refused).
     */
    create(route: string, data: {
        [x: string]: any;
    }, options?: WriteOptions): Promise<{
        [x: string]: any;
    }>;
    /**
     * Change some fields of an object (a partial update); subscribers get `updated`
     * (or `deleted`/`created` where the change moves it between channels).
     * @param {string} route
     * @param {string|number} pk
     * @param {Object<string, *>} data The fields to change.
     * @param {WriteOptions} [options]
     * @returns {Promise<Object<string, *>>} the whole object as saved; rejects with a {@link RouterError}.
     */
    update(route: string, pk: string | number, data: {
        [x: string]: any;
    }, options?: WriteOptions): Promise<{
        [x: string]: any;
    }>;
    /**
     * Delete an object; subscribers get `deleted` (`{id}`).
     * @param {string} route
     * @param {string|number} pk
     * @param {WriteOptions} [options]
     * @returns {Promise<Object<string, *>>} the server's `{id}`; rejects with a {@link RouterError}.
     */
    delete(route: string, pk: string | number, options?: WriteOptions): Promise<{
        [x: string]: any;
    }>;
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
    live(route: string, params?: RouteParams, options?: LiveOptions): Promise<LiveList>;
    /**
     * @private Take the config of another deployment and connect there.
     * @param {RealtimeConfig} fresh
     */
    private _moveTo;
    /**
     * @private A frame that is not about the connection: the sign-in's answer, the
     * user's watchlist or events, or a channel's.
     * @param {Frame} frame
     */
    private _dispatch;
}
declare namespace Realtime {
    export { VERSION };
    export { Channel };
    export { PresenceChannel };
    export { Members };
    export { User };
    export { DataMapper };
    export { LiveList };
    export { AuthError };
    export { ConnectionError };
    export { RouterError };
}

// js/src/deployment.js

/**
 * What the client's `deployment_change` event passes, once it is moving.
 */
type DeploymentChange = {
    /**
     * The deployment the page was connected to.
     */
    previous: string;
    /**
     * The one it connects to now.
     */
    current: string;
    /**
     * The new connection config (`realtime.config`).
     */
    config: RealtimeConfig;
};

// js/src/errors.js

/**
 * An authorization endpoint refused or failed; the argument of
 * `pusher:subscription_error` and `pusher:signin_error` (pusher-js's shape:
 * `{type: "AuthError", status, error}`).
 */
declare class AuthError extends Error {
    /**
     * @param {number} status HTTP status (0 when the endpoint could not be reached).
     * @param {string} message
     */
    constructor(status: number, message: string);
    /** Always "AuthError" (pusher-js's field). */
    type: string;
    /** HTTP status (0 when the endpoint could not be reached). */
    status: number;
    /** The message again (pusher-js's field). */
    error: string;
}
/** Why `ready()` failed: the connection was refused for good or closed by the app. */
declare class ConnectionError extends Error {
    /**
     * @param {string} message
     * @param {number|null} code The close or `pusher:error` code, when there was one.
     */
    constructor(message: string, code: number | null);
    /** The close or `pusher:error` code, when there was one. */
    code: number | null;
}
/**
 * A router request failed: the server's answer (`{"error", "errors"?}`) or, with
 * `status` 0, no answer at all. `errors` holds messages by field or parameter name
 * (`{text: ["This field is required."]}`), empty when the server gave none.
 */
declare class RouterError extends Error {
    /**
     * @param {number} status HTTP status (0 when the server could not be reached).
     * @param {string} message
     * @param {Object<string, Array<string>>} [errors]
     */
    constructor(status: number, message: string, errors?: {
        [x: string]: string[];
    });
    /** HTTP status (0 when the server could not be reached). */
    status: number;
    /** Messages by field or parameter name. */
    errors: {
        [x: string]: string[];
    };
}

export { AuthError, Channel, ConnectionError, DataMapper, LiveList, Members, PresenceChannel, Realtime, RouterError, User, VERSION };
export type { AuthEndpoint, ConnectionState, DataChange, DeploymentChange, DeploymentInfo, EventCallback, GlobalCallback, ListPage, LiveOptions, Member, RealtimeConfig, RealtimeOptions, RecoveryOutcome, RouteParams, RouterEndpoints, WriteOptions };
