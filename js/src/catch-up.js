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

import { DeploymentWatch } from './deployment.js';
import { decodeData } from './protocol.js';

/**
 * A fetch implementation: the global one, or a compatible one.
 * @typedef {(url: string, init?: RequestInit) => Promise<Response>} FetchFunction
 */

const POSITION_RE = /^([0-9a-f]{1,32}):(0|[1-9][0-9]{0,17})$/;

/**
 * A position of the history endpoint.
 * @typedef {Object} HistoryPosition
 * @property {string} epoch
 * @property {number} offset
 */

/**
 * One event of the history endpoint's answer.
 * @typedef {Object} HistoryEvent
 * @property {string} channel
 * @property {string} event
 * @property {*} data As published (a string, JSON-decoded when given to `onEvent`).
 * @property {string} position
 */

/**
 * What `catchUp()` resolves with.
 * @typedef {Object} CatchUpAnswer
 * @property {string|null} position The channel's position at the server.
 * @property {boolean} recovered Whether the history reached back to `since`.
 * @property {Array<HistoryEvent>} events The events handed to `onEvent`.
 */

/**
 * Called with each missed event, in order.
 * @callback OnEvent
 * @param {string} channel
 * @param {string} event
 * @param {*} data
 * @param {{position: string, replayed: true}} meta
 * @returns {void}
 */

/**
 * Options of `catchUp()`.
 * @typedef {Object} CatchUpOptions
 * @property {string} endpoint The history URL (`{% url 'realtime_core:history' %}`).
 * @property {string} [since] The last position the client has.
 * @property {string} [until] Only the events up to this position (the later ones arrive live).
 * @property {FetchFunction} [fetch] Default: the global fetch.
 * @property {Object<string, string>} [headers] Sent with every request.
 * @property {OnEvent} [onEvent]
 */

/**
 * Options of `resumeOnResubscribe()`.
 * @typedef {Object} ResumeOptions
 * @property {string} endpoint The history URL (`{% url 'realtime_core:history' %}`).
 * @property {FetchFunction} [fetch] Default: the global fetch.
 * @property {Object<string, string>} [headers] Sent with every request.
 * @property {OnEvent} [onEvent]
 * @property {(channel: string, answer: CatchUpAnswer & {error?: CatchUpError}) => void} [onReset]
 *   Could not catch up: load the state again.
 */

/**
 * What `resumeOnResubscribe()` returns.
 * @typedef {Object} Resumer
 * @property {(channel: string) => string|undefined} position The last position seen on `channel`.
 * @property {(channel: string) => boolean} forget Do not catch up `channel` when it is subscribed again.
 * @property {() => void} stop Stop following the client.
 */

/**
 * Options of `followDeployment()`.
 * @typedef {Object} FollowOptions
 * @property {FollowedConfig} config The config the client was created with (`{% realtime_client %}`'s).
 * @property {(config: FollowedConfig, previous: string) => void} onMove Connect the page
 *   with the new config (see the header).
 * @property {number} [interval] ms between two periodic questions (default 300000; 0: none).
 * @property {FetchFunction} [fetch] Default: the global fetch.
 * @property {(error: Error) => void} [onError] A question that failed (default: ignored).
 */

/**
 * A connection config with its deployment, as `{% realtime_client %}` renders it.
 * @typedef {Object} FollowedConfig
 * @property {string} key
 * @property {{id: string, endpoint: string}} [deployment]
 */

/**
 * What `followDeployment()` returns.
 * @typedef {Object} Follower
 * @property {() => Promise<boolean>} check Ask now; resolves with whether `onMove` was called.
 * @property {(response: Response) => void} observe An answer of the library's endpoints
 *   (a router call, say): asks when it names another deployment.
 * @property {(pusher: PusherClient, config: FollowedConfig) => void} follow Follow another
 *   client and its config from now on (the one `onMove` created).
 * @property {() => void} stop Stop following.
 */

/**
 * The parts of a pusher-js 8 client this file uses (its connection and, an internal,
 * the connection's current transport).
 * @typedef {Object} PusherClient
 * @property {PusherConnection} connection
 */

/**
 * @typedef {Object} PusherConnection
 * @property {(event: string, callback: () => void) => void} bind
 * @property {(event: string, callback: () => void) => void} unbind
 * @property {{transport?: PusherTransport|null}|null} [connection]
 */

/**
 * @typedef {Object} PusherTransport
 * @property {(event: string, callback: (message: {data: string}) => void) => void} bind
 * @property {(event: string, callback: (message: {data: string}) => void) => void} unbind
 */

/**
 * `{epoch, offset}` of an `"epoch:offset"` string, or null.
 * @param {*} text
 * @returns {HistoryPosition|null}
 */
export function parsePosition(text) {
  const match = typeof text === 'string' ? POSITION_RE.exec(text) : null;
  return match ? { epoch: match[1], offset: Number(match[2]) } : null;
}

/** The history endpoint refused or failed (`status` 0: it could not be reached). */
export class CatchUpError extends Error {
  /**
   * @param {number} status
   * @param {string} [message]
   */
  constructor(status, message) {
    super(message || `history request failed (${status})`);
    this.name = 'CatchUpError';
    /** HTTP status (0 when the endpoint could not be reached). */
    this.status = status;
  }
}

/**
 * @param {string} endpoint
 * @param {string} channel
 * @param {string} [since]
 * @returns {string}
 */
function historyUrl(endpoint, channel, since) {
  const query = new URLSearchParams({ channel });
  if (since) query.set('since', since);
  return endpoint + (endpoint.includes('?') ? '&' : '?') + query.toString();
}

