/**
 * The connection config (what `{% realtime_client %}` renders, pusher-js's names), the
 * options of one client instance, and the socket and HTTP session URLs they give.
 */

import { PROTOCOL, VERSION } from './protocol.js';

/** The id of the `<script type="application/json">` element the template tag renders. */
export const CONFIG_ELEMENT_ID = 'realtime-config';

/** Keys of the connection config; others are reported (a newer server may add some). */
const CONFIG_KEYS = new Set([
  'backend', 'key', 'cluster', 'wsHost', 'wsPort', 'wssPort', 'wsPath', 'forceTLS',
  'httpHost', 'httpPort', 'httpsPort', 'httpPath', 'enabledTransports', 'deployment', 'channelAuthorization', 'userAuthentication', 'routers',
]);

/**
 * Options of one client instance, in milliseconds where they are times.
 * @type {Readonly<ClientOptions>}
 */
const DEFAULT_OPTIONS = Object.freeze({
  WebSocket: null,
  fetch: null,
  activityTimeout: 120000,
  pongTimeout: 30000,
  connectTimeout: 10000,
  unavailableTimeout: 10000,
  maxReconnectDelay: 30000,
  deploymentCheckInterval: 300000,
});

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
 * @property {boolean} [forceTLS] Always use wss:// (and https:// for the HTTP fallbacks).
 * @property {string} [httpHost] Host of the HTTP fallbacks (default: `wsHost`).
 * @property {number} [httpPort] Their port over http:// (default: `wsPort`, else 80).
 * @property {number} [httpsPort] Their port over https:// (default: `wssPort`, else 443).
 * @property {string} [httpPath] Their path prefix before `/app/{key}` (default "/pusher").
 * @property {Array<string>} [enabledTransports] pusher-js's names: "xhr_streaming" and
 *   "xhr_polling" in it let the client fall back to HTTP streaming, then polling, when
 *   its WebSocket cannot open (a proxy blocks it); without them it only uses WebSockets.
 * @property {DeploymentInfo} [deployment] Which deployment this config connects to, and
 *   where the current config is served: the client follows a switch with it.
 * @property {AuthEndpoint} [channelAuthorization] Private and presence channel authorization.
 * @property {AuthEndpoint} [userAuthentication] User sign-in.
 * @property {RouterEndpoints} [routers] Where the routers' verbs live.
 */

/**
 * The deployment a config connects to, as `{% realtime_client %}` renders it.
 * @typedef {Object} DeploymentInfo
 * @property {string} id The backend's name and a hash of where browsers connect
 *   (`"pusher:3f9a0c1b2d4e"`); the library's endpoints answer with the current one.
 * @property {string} endpoint Where the current config is served, e.g. "/realtime/config/".
 */

/**
 * The routers' URLs; the client appends `<route>/` (and `<pk>/`).
 * @typedef {Object} RouterEndpoints
 * @property {string} objects Lists, objects and writes, e.g. "/realtime/routes/".
 * @property {string} subscriptions Channel names for filters, e.g. "/realtime/subscriptions/".
 */

/**
 * A WebSocket constructor: the global one, or a compatible implementation.
 * @typedef {new (url: string) => WebSocket} WebSocketConstructor
 */

/**
 * A fetch implementation: the global one, or a compatible one.
 * @typedef {(url: string|URL|Request, init?: RequestInit) => Promise<Response>} FetchFunction
 */

/**
 * Options of one client instance (set in code, never rendered by the server).
 * @typedef {Object} RealtimeOptions
 * @property {WebSocketConstructor|null} [WebSocket] WebSocket constructor (default: the global one).
 * @property {FetchFunction|null} [fetch] fetch implementation (default: the global one).
 * @property {number} [activityTimeout] ms of silence before pinging (the server's value caps it).
 * @property {number} [pongTimeout] ms to wait for any frame after a ping before reconnecting.
 * @property {number} [connectTimeout] ms an attempt may take to get the handshake.
 * @property {number} [unavailableTimeout] ms of failed attempts before the state is "unavailable".
 * @property {number} [maxReconnectDelay] Cap of the exponential reconnection delay, in ms.
 * @property {number} [deploymentCheckInterval] ms between two questions to
 *   `config.deployment.endpoint` about the current deployment (0: only on the endpoints'
 *   answers and on reconnects).
 */

/**
 * The options with their defaults filled in.
 * @typedef {Required<RealtimeOptions>} ClientOptions
 */

/**
 * A page's location, where the embedded server's sockets are.
 * @typedef {Object} PageLocation
 * @property {string} protocol
 * @property {string} host
 * @property {string} [origin]
 * @property {string} [href]
 */

/**
 * Check a connection config: a TypeError without a key, a console warning for unknown keys.
 * @param {RealtimeConfig} config
 */
