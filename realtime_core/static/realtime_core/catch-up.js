// Generated from js/src/catch-up.js and the modules it imports (esbuild 0.28.2, typescript 5.9.3):
// edit those sources, then run `make js` and commit this file with them.
/**
 * catch-up.js: missed events for clients that cannot resume by themselves (pusher-js).
 *
 * realtime.js resumes on its own. pusher-js does not: after a reconnect it subscribes
 * again and only sees what is published from then on. The self-hosted server numbers
 * every channel event (`"position": "epoch:offset"`, a top-level frame field) and
 * Django serves what a channel missed at `{% url 'realtime_core:history' %}`
 * (realtime_core/history_views.py); this file joins the two for pusher-js 8.
 *
 * pusher-js drops unknown frame fields: neither `channel.bind(event, (data, metadata))`
 * (metadata has `user_id` only) nor `pusher.connection.bind('message', ...)` (the frame
 * as decoded: event, channel, data, user_id) carries the position. So `resumeOnResubscribe`
 * reads the raw frames from pusher-js's current transport (`pusher.connection.connection
 * .transport`, an internal of pusher-js 8, checked by tests/js/catch-up.test.mjs).
 *
 *     const pusher = new Pusher(key, {...});
 *     const resume = RealtimeCatchUp.resumeOnResubscribe(pusher, {
 *       endpoint: '/realtime/history/',            // {% url 'realtime_core:history' %}
 *       headers: {},                              // optional, sent with every request
 *       onEvent(channel, event, data, meta) { ... },  // a missed event; meta.position
 *       onReset(channel, answer) { ... },         // could not catch up: load the state again
 *     });
 *     pusher.subscribe('private-todo-list-1').bind('created', (item) => ...);  // live, as usual
 *
 * Each time pusher-js subscribes to a channel again, the events published between the
 * last one it received and the new subscription are fetched and handed to `onEvent`, in
 * order, once: live events after the subscription still reach pusher-js's own handlers,
 * so a missed event may arrive after a newer live one (compare `meta.position` offsets
 * within an epoch if order matters). When the history does not reach back that far (or
 * the channel started a new epoch, or the endpoint fails: `answer.error`), `onReset` is
 * called instead: reload what the page shows. Against hosted Pusher (no positions) it
 * does nothing.
 *
 * `RealtimeCatchUp.catchUp(channel, {endpoint, since, until, fetch, headers, onEvent})`
 * is the single request underneath, for clients that keep positions themselves; it
 * resolves `{position, recovered, events}` and rejects with a `CatchUpError` (`status`,
 * `message`: 403 refused, 501 the backend keeps no history, 503 unavailable).
 *
 * Following a switch of backends (what realtime.js does by itself): pusher-js keeps
 * the connection its page was rendered with, so after a switch it stays on the old
 * backend. `followDeployment` asks the config endpoint `{% realtime_client %}` names
 * (`config.deployment.endpoint`) for the current config after each reconnect of pusher-js,
 * when its connection is unavailable, every `interval` ms (5 minutes by default), and
 * when an answer you pass to `observe(response)` names another deployment in its
 * `X-Realtime-Deployment` header; when the current config names another deployment,
 * `onMove(config, previous)` connects the page there:
 *
 *     const config = JSON.parse(document.getElementById('realtime-config').textContent);
 *     let pusher = new Pusher(config.key, config);
 *     const follow = RealtimeCatchUp.followDeployment(pusher, {
 *       config,
 *       onMove(fresh) {
 *         pusher.disconnect();
 *         pusher = new Pusher(fresh.key, fresh);
 *         follow.follow(pusher, fresh);   // keep following from the new client
 *         subscribeEverything(pusher);   // your channels and bindings, again
 *         reloadState();                 // what was published during the move
 *       },
 *     });
 *
 * It returns `{check(), observe(response), follow(pusher, config), stop()}`.
 *
 * A classic script defines the global `RealtimeCatchUp`; from ES modules and Node:
 * `import { catchUp, followDeployment, resumeOnResubscribe } from './catch-up.js'` (a
 * CommonJS file, like realtime.js, and built like it from js/src/; catch-up.d.ts
 * declares its types). No dependencies; `fetch` defaults to the global one
 * (same-origin cookies).
 */
