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
 * A classic script defines the global `RealtimeCatchUp`; from ES modules and Node:
 * `import { catchUp, resumeOnResubscribe } from './catch-up.js'` (a CommonJS file, like
 * realtime.js, and built like it from js/src/; catch-up.d.ts declares its types). No
 * dependencies; `fetch` defaults to the global one (same-origin cookies).
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

// A static object literal: Node reads these names, so ES modules can import them by name.
if (typeof module === 'object' && module && module.exports) {
  module.exports = { CatchUpError, catchUp, parsePosition, resumeOnResubscribe };
} else {
  root.RealtimeCatchUp = { CatchUpError, catchUp, parsePosition, resumeOnResubscribe };
}
})(typeof globalThis !== 'undefined' ? globalThis : this);