export function checkConfig(config) {
  if (!config || typeof config !== 'object') throw new TypeError('Realtime needs a config object');
  if (typeof config.key !== 'string' || !config.key) throw new TypeError('Realtime: config.key must be the app key');
  const unknownConfig = Object.keys(config).filter((name) => !CONFIG_KEYS.has(name));
  if (unknownConfig.length && globalThis.console) {
    globalThis.console.warn(`Realtime: ignoring unknown config keys: ${unknownConfig.join(', ')}`);
  }
}

/**
 * Check the client's arguments: the config (see {@link checkConfig}), and a TypeError
 * for an unknown option.
 * @param {RealtimeConfig} config
 * @param {RealtimeOptions} [options]
 * @returns {ClientOptions} `options` with the defaults
 */
export function clientOptions(config, options) {
  checkConfig(config);
  const unknownOptions = Object.keys(options || {}).filter((name) => !(name in DEFAULT_OPTIONS));
  if (unknownOptions.length) {
    throw new TypeError(
      `Realtime: unknown options ${unknownOptions.join(', ')}; known: ${Object.keys(DEFAULT_OPTIONS).join(', ')}`,
    );
  }
  return { ...DEFAULT_OPTIONS, ...options };
}

/**
 * The config in the page's `<script id="realtime-config" type="application/json">`.
 * @returns {RealtimeConfig}
 */
export function pageConfig() {
  const element = globalThis.document ? globalThis.document.getElementById(CONFIG_ELEMENT_ID) : null;
  if (!element) {
    throw new Error(
      `Realtime.connect(): no <script id="${CONFIG_ELEMENT_ID}"> on the page; render ` +
        '{% realtime_client %} in the template, or pass the config',
    );
  }
  return JSON.parse(/** @type {string} */ (element.textContent));
}

/**
 * The page's location, or null outside a page (Node, a worker without one).
 * @returns {PageLocation|null}
 */
export function pageLocation() {
  return globalThis.location && globalThis.location.host ? globalThis.location : null;
}

/**
 * The socket URL for `config`, from the page's `location` (null outside a page).
 * @param {RealtimeConfig} config
 * @param {PageLocation|null} page
 * @param {boolean} forceTLS set after a 4000 close ("use TLS")
 * @returns {string}
 */
export function socketUrl(config, page, forceTLS) {
  const pageTLS = Boolean(page) && /** @type {PageLocation} */ (page).protocol === 'https:';
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

/** The HTTP fallbacks realtime.js speaks, by pusher-js's names, in the order it tries them. */
const HTTP_TRANSPORTS = ['xhr_streaming', 'xhr_polling'];

/**
 * The HTTP fallbacks `config` enables, in the order they are tried after a WebSocket.
 * @param {RealtimeConfig} config
 * @returns {Array<string>}
 */
export function httpFallbacks(config) {
  const enabled = Array.isArray(config.enabledTransports) ? config.enabledTransports : [];
  return HTTP_TRANSPORTS.filter((name) => enabled.includes(name));
}

/**
 * Where the HTTP fallbacks' sessions of `config` live (`.../app/{key}`), and the query
 * their receive requests carry.
 * @param {RealtimeConfig} config
 * @param {PageLocation|null} page
 * @param {boolean} forceTLS set after a 4000 close ("use TLS")
 * @returns {{base: string, query: string}}
 */
export function httpSessionUrl(config, page, forceTLS) {
  const pageTLS = Boolean(page) && /** @type {PageLocation} */ (page).protocol === 'https:';
  let tls = forceTLS || config.forceTLS === true || pageTLS;
  let hostAndPort;
  const named = config.httpHost || config.wsHost;
  if (named) {
    const host = named.includes(':') && !named.startsWith('[') ? `[${named}]` : named;
    const port = tls
      ? config.httpsPort || (config.httpHost ? 0 : config.wssPort) || 443
      : config.httpPort || (config.httpHost ? 0 : config.wsPort) || 80;
    hostAndPort = `${host}:${port}`;
  } else if (config.cluster) {
    tls = tls || config.forceTLS !== false;
    hostAndPort = `sockjs-${config.cluster}.pusher.com:${tls ? config.httpsPort || 443 : config.httpPort || 80}`;
  } else if (page) {
    hostAndPort = page.host;
  } else {
    throw new TypeError('Realtime: the config has neither httpHost, wsHost nor cluster, and there is no page location');
  }
  const path = (config.httpPath || '/pusher').replace(/\/$/, '');
  const query = `protocol=${PROTOCOL}&client=realtime-js&version=${VERSION}`;
  return { base: `${tls ? 'https' : 'http'}://${hostAndPort}${path}/app/${encodeURIComponent(config.key)}`, query };
}