/**
 * Fetch what `channel` missed after `since` and hand each event to `onEvent(channel,
 * event, data, {position, replayed: true})`; with `until` (a position), only the events
 * up to it (the later ones arrive live).
 * @param {string} channel
 * @param {CatchUpOptions} [options]
 * @returns {Promise<CatchUpAnswer>} rejects with a {@link CatchUpError}
 */
export async function catchUp(channel, { endpoint, since, until, fetch, headers, onEvent } = /** @type {CatchUpOptions} */ ({})) {
  if (!endpoint) throw new TypeError('catchUp() needs the history endpoint URL');
  const request = fetch || globalThis.fetch.bind(globalThis);
  let response;
  try {
    response = await request(historyUrl(endpoint, channel, since), {
      headers: { Accept: 'application/json', ...(headers || {}) },
      credentials: 'same-origin',
    });
  } catch (error) {
    throw new CatchUpError(0, `history request failed: ${error && /** @type {Error} */ (error).message}`);
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
  /** @type {Array<HistoryEvent>} */
  const events = body.events.filter((/** @type {HistoryEvent} */ event) => {
    if (!last) return true;
    const at = parsePosition(event.position);
    return at !== null && at.epoch === last.epoch && at.offset <= last.offset;
  });
  for (const event of events) {
    if (onEvent) onEvent(event.channel, event.event, decodeData(event.data), { position: event.position, replayed: true });
  }
  return { position: body.position, recovered: Boolean(body.recovered), events };
}

/**
 * Catch up every channel `pusher` (a pusher-js 8 client) subscribes to again (see the
 * header). Returns `{position(channel), forget(channel), stop()}`.
 * @param {PusherClient} pusher
 * @param {ResumeOptions} [options]
 * @returns {Resumer}
 */
export function resumeOnResubscribe(pusher, { endpoint, fetch, headers, onEvent, onReset } = /** @type {ResumeOptions} */ ({})) {
  if (!endpoint) throw new TypeError('resumeOnResubscribe() needs the history endpoint URL');
  /** @type {Map<string, string>} */
  const last = new Map();
  /** @type {PusherTransport|null|undefined} */
  let tapped = null;

  /**
   * @param {string} channel
   * @param {string} since
   * @param {string} until
   */
  function resumed(channel, since, until) {
    catchUp(channel, { endpoint, since, until, fetch, headers, onEvent }).then(
      (answer) => {
        if (!answer.recovered && onReset) onReset(channel, answer);
      },
      (error) => {
        if (onReset) onReset(channel, { position: until, recovered: false, events: [], error });
      },
    );
  }

  /** @param {{data: string}} message */
  function onRaw(message) {
    let frame;
    try {
      frame = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (!frame || typeof frame.channel !== 'string' || !parsePosition(frame.position)) return;
    const since = last.get(frame.channel);
    last.set(frame.channel, frame.position);
    // The success frame carries the channel's position when it was subscribed.
    if (frame.event === 'pusher_internal:subscription_succeeded' && since !== undefined && since !== frame.position) {
      resumed(frame.channel, since, frame.position);
    }
  }

  function tap() {
    const connection = pusher.connection && pusher.connection.connection;
    const transport = connection ? connection.transport : null;
    if (transport === tapped) return;
    if (tapped) tapped.unbind('message', onRaw);
    tapped = transport;
    if (transport) transport.bind('message', onRaw);
  }

  pusher.connection.bind('connected', tap);
  tap();
  return {
    /** The last position seen on `channel` (an event's, or its subscription's). */
    position: (channel) => last.get(channel),
    /** Do not catch up `channel` when it is subscribed again (the page reloaded it). */
    forget: (channel) => last.delete(channel),
    stop() {
      pusher.connection.unbind('connected', tap);
      if (tapped) tapped.unbind('message', onRaw);
      tapped = null;
    },
  };
}

/**
 * Follow a switch of backends with pusher-js (see the header).
 * @param {PusherClient} pusher
 * @param {FollowOptions} options
 * @returns {Follower}
 */
export function followDeployment(pusher, { config, onMove, interval = 300000, fetch, onError } = /** @type {FollowOptions} */ ({})) {
  if (!config || !config.deployment) throw new TypeError('followDeployment() needs the config, with its deployment');
  if (typeof onMove !== 'function') throw new TypeError('followDeployment() needs onMove(config)');
  const request = fetch || ((/** @type {string} */ url, /** @type {RequestInit|undefined} */ init) => globalThis.fetch(url, init));
  /** @type {PusherClient} */
  let followed = pusher;
  /** @type {DeploymentWatch} */
  let watch;
  let connectedBefore = false;
  const reconnected = () => {
    if (connectedBefore) watch.check();
    connectedBefore = true;
  };
  const unavailable = () => watch.check();

  /**
   * @param {PusherClient} client
   * @param {FollowedConfig} followedConfig
   */
  function follow(client, followedConfig) {
    if (watch) {
      watch.stop();
      followed.connection.unbind('connected', reconnected);
      followed.connection.unbind('unavailable', unavailable);
    }
    followed = client;
    connectedBefore = false;
    watch = new DeploymentWatch(
      /** @type {*} */ (followedConfig),
      request,
      interval,
      (fresh) => onMove(/** @type {*} */ (fresh), /** @type {string} */ (watch.id)),
      onError || (() => {}),
    );
    client.connection.bind('connected', reconnected);
    client.connection.bind('unavailable', unavailable);
    watch.start();
  }

  follow(pusher, config);
  return {
    check: () => watch.check(),
    observe: (response) => watch.observed(response),
    follow,
    stop() {
      watch.stop();
      followed.connection.unbind('connected', reconnected);
      followed.connection.unbind('unavailable', unavailable);
    },
  };
}