(function (root) {
'use strict';

// src/protocol.js
function decodeData(data) {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch (error) {
    return data;
  }
}

// src/config.js
var CONFIG_KEYS = /* @__PURE__ */ new Set([
  "backend",
  "key",
  "cluster",
  "wsHost",
  "wsPort",
  "wssPort",
  "wsPath",
  "forceTLS",
  "httpHost",
  "httpPort",
  "httpsPort",
  "httpPath",
  "enabledTransports",
  "deployment",
  "channelAuthorization",
  "userAuthentication",
  "routers"
]);
var DEFAULT_OPTIONS = Object.freeze({
  WebSocket: null,
  fetch: null,
  activityTimeout: 12e4,
  pongTimeout: 3e4,
  connectTimeout: 1e4,
  unavailableTimeout: 1e4,
  maxReconnectDelay: 3e4,
  deploymentCheckInterval: 3e5
});
function checkConfig(config) {
  if (!config || typeof config !== "object") throw new TypeError("Realtime needs a config object");
  if (typeof config.key !== "string" || !config.key) throw new TypeError("Realtime: config.key must be the app key");
  const unknownConfig = Object.keys(config).filter((name) => !CONFIG_KEYS.has(name));
  if (unknownConfig.length && globalThis.console) {
    globalThis.console.warn(`Realtime: ignoring unknown config keys: ${unknownConfig.join(", ")}`);
  }
}

// src/timers.js
var Timers = class {
  constructor() {
    this._pending = /* @__PURE__ */ new Map();
  }
  /**
   * Call `callback` after `delay` ms, instead of what `name` was set to before.
   * @param {string} name
   * @param {number} delay
   * @param {() => void} callback
   */
  set(name, delay, callback) {
    this.clear(name);
    this._pending.set(name, setTimeout(() => {
      this._pending.delete(name);
      callback();
    }, delay));
  }
  /**
   * Cancel the timer of `name`, if it is pending.
   * @param {string} name
   */
  clear(name) {
    const timer = this._pending.get(name);
    if (timer !== void 0) {
      clearTimeout(timer);
      this._pending.delete(name);
    }
  }
  /** Cancel every pending timer. */
  clearAll() {
    for (const name of [...this._pending.keys()]) this.clear(name);
  }
  /**
   * Whether the timer of `name` is pending.
   * @param {string} name
   * @returns {boolean}
   */
  has(name) {
    return this._pending.has(name);
  }
};

// src/deployment.js
var DEPLOYMENT_HEADER = "X-Realtime-Deployment";
function spread(delay) {
  return delay * (0.8 + Math.random() * 0.4);
}
var DeploymentWatch = class {
  /**
   * @param {RealtimeConfig} config The config followed (by its `deployment`, if any).
   * @param {ConfigFetch} fetch Fetches the config endpoint.
   * @param {number} interval ms between two periodic checks; 0 for none.
   * @param {(config: RealtimeConfig) => void} move Takes the new config.
   * @param {(error: Error) => void} failed A check that could not be made or read.
   */
  constructor(config, fetch, interval, move, failed) {
    this._config = config;
    this._fetch = fetch;
    this._interval = interval;
    this._move = move;
    this._failed = failed;
    this._timers = new Timers();
    this._checking = null;
    this._running = false;
  }
  /**
   * The deployment of the current config, else null (a config without one is not followed).
   * @returns {string|null}
   */
  get id() {
    const deployment = this._config.deployment;
    return deployment && typeof deployment.id === "string" ? deployment.id : null;
  }
  /** Check every `interval` ms from now on, until `stop()`. */
  start() {
    this._running = true;
    this._schedule();
  }
  /** No more periodic checks. */
  stop() {
    this._running = false;
    this._timers.clearAll();
  }
  /** @private */
  _schedule() {
    if (!this._running || this._interval <= 0 || this.id === null) return;
    this._timers.set("periodic", spread(this._interval), () => {
      this.check().then(() => this._schedule());
    });
  }
  /**
   * An answer of one of the client's requests: check when it names another deployment.
   * @param {Response} response
   */
  observed(response) {
    const named = response.headers && response.headers.get(DEPLOYMENT_HEADER);
    if (named && this.id !== null && named !== this.id) this.check();
  }
  /**
   * Ask the config endpoint for the current config, and move to it when it names
   * another deployment. One check at a time: a second call shares the first's answer.
   * @returns {Promise<boolean>} whether the client moved; never rejects (a failure
   *   goes to `failed`).
   */
  check() {
    if (this._checking === null) {
      this._checking = this._ask().finally(() => {
        this._checking = null;
      });
    }
    return this._checking;
  }
  /**
   * @private
   * @returns {Promise<boolean>}
   */
  async _ask() {
    const asked = this.id;
    const deployment = this._config.deployment;
    if (asked === null || !deployment || typeof deployment.endpoint !== "string") return false;
    let fresh;
    try {
      const response = await this._fetch(deployment.endpoint, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store"
      });
      if (!response.ok) throw new Error(`${deployment.endpoint} answered ${response.status}`);
      fresh = await response.json();
      checkConfig(fresh);
      if (!fresh.deployment || typeof fresh.deployment.id !== "string") {
        throw new Error(`${deployment.endpoint} answered a config without deployment.id`);
      }
    } catch (error) {
      this._failed(
        /** @type {Error} */
        error
      );
      return false;
    }
    if (this.id !== asked || fresh.deployment.id === asked) return false;
    this._move(fresh);
    return true;
  }
};

// src/catch-up.js
var POSITION_RE = /^([0-9a-f]{1,32}):(0|[1-9][0-9]{0,17})$/;
function parsePosition(text) {
  const match = typeof text === "string" ? POSITION_RE.exec(text) : null;
  return match ? { epoch: match[1], offset: Number(match[2]) } : null;
}
var CatchUpError = class extends Error {
  /**
   * @param {number} status
   * @param {string} [message]
   */
  constructor(status, message) {
    super(message || `history request failed (${status})`);
    this.name = "CatchUpError";
    this.status = status;
  }
};
function historyUrl(endpoint, channel, since) {
  const query = new URLSearchParams({ channel });
  if (since) query.set("since", since);
  return endpoint + (endpoint.includes("?") ? "&" : "?") + query.toString();
}
async function catchUp(channel, { endpoint, since, until, fetch, headers, onEvent } = (
  /** @type {CatchUpOptions} */
  {}
)) {
  if (!endpoint) throw new TypeError("catchUp() needs the history endpoint URL");
  const request = fetch || globalThis.fetch.bind(globalThis);
  let response;
  try {
    response = await request(historyUrl(endpoint, channel, since), {
      headers: { Accept: "application/json", ...headers || {} },
      credentials: "same-origin"
    });
  } catch (error) {
    throw new CatchUpError(0, `history request failed: ${error && /** @type {Error} */
    error.message}`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok || !body || !Array.isArray(body.events)) {
    throw new CatchUpError(response.status, body && body.error);
  }
  const last = parsePosition(until);
  const events = body.events.filter((event) => {
    if (!last) return true;
    const at = parsePosition(event.position);
    return at !== null && at.epoch === last.epoch && at.offset <= last.offset;
  });
  for (const event of events) {
    if (onEvent) onEvent(event.channel, event.event, decodeData(event.data), { position: event.position, replayed: true });
  }
  return { position: body.position, recovered: Boolean(body.recovered), events };
}
function resumeOnResubscribe(pusher, { endpoint, fetch, headers, onEvent, onReset } = (
  /** @type {ResumeOptions} */
  {}
)) {
  if (!endpoint) throw new TypeError("resumeOnResubscribe() needs the history endpoint URL");
  const last = /* @__PURE__ */ new Map();
  let tapped = null;
  function resumed(channel, since, until) {
    catchUp(channel, { endpoint, since, until, fetch, headers, onEvent }).then(
      (answer) => {
        if (!answer.recovered && onReset) onReset(channel, answer);
      },
      (error) => {
        if (onReset) onReset(channel, { position: until, recovered: false, events: [], error });
      }
    );
  }
  function onRaw(message) {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (!frame || typeof frame.channel !== "string" || !parsePosition(frame.position)) return;
    const since = last.get(frame.channel);
    last.set(frame.channel, frame.position);
    if (frame.event === "pusher_internal:subscription_succeeded" && since !== void 0 && since !== frame.position) {
      resumed(frame.channel, since, frame.position);
    }
  }
  function tap() {
    const connection = pusher.connection && pusher.connection.connection;
    const transport = connection ? connection.transport : null;
    if (transport === tapped) return;
    if (tapped) tapped.unbind("message", onRaw);
    tapped = transport;
    if (transport) transport.bind("message", onRaw);
  }
  pusher.connection.bind("connected", tap);
  tap();
  return {
    /** The last position seen on `channel` (an event's, or its subscription's). */
    position: (channel) => last.get(channel),
    /** Do not catch up `channel` when it is subscribed again (the page reloaded it). */
    forget: (channel) => last.delete(channel),
    stop() {
      pusher.connection.unbind("connected", tap);
      if (tapped) tapped.unbind("message", onRaw);
      tapped = null;
    }
  };
}
function followDeployment(pusher, { config, onMove, interval = 3e5, fetch, onError } = (
  /** @type {FollowOptions} */
  {}
)) {
  if (!config || !config.deployment) throw new TypeError("followDeployment() needs the config, with its deployment");
  if (typeof onMove !== "function") throw new TypeError("followDeployment() needs onMove(config)");
  const request = fetch || ((url, init) => globalThis.fetch(url, init));
  let followed = pusher;
  let watch;
  let connectedBefore = false;
  const reconnected = () => {
    if (connectedBefore) watch.check();
    connectedBefore = true;
  };
  const unavailable = () => watch.check();
  function follow(client, followedConfig) {
    if (watch) {
      watch.stop();
      followed.connection.unbind("connected", reconnected);
      followed.connection.unbind("unavailable", unavailable);
    }
    followed = client;
    connectedBefore = false;
    watch = new DeploymentWatch(
      /** @type {*} */
      followedConfig,
      request,
      interval,
      (fresh) => onMove(
        /** @type {*} */
        fresh,
        /** @type {string} */
        watch.id
      ),
      onError || (() => {
      })
    );
    client.connection.bind("connected", reconnected);
    client.connection.bind("unavailable", unavailable);
    watch.start();
  }
  follow(pusher, config);
  return {
    check: () => watch.check(),
    observe: (response) => watch.observed(response),
    follow,
    stop() {
      watch.stop();
      followed.connection.unbind("connected", reconnected);
      followed.connection.unbind("unavailable", unavailable);
    }
  };
}

// A static object literal: Node reads these names, so ES modules can import them by name.
if (typeof module === 'object' && module && module.exports) {
  module.exports = { CatchUpError, catchUp, followDeployment, parsePosition, resumeOnResubscribe };
} else {
  root.RealtimeCatchUp = { CatchUpError, catchUp, followDeployment, parsePosition, resumeOnResubscribe };
}
})(typeof globalThis !== 'undefined' ? globalThis : this);
