// Generated from js/src/index.js and the modules it imports (esbuild 0.28.2, typescript 5.9.3):
// edit those sources, then run `make js` and commit this file with them.
/**
 * realtime.js: the browser client of django-realtime-core.
 *
 * It speaks the Pusher Channels protocol (version 7), so the same page code works
 * against the self-hosted server (embedded or Tornado + Redis) and against hosted
 * Pusher; only the connection config differs, and `{% realtime_client %}` renders it.
 * One file, no build step for its users, no dependencies, and no secret: every
 * signature comes from the Django authorization endpoints. (It is built from the ES
 * modules of js/src/ in django-realtime-core's repository; realtime.d.ts beside it
 * declares its types for TypeScript.)
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
 * `subscriptionCount`, `members` on presence channels), `.unsubscribe(name)`, `.signin()`
 * → `realtime.user` (its `watchlist` emits `online` and `offline`), `.fetch(url, init)`
 * (adds X-Socket-ID and the CSRF header), `.disconnect()`, `.connect()`; and
 * `new DataMapper(items).bind(channel)`.
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
 * Switching backends: the config names its deployment; when the library's endpoints
 * answer with another one (or on a reconnect, or every few minutes), the client fetches
 * the current config, emits `deployment_change` and moves there, subscribing again and
 * reloading `live()` lists.
 *
 * Connection state, channels, presence members, client events, user sign-in and
 * reconnection follow pusher-js's behaviour and event names (`pusher:subscription_succeeded`,
 * `pusher:member_added`, ...), so code written for pusher-js reads the same here.
 */
(function (root) {
'use strict';

// src/errors.js
function quotedBody(text) {
  try {
    JSON.parse(text);
  } catch (error) {
    return " (not JSON)";
  }
  return `: ${text.slice(0, 300)}`;
}
function reasonOf(error) {
  return error && error.message ? error.message : String(error);
}
var AuthError = class extends Error {
  /**
   * @param {number} status HTTP status (0 when the endpoint could not be reached).
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = "AuthError";
    this.type = "AuthError";
    this.status = status;
    this.error = message;
  }
};
var ConnectionError = class extends Error {
  /**
   * @param {string} message
   * @param {number|null} code The close or `pusher:error` code, when there was one.
   */
  constructor(message, code) {
    super(message);
    this.name = "ConnectionError";
    this.code = code;
  }
};
var RouterError = class extends Error {
  /**
   * @param {number} status HTTP status (0 when the server could not be reached).
   * @param {string} message
   * @param {Object<string, Array<string>>} [errors]
   */
  constructor(status, message, errors) {
    super(message);
    this.name = "RouterError";
    this.status = status;
    this.errors = errors || {};
  }
};

// src/emitter.js
function reportLater(error) {
  setTimeout(() => {
    throw error;
  }, 0);
}
var Emitter = class {
  constructor() {
    this._callbacks = /* @__PURE__ */ new Map();
    this._globalCallbacks = [];
  }
  /**
   * Call `callback(data, metadata)` on every `event`.
   * @param {string} event
   * @param {EventCallback} callback
   * @param {*} [context] `this` for the callback.
   * @returns {this}
   */
  bind(event, callback, context) {
    if (typeof callback !== "function") throw new TypeError(`bind(${event}): the callback must be a function`);
    let bound = this._callbacks.get(event);
    if (!bound) {
      bound = [];
      this._callbacks.set(event, bound);
    }
    bound.push({ callback, context });
    return this;
  }
  /**
   * Remove callbacks: one (`event`, `callback`), all of `event`, all for `callback`, or all.
   * @param {string|null} [event]
   * @param {EventCallback} [callback]
   * @returns {this}
   */
  unbind(event, callback) {
    const events = event === void 0 || event === null ? [...this._callbacks.keys()] : [event];
    for (const name of events) {
      const kept = callback ? (this._callbacks.get(name) || []).filter((b) => b.callback !== callback) : [];
      if (kept.length) this._callbacks.set(name, kept);
      else this._callbacks.delete(name);
    }
    return this;
  }
  /**
   * Call `callback(event, data, metadata)` on every event.
   * @param {GlobalCallback} callback
   * @returns {this}
   */
  bindGlobal(callback) {
    if (typeof callback !== "function") throw new TypeError("bindGlobal: the callback must be a function");
    this._globalCallbacks.push(callback);
    return this;
  }
  /**
   * Remove one global callback, or all of them.
   * @param {GlobalCallback} [callback]
   * @returns {this}
   */
  unbindGlobal(callback) {
    this._globalCallbacks = callback ? this._globalCallbacks.filter((c) => c !== callback) : [];
    return this;
  }
  /**
   * Call the callbacks of `event`: the global ones first, each error reported later.
   * @internal
   * @param {string} event
   * @param {*} [data]
   * @param {*} [metadata]
   */
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
};

// src/recovery.js
var RECOVERY_EXTENSION = "recovery";
var RECOVERY_EVENT = "realtime:recovery";
var POSITION_EVENT = "pusher_internal:position";
function parsePosition(text) {
  if (typeof text !== "string") return null;
  const at = text.indexOf(":");
  const offset = text.slice(at + 1);
  if (at <= 0 || !/^[0-9]{1,15}$/.test(offset)) return null;
  return { epoch: text.slice(0, at), offset: Number(offset) };
}
function formatPosition(position) {
  return `${position.epoch}:${position.offset}`;
}

// src/channel.js
var Channel = class extends Emitter {
  /**
   * @param {string} name
   * @param {ChannelHost} subscriptions The client's channels.
   */
  constructor(name, subscriptions) {
    super();
    this.name = name;
    this.subscribed = false;
    this.subscriptionCount = null;
    this._subscriptions = subscriptions;
    this._requested = false;
    this._onUnsubscribe = /* @__PURE__ */ new Set();
    this.position = null;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
    this._recovering = false;
  }
  /** Whether subscribing needs a signature from the channel authorization endpoint. */
  get requiresAuth() {
    return this.name.startsWith("private-") || this.name.startsWith("presence-");
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
    if (typeof event !== "string" || !event.startsWith("client-")) {
      throw new TypeError(`Client events must start with "client-": ${event}`);
    }
    if (!this.requiresAuth || !this.subscribed) return false;
    return this._subscriptions.send({ event, channel: this.name, data });
  }
  /**
   * The connection is gone (or the channel was unsubscribed); `position` stays.
   * @internal
   */
  _reset() {
    this.subscribed = false;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
  }
  /**
   * Hook: what the authorization endpoint answered, before subscribing.
   * @internal
   * @param {import('./auth.js').Authorization} answer
   */
  _authorized(answer) {
  }
  /**
   * @protected
   * @param {*} data
   */
  _succeeded(data) {
    this.subscribed = true;
    this._emit("pusher:subscription_succeeded", data);
  }
  /**
   * @private pusher_internal:subscription_succeeded, with the recovery extension's fields.
   * @param {Frame} frame
   */
  _subscriptionSucceeded(frame) {
    const from = this._recoveryFrom;
    const resync = this._resyncing && this.subscribed;
    const held = this._held;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
    if (!this._subscriptions.recovers) {
      this.position = null;
      this._succeeded(frame.data);
      return;
    }
    const parsed = parsePosition(frame.position);
    const current = parsed ? formatPosition(parsed) : null;
    if (from === null) {
      this.position = current;
      this._succeeded(frame.data);
      return;
    }
    const recovered = frame.recovered === true;
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
  /**
   * The subscription was refused (by the server or the authorization endpoint).
   * @internal
   * @param {*} error
   */
  _failed(error) {
    const resync = this._resyncing;
    const from = this.position;
    const held = this._held;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
    if (resync) this._deliverHeld(held);
    this._emit("pusher:subscription_error", error);
    if (resync) this._emit(RECOVERY_EVENT, { recovered: false, position: this.position, from });
  }
  /**
   * @private Whether an event at `text` (its position) is the next one: then
   * `position` moves to it. A duplicate is dropped. After a gap, or a new epoch that
   * does not start at 1, the channel subscribes again to recover and holds the event
   * (and the next ones) until the answer.
   * @param {Frame} frame
   * @returns {boolean}
   */
  _inSequence(frame) {
    const next = parsePosition(frame.position);
    if (!next) return true;
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
      this.position = `${next.epoch}:0`;
      this._resync(frame);
      return false;
    }
    this.position = formatPosition(next);
    return true;
  }
  /**
   * @private Subscribe again on this connection, from `position`.
   * @param {Frame} frame
   */
  _resync(frame) {
    this._resyncing = true;
    this._held = [frame];
    this._subscriptions.request(this);
  }
  /**
   * @private Deliver the events held during a resync that did not recover, in order, once.
   * @param {Array<Frame>} held
   */
  _deliverHeld(held) {
    let last = null;
    for (const frame of held) {
      const position = (
        /** @type {Position} */
        parsePosition(frame.position)
      );
      if (last && position.epoch === last.epoch && position.offset <= last.offset) continue;
      last = position;
      this.position = formatPosition(position);
      if (frame.event !== POSITION_EVENT) this._deliver(frame);
    }
  }
  /**
   * @private Give a channel event to the callbacks.
   * @param {Frame} frame
   */
  _deliver(frame) {
    this._emit(frame.event, frame.data, frame.user_id === void 0 ? {} : { user_id: frame.user_id });
  }
  /**
   * A frame for this channel, its data decoded.
   * @internal
   * @param {Frame} frame
   */
  _handle(frame) {
    switch (frame.event) {
      case "pusher_internal:subscription_succeeded":
        this._subscriptionSucceeded(frame);
        return;
      case "pusher:subscription_error":
        this._failed(frame.data);
        return;
      case "pusher_internal:subscription_count":
        if (frame.data && Number.isInteger(frame.data.subscription_count)) this.subscriptionCount = frame.data.subscription_count;
        this._emit("pusher:subscription_count", frame.data);
        return;
      case POSITION_EVENT:
        if (this._subscriptions.recovers) this._inSequence(frame);
        return;
      default:
        if (frame.event.startsWith("pusher_internal:")) return;
        if (frame.position !== void 0 && this._subscriptions.recovers && !this._inSequence(frame)) return;
        this._deliver(frame);
    }
  }
};

// src/datamapper.js
var DataMapper = class {
  /**
   * @param {Array<Object<string, *>>} [items] The array to keep in step (mutated in place).
   * @param {{key?: string}} [options] `key`: the identifying field (default "id").
   */
  constructor(items = [], options = {}) {
    if (!Array.isArray(items)) throw new TypeError("DataMapper needs an array of items");
    const unknown = Object.keys(options).filter((name) => name !== "key");
    if (unknown.length) throw new TypeError(`DataMapper: unknown options ${unknown.join(", ")}; known: key`);
    this.items = items;
    this.key = options.key || "id";
    this._listeners = [];
  }
  /**
   * Apply one event: `created` adds the object (or replaces the one with its key),
   * `updated` merges its fields into the existing object (or adds it), `deleted`
   * removes the object with its key.
   * @param {'created'|'updated'|'deleted'} action
   * @param {*} data An object with the key field.
   * @returns {boolean} whether the items changed
   */
  apply(action, data) {
    if (!["created", "updated", "deleted"].includes(action)) {
      throw new TypeError(`DataMapper.apply: unknown action ${action}; use created, updated or deleted`);
    }
    if (!data || typeof data !== "object" || data[this.key] === void 0 || data[this.key] === null) return false;
    const index = this._indexOf(data[this.key]);
    let item;
    if (action === "deleted") {
      if (index === -1) return false;
      [item] = this.items.splice(index, 1);
    } else if (index === -1) {
      item = { ...data };
      this.items.push(item);
    } else if (action === "created") {
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
   * @param {Array<Object<string, *>>} items
   */
  reset(items) {
    if (!Array.isArray(items)) throw new TypeError("DataMapper.reset needs an array of items");
    this.items.splice(0, this.items.length, ...items);
    this._notify({ action: "reset", item: null, items: this.items });
  }
  /**
   * Apply the `created`, `updated` and `deleted` events of a channel.
   * @param {Channel} channel
   * @returns {() => void} call it to unbind them again
   */
  bind(channel) {
    const handlers = (
      /** @type {const} */
      ["created", "updated", "deleted"].map((action) => [action, (data) => this.apply(action, data)])
    );
    for (const [action, handler] of handlers) channel.bind(action, handler);
    return () => {
      for (const [action, handler] of handlers) channel.unbind(action, handler);
    };
  }
  /**
   * Call `listener({action, item, items})` after every change (`action`: "created",
   * "updated", "deleted", or "reset" after {@link DataMapper#reset}).
   * @param {(change: DataChange) => void} listener
   * @returns {() => void} call it to stop listening
   */
  onChange(listener) {
    if (typeof listener !== "function") throw new TypeError("onChange needs a function");
    this._listeners.push(listener);
    return () => {
      this._listeners = this._listeners.filter((l) => l !== listener);
    };
  }
  /**
   * @private
   * @param {*} id
   * @returns {number}
   */
  _indexOf(id) {
    const wanted = String(id);
    return this.items.findIndex((item) => item && String(item[this.key]) === wanted);
  }
  /**
   * @private
   * @param {DataChange} change
   */
  _notify(change) {
    for (const listener of this._listeners.slice()) {
      try {
        listener(change);
      } catch (error) {
        reportLater(error);
      }
    }
  }
};

// src/livelist.js
var LIVE_LOAD_ATTEMPTS = 3;
var LiveList = class {
  /**
   * Use `realtime.live()`.
   * @param {ListSource} client The routers.
   * @param {string} route
   * @param {RouteParams} filters The filters that chose the channel.
   * @param {RouteParams} params The list parameters every load uses.
   * @param {Channel} channel
   * @param {string} key The identifying field.
   */
  constructor(client, route, filters, params, channel, key) {
    this.route = route;
    this.params = params;
    this.items = [];
    this.mapper = new DataMapper(this.items, { key });
    this.channel = channel;
    this.closed = false;
    this._client = client;
    this._filters = filters;
    this._pending = null;
    this._generation = 0;
    this._latest = null;
    this._handlers = /** @type {const} */
    ["created", "updated", "deleted"].map((action) => [
      action,
      (data) => {
        if (this._pending !== null) this._pending.push([action, data]);
        else this.mapper.apply(action, data);
      }
    ]);
    this._handlers.push(["pusher:subscription_succeeded", () => {
      if (!channel._recovering) this.refresh().catch(reportLater);
    }]);
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
   * @returns {Promise<Array<Object<string, *>>>} `items`, once the newest load is applied;
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
        if (generation !== this._generation) return (
          /** @type {Promise<Array<Object<string, *>>>} */
          this._latest
        );
        this.mapper.reset(
          /** @type {Array<Object<string, *>>} */
          items
        );
        this._flush();
        return this.items;
      },
      (error) => {
        if (this.closed) return this.items;
        if (generation !== this._generation) return (
          /** @type {Promise<Array<Object<string, *>>>} */
          this._latest
        );
        this._flush();
        throw error;
      }
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
  /**
   * @private Every page; again (a few times) if events arrived during a multi-page load.
   * @param {number} generation
   * @returns {Promise<Array<Object<string, *>>|null>} null once a newer load or close() came
   */
  async _load(generation) {
    for (let attempt = 1; ; attempt += 1) {
      const heard = (
        /** @type {Array<[Action, *]>} */
        this._pending.length
      );
      const items = [];
      const seen = /* @__PURE__ */ new Set();
      let pages = 0;
      for (let page = 1; ; page += 1) {
        const answer = await this._client.getList(this.route, { ...this.params, page });
        if (this._superseded(generation)) return null;
        if (!answer || !Array.isArray(answer.results)) {
          throw new RouterError(200, `The list of ${this.route} has no "results" array`);
        }
        pages += 1;
        for (const item of answer.results) {
          const id = item && item[this.mapper.key] !== void 0 ? String(item[this.mapper.key]) : null;
          if (id !== null && seen.has(id)) continue;
          if (id !== null) seen.add(id);
          items.push(item);
        }
        if (!answer.has_next) break;
      }
      if (pages === 1 || /** @type {Array<[Action, *]>} */
      this._pending.length === heard || attempt >= LIVE_LOAD_ATTEMPTS) return items;
    }
  }
  /**
   * @private
   * @param {number} generation
   * @returns {boolean}
   */
  _superseded(generation) {
    return this.closed || generation !== this._generation;
  }
  /** @private Apply the events received during the load, in order, and stop buffering. */
  _flush() {
    const events = this._pending || [];
    this._pending = null;
    for (const [action, data] of events) this.mapper.apply(action, data);
  }
};

// src/protocol.js
var VERSION = "0.1.0";
var PROTOCOL = 7;
var SERVER_TO_USER_PREFIX = "#server-to-user-";
function decodeData(data) {
  if (typeof data !== "string") return data;
  try {
    return JSON.parse(data);
  } catch (error) {
    return data;
  }
}
function isUserId(id) {
  return typeof id === "string" && id !== "" || typeof id === "number" && Number.isFinite(id);
}
function closeAction(code) {
  if (code === null) return "backoff";
  if (code === 4e3) return "tls";
  if (code >= 4001 && code <= 4099) return "refused";
  if (code >= 4100 && code <= 4199) return "fixed";
  if (code >= 4200 && code <= 4299) return "immediate";
  return "backoff";
}

// src/presence.js
var Members = class {
  constructor() {
    this.myID = null;
    this.count = 0;
    this.me = null;
    this._info = /* @__PURE__ */ Object.create(null);
  }
  /**
   * The member with this id, or null.
   * @param {string|number} id
   * @returns {Member|null}
   */
  get(id) {
    const key = String(id);
    return Object.prototype.hasOwnProperty.call(this._info, key) ? { id: key, info: this._info[key] } : null;
  }
  /**
   * Call `callback({id, info})` for every member.
   * @param {(member: Member) => void} callback
   */
  each(callback) {
    for (const id of Object.keys(this._info)) callback({ id, info: this._info[id] });
  }
  /**
   * Nobody: the subscription is gone.
   * @internal
   */
  _reset() {
    this.count = 0;
    this.me = null;
    this._info = /* @__PURE__ */ Object.create(null);
  }
  /**
   * The members the subscription's success listed.
   * @internal
   * @param {*} presence `{hash: {id: info}}`
   */
  _set(presence) {
    this._info = Object.assign(/* @__PURE__ */ Object.create(null), presence && presence.hash || {});
    this.count = Object.keys(this._info).length;
    this.me = this.myID === null ? null : this.get(this.myID);
  }
  /**
   * @internal
   * @param {string|number} userId
   * @param {*} info
   * @returns {Member}
   */
  _add(userId, info) {
    const id = String(userId);
    if (!this.get(id)) this.count += 1;
    this._info[id] = info;
    return { id, info };
  }
  /**
   * @internal
   * @param {string|number} userId
   * @returns {Member|null} the member removed, if there was one
   */
  _remove(userId) {
    const member = this.get(userId);
    if (member) {
      delete this._info[member.id];
      this.count -= 1;
    }
    return member;
  }
};
var PresenceChannel = class extends Channel {
  /**
   * @param {string} name
   * @param {ChannelHost} subscriptions The client's channels.
   */
  constructor(name, subscriptions) {
    super(name, subscriptions);
    this.members = new Members();
  }
  /** @internal */
  _reset() {
    super._reset();
    this.members._reset();
  }
  /**
   * @internal
   * @param {import('./auth.js').Authorization} answer
   */
  _authorized(answer) {
    let userId = null;
    if (typeof answer.channel_data === "string") {
      const channelData = decodeData(answer.channel_data);
      if (channelData && channelData.user_id !== void 0) userId = String(channelData.user_id);
    } else if (this._subscriptions.userId !== null) {
      userId = this._subscriptions.userId;
    }
    this.members.myID = userId;
  }
  /**
   * @protected
   * @param {*} data
   */
  _succeeded(data) {
    this.members._set(data && data.presence);
    this.subscribed = true;
    this._emit("pusher:subscription_succeeded", this.members);
  }
  /**
   * @internal
   * @param {Frame} frame
   */
  _handle(frame) {
    if (frame.event === "pusher_internal:member_added" || frame.event === "pusher_internal:member_removed") {
      const data = frame.data;
      const userId = data && typeof data === "object" ? data.user_id : void 0;
      if (!isUserId(userId)) return;
      if (frame.event === "pusher_internal:member_added") {
        this._emit("pusher:member_added", this.members._add(userId, data.user_info));
      } else {
        const member = this.members._remove(userId);
        if (member) this._emit("pusher:member_removed", member);
      }
    } else {
      super._handle(frame);
    }
  }
};

// src/config.js
var CONFIG_ELEMENT_ID = "realtime-config";
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
function clientOptions(config, options) {
  checkConfig(config);
  const unknownOptions = Object.keys(options || {}).filter((name) => !(name in DEFAULT_OPTIONS));
  if (unknownOptions.length) {
    throw new TypeError(
      `Realtime: unknown options ${unknownOptions.join(", ")}; known: ${Object.keys(DEFAULT_OPTIONS).join(", ")}`
    );
  }
  return { ...DEFAULT_OPTIONS, ...options };
}
function pageConfig() {
  const element = globalThis.document ? globalThis.document.getElementById(CONFIG_ELEMENT_ID) : null;
  if (!element) {
    throw new Error(
      `Realtime.connect(): no <script id="${CONFIG_ELEMENT_ID}"> on the page; render {% realtime_client %} in the template, or pass the config`
    );
  }
  return JSON.parse(
    /** @type {string} */
    element.textContent
  );
}
function pageLocation() {
  return globalThis.location && globalThis.location.host ? globalThis.location : null;
}
function socketUrl(config, page, forceTLS) {
  const pageTLS = Boolean(page) && /** @type {PageLocation} */
  page.protocol === "https:";
  let tls = forceTLS || config.forceTLS === true || pageTLS;
  let hostAndPort;
  if (config.wsHost) {
    const host = config.wsHost.includes(":") && !config.wsHost.startsWith("[") ? `[${config.wsHost}]` : config.wsHost;
    hostAndPort = `${host}:${tls ? config.wssPort || 443 : config.wsPort || 80}`;
  } else if (config.cluster) {
    tls = tls || config.forceTLS !== false;
    hostAndPort = `ws-${config.cluster}.pusher.com:${tls ? config.wssPort || 443 : config.wsPort || 80}`;
  } else if (page) {
    hostAndPort = page.host;
  } else {
    throw new TypeError(
      "Realtime: the config has neither wsHost nor cluster, and there is no page location to connect to (the embedded server serves sockets on the page's own host)"
    );
  }
  const path = (config.wsPath || "").replace(/\/$/, "");
  const query = `protocol=${PROTOCOL}&client=realtime-js&version=${VERSION}`;
  return `${tls ? "wss" : "ws"}://${hostAndPort}${path}/app/${encodeURIComponent(config.key)}?${query}`;
}
var HTTP_TRANSPORTS = ["xhr_streaming", "xhr_polling"];
function httpFallbacks(config) {
  const enabled = Array.isArray(config.enabledTransports) ? config.enabledTransports : [];
  return HTTP_TRANSPORTS.filter((name) => enabled.includes(name));
}
function httpSessionUrl(config, page, forceTLS) {
  const pageTLS = Boolean(page) && /** @type {PageLocation} */
  page.protocol === "https:";
  let tls = forceTLS || config.forceTLS === true || pageTLS;
  let hostAndPort;
  const named = config.httpHost || config.wsHost;
  if (named) {
    const host = named.includes(":") && !named.startsWith("[") ? `[${named}]` : named;
    const port = tls ? config.httpsPort || (config.httpHost ? 0 : config.wssPort) || 443 : config.httpPort || (config.httpHost ? 0 : config.wsPort) || 80;
    hostAndPort = `${host}:${port}`;
  } else if (config.cluster) {
    tls = tls || config.forceTLS !== false;
    hostAndPort = `sockjs-${config.cluster}.pusher.com:${tls ? config.httpsPort || 443 : config.httpPort || 80}`;
  } else if (page) {
    hostAndPort = page.host;
  } else {
    throw new TypeError("Realtime: the config has neither httpHost, wsHost nor cluster, and there is no page location");
  }
  const path = (config.httpPath || "/pusher").replace(/\/$/, "");
  const query = `protocol=${PROTOCOL}&client=realtime-js&version=${VERSION}`;
  return { base: `${tls ? "https" : "http"}://${hostAndPort}${path}/app/${encodeURIComponent(config.key)}`, query };
}

// src/http-socket.js
var SESSION_CHARACTERS = "0123456789abcdefghijklmnopqrstuv";
function sessionPath() {
  let session = "";
  for (let n = 0; n < 8; n += 1) session += SESSION_CHARACTERS[Math.floor(Math.random() * 32)];
  return `${Math.floor(Math.random() * 1e3)}/${session}`;
}
var HttpSocket = class {
  /**
   * Open a session: its first receive request starts at once.
   * @param {{base: string, query: string}} url From `httpSessionUrl()`.
   * @param {FetchFunction} fetchImpl
   * @param {boolean} streaming One response that stays open, else polls.
   */
  constructor(url, fetchImpl, streaming) {
    this._session = `${url.base}/${sessionPath()}`;
    this._query = url.query;
    this._fetch = fetchImpl;
    this._streaming = streaming;
    this._abort = new AbortController();
    this._sending = Promise.resolve();
    this.readyState = 0;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    this._receive();
  }
  /**
   * Send one frame (a JSON text) once the session is open.
   * @param {string} text
   */
  send(text) {
    if (this.readyState !== 1) return;
    const body = JSON.stringify([text]);
    this._sending = this._sending.then(() => this._post("xhr_send", body).then(
      (response) => {
        if (response.status !== 204) this._lost(`The server answered ${response.status} to a send`);
      },
      () => this._lost("A send failed")
    ));
  }
  /** Close the session: its requests are aborted (the server times the session out). */
  close() {
    this.readyState = 3;
    this._abort.abort();
  }
  /**
   * @private
   * @param {string} suffix
   * @param {string} [body]
   * @returns {Promise<Response>}
   */
  _post(suffix, body) {
    const url = `${this._session}/${suffix}?${suffix === "xhr_send" ? "" : `${this._query}&`}t=${Date.now()}`;
    return this._fetch(url, {
      method: "POST",
      body: body || "",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      signal: this._abort.signal
    });
  }
  /** @private Receive requests, one after the other, until the session closes. */
  async _receive() {
    while (this.readyState !== 3) {
      let response;
      try {
        response = await this._post(this._streaming ? "xhr_streaming" : "xhr");
      } catch (error) {
        this._lost("The HTTP session request failed");
        return;
      }
      if (response.status !== 200) {
        this._lost(`The server answered ${response.status} to the HTTP session request`);
        return;
      }
      try {
        if (this._streaming && response.body) await this._readStream(response.body);
        else this._lines(await response.text());
      } catch (error) {
        this._lost("The HTTP session response broke off");
        return;
      }
      if (this._streaming && this.readyState !== 3) {
        this._lost("The streaming response ended");
        return;
      }
    }
  }
  /**
   * @private
   * @param {ReadableStream<Uint8Array>} body
   */
  async _readStream(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let pending = "";
    while (this.readyState !== 3) {
      const { done, value } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      const end = pending.lastIndexOf("\n");
      if (end !== -1) {
        this._lines(pending.slice(0, end + 1));
        pending = pending.slice(end + 1);
      }
    }
  }
  /**
   * @private
   * @param {string} text Whole lines.
   */
  _lines(text) {
    for (const line of text.split("\n")) {
      if (this.readyState === 3) return;
      const kind = line[0];
      if (kind === "o") {
        if (this.readyState !== 0) {
          this._lost("The server lost the session");
          return;
        }
        this.readyState = 1;
      } else if (kind === "a") {
        for (const frame of JSON.parse(line.slice(1))) {
          if (this.onmessage) this.onmessage({ data: frame });
        }
      } else if (kind === "c") {
        const [code, reason] = JSON.parse(line.slice(1));
        this._closed(code, reason);
      }
    }
  }
  /**
   * @private The session is gone without a close line: an abnormal closure.
   * @param {string} reason
   */
  _lost(reason) {
    this._closed(1006, reason);
  }
  /**
   * @private
   * @param {number} code
   * @param {string} reason
   */
  _closed(code, reason) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this._abort.abort();
    if (this.onclose) this.onclose({ code, reason });
  }
};

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

// src/connection.js
var RECONNECT_BASE_DELAY = 1e3;
var BACKOFF_CLOSE_DELAY = 1e3;
function jitter(delay) {
  return delay / 2 + Math.random() * (delay / 2);
}
var Connection = class {
  /**
   * @param {Emitter} client Where the events go, and what `ready()` resolves with.
   * @param {RealtimeConfig} config
   * @param {ClientOptions} options
   * @param {ConnectionHooks} hooks
   */
  constructor(client, config, options, hooks) {
    this._client = client;
    this._config = config;
    this._options = options;
    this._hooks = hooks;
    this.state = "initialized";
    this.socketId = null;
    this.extensions = [];
    this._forceTLS = false;
    this._fallbacks = httpFallbacks(config);
    this._transport = 0;
    this.url = socketUrl(config, pageLocation(), false);
    this._socket = null;
    this._timers = new Timers();
    this.generation = 0;
    this._failures = 0;
    this.wanted = false;
    this._handshakeError = null;
    this._waiters = [];
    this._activityTimeout = options.activityTimeout;
    this._lastHeard = 0;
    this._onOnline = () => {
      if (this._timers.has("retry")) this._open();
    };
  }
  /**
   * Resolves with the client once connected (at once if it is); rejects with a
   * {@link ConnectionError} if the connection is refused for good or `disconnect()`
   * is called first.
   * @returns {Promise<Emitter>}
   */
  ready() {
    if (this.state === "connected") return Promise.resolve(this._client);
    if (!this.wanted) return Promise.reject(new ConnectionError("Realtime is disconnected", null));
    return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
  }
  /** Start connecting, unless the app wants a connection already. */
  connect() {
    if (this.wanted) return;
    this.wanted = true;
    if (typeof globalThis.addEventListener === "function") globalThis.addEventListener("online", this._onOnline);
    this._setState("connecting");
    this._startUnavailableTimer();
    this._open();
  }
  /** Close the connection and stop reconnecting. */
  disconnect() {
    const socket = this._socket;
    this._stop();
    if (socket) this._closeSocket(socket);
    this._connectionLost();
    this._setState("disconnected");
    this._rejectWaiters(new ConnectionError("Realtime.disconnect() was called", null));
  }
  /**
   * Connect again at once, to where the (changed) config says: the current socket, if
   * any, is closed, and what was subscribed on it is subscribed again on the new one
   * by the hooks. Without a wanted connection only the URL changes: the next
   * `connect()` goes there.
   */
  reopen() {
    this._forceTLS = false;
    this._transport = 0;
    this._failures = 0;
    if (!this.wanted) {
      this.url = socketUrl(this._config, pageLocation(), false);
      return;
    }
    const socket = this._socket;
    if (socket) this._closeSocket(socket);
    this._connectionLost();
    this._setState("connecting");
    this._startUnavailableTimer();
    this._open();
  }
  /** Whether the current connection's server replays missed events. */
  get recovers() {
    return this.extensions.includes(RECOVERY_EXTENSION);
  }
  /**
   * Send one frame on the open connection.
   * @param {Frame} frame
   * @returns {boolean} whether it went out
   */
  send(frame) {
    const socket = this._socket;
    if (!socket || this.socketId === null || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }
  /** @private Stop wanting a connection: no timers, no listener, no retries. */
  _stop() {
    this.wanted = false;
    this._timers.clearAll();
    if (typeof globalThis.removeEventListener === "function") globalThis.removeEventListener("online", this._onOnline);
  }
  /** @private */
  _open() {
    this._timers.clear("retry");
    const WebSocketImpl = this._options.WebSocket || globalThis.WebSocket;
    if (!WebSocketImpl && this._transport === 0 && this._fallbacks.length) this._transport = 1;
    if (this._transport > 0) {
      this._openHttp(this._fallbacks[this._transport - 1]);
      return;
    }
    if (!WebSocketImpl) {
      throw new TypeError("Realtime: no WebSocket here; pass options.WebSocket");
    }
    this.url = socketUrl(this._config, pageLocation(), this._forceTLS);
    let socket;
    try {
      socket = new WebSocketImpl(this.url);
    } catch (error) {
      this._stop();
      this._setState("disconnected");
      this._client._emit("error", { type: "WebSocketError", error });
      this._rejectWaiters(new ConnectionError(`Cannot open ${this.url}: ${/** @type {Error} */
      error.message}`, null));
      return;
    }
    this._watch(socket);
  }
  /**
   * @private Open an HTTP session of the fallback `name` ("xhr_streaming" or "xhr_polling").
   * @param {string} name
   */
  _openHttp(name) {
    const fetchImpl = this._options.fetch || ((url2, init) => globalThis.fetch(url2, init));
    const url = httpSessionUrl(this._config, pageLocation(), this._forceTLS);
    this.url = `${url.base}?${url.query}`;
    const session = new HttpSocket(url, fetchImpl, name === "xhr_streaming");
    this._watch(
      /** @type {WebSocket} */
      /** @type {unknown} */
      session
    );
  }
  /**
   * @private Make `socket` the current one: its frames, its close, the handshake timer.
   * @param {WebSocket} socket
   */
  _watch(socket) {
    this._socket = socket;
    this._handshakeError = null;
    socket.onmessage = (event) => this._receive(socket, event.data);
    socket.onclose = (event) => this._closed(socket, event.code, event.reason);
    socket.onerror = () => {
      this._closeSocket(socket);
      this._closed(socket, 1006, "WebSocket error");
    };
    this._timers.set("connect", this._options.connectTimeout, () => {
      this._abandon(socket, "backoff", "The server did not complete the handshake in time");
    });
  }
  /**
   * @private Give up on a socket without waiting for its close handshake.
   * @param {WebSocket} socket
   * @param {CloseAction} action
   * @param {string} reason
   */
  _abandon(socket, action, reason) {
    this._closeSocket(socket);
    this._closed(socket, null, reason, action);
  }
  /**
   * @private
   * @param {WebSocket} socket
   */
  _closeSocket(socket) {
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
    try {
      socket.close(1e3);
    } catch (error) {
    }
  }
  /**
   * @private The current socket closed (or was abandoned); decide what comes next.
   * @param {WebSocket} socket
   * @param {number|null} code
   * @param {string} reason
   * @param {CloseAction} [action]
   */
  _closed(socket, code, reason, action) {
    if (socket !== this._socket) return;
    const established = this.socketId !== null;
    this._connectionLost();
    this._nextTransport(established, code);
    if (!this.wanted) return;
    const handshakeError = this._handshakeError;
    const effective = code !== null && code >= 4e3 || !handshakeError ? code : handshakeError.code;
    const decided = action || closeAction(effective);
    if (decided === "tls" && !this._forceTLS && !this.url.startsWith("wss:")) {
      this._forceTLS = true;
      this._retryIn(0);
    } else if (decided === "refused" || decided === "tls") {
      if (!handshakeError || handshakeError.code !== effective) {
        this._client._emit("error", { type: "PusherError", data: { code: effective, message: reason || "" } });
      }
      this._stop();
      this._setState("disconnected");
      this._rejectWaiters(new ConnectionError(`The server refused the connection (${effective}): ${reason || ""}`, effective));
    } else {
      let delay;
      if (decided === "immediate" && established) delay = 0;
      else if (decided === "fixed") delay = BACKOFF_CLOSE_DELAY * (1 + Math.random() / 4);
      else delay = jitter(Math.min(this._options.maxReconnectDelay, RECONNECT_BASE_DELAY * 2 ** this._failures));
      this._failures += 1;
      if (this.state === "connected") {
        this._setState("connecting");
        this._startUnavailableTimer();
      }
      this._retryIn(delay);
    }
  }
  /**
   * @private After a lost connection: a WebSocket first again if it was established;
   * if it never was (and the server did not refuse it), the next transport.
   * @param {boolean} established
   * @param {number|null} code
   */
  _nextTransport(established, code) {
    if (established) this._transport = 0;
    else if (code === null || code < 4e3) this._transport = (this._transport + 1) % (this._fallbacks.length + 1);
  }
  /** @private Forget the socket and everything that belonged to it. */
  _connectionLost() {
    this._socket = null;
    this.socketId = null;
    this.extensions = [];
    for (const name of ["connect", "activity", "pong"]) this._timers.clear(name);
    this._hooks.lost();
  }
  /**
   * @private
   * @param {number} delay
   */
  _retryIn(delay) {
    this._timers.set("retry", delay, () => this._open());
  }
  /** @private */
  _startUnavailableTimer() {
    this._timers.set("unavailable", this._options.unavailableTimeout, () => {
      if (this.state === "connecting") this._setState("unavailable");
    });
  }
  /**
   * @private
   * @param {ConnectionState} current
   * @param {Object} [extra] More fields for the event named after the state.
   */
  _setState(current, extra) {
    const previous = this.state;
    if (previous === current) return;
    this.state = current;
    this._client._emit("state_change", { previous, current });
    this._client._emit(current, { previous, current, ...extra });
  }
  /**
   * @private
   * @param {ConnectionError} error
   */
  _rejectWaiters(error) {
    const waiters = this._waiters;
    this._waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
  /**
   * @private After any frame: the server is alive; ping after the next silence.
   * @param {WebSocket} socket
   */
  _heardFromServer(socket) {
    this._lastHeard = Date.now();
    this._timers.clear("pong");
    if (this.socketId !== null && !this._timers.has("activity")) this._watchActivity(socket, this._activityTimeout);
  }
  /**
   * @private One timer per silence, not one per frame: it re-arms for what is left.
   * @param {WebSocket} socket
   * @param {number} delay
   */
  _watchActivity(socket, delay) {
    this._timers.set("activity", delay, () => {
      const silence = Date.now() - this._lastHeard;
      if (silence < this._activityTimeout) {
        this._watchActivity(socket, this._activityTimeout - silence);
        return;
      }
      this.send({ event: "pusher:ping", data: {} });
      this._timers.set("pong", this._options.pongTimeout, () => {
        this._abandon(socket, "immediate", "No pong from the server in time");
      });
    });
  }
  /**
   * @private
   * @param {WebSocket} socket
   * @param {*} text
   */
  _receive(socket, text) {
    if (socket !== this._socket) return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      this._client._emit("error", { type: "MessageParseError", error: String(error), data: text });
      return;
    }
    if (!frame || typeof frame.event !== "string") return;
    frame.data = decodeData(frame.data);
    this._heardFromServer(socket);
    switch (frame.event) {
      case "pusher:connection_established":
        this._established(socket, frame.data);
        break;
      case "pusher:error":
        this._serverError(frame.data);
        break;
      case "pusher:ping":
        this.send({ event: "pusher:pong", data: {} });
        break;
      default:
        this._hooks.frame(frame);
    }
    this._client._emit("message", frame);
  }
  /**
   * @private
   * @param {WebSocket} socket
   * @param {*} data
   */
  _established(socket, data) {
    if (!data || typeof data.socket_id !== "string") {
      this._abandon(socket, "backoff", "Invalid handshake: no socket_id");
      return;
    }
    this._timers.clear("connect");
    this._timers.clear("unavailable");
    this.socketId = data.socket_id;
    this.extensions = Array.isArray(data.extensions) ? data.extensions.filter((name) => typeof name === "string") : [];
    this.generation += 1;
    this._failures = 0;
    this._handshakeError = null;
    const serverTimeout = Number(data.activity_timeout) * 1e3;
    this._activityTimeout = serverTimeout > 0 ? Math.min(this._options.activityTimeout, serverTimeout) : this._options.activityTimeout;
    this._heardFromServer(socket);
    this._hooks.established();
    const waiters = this._waiters;
    this._waiters = [];
    for (const waiter of waiters) waiter.resolve(this._client);
    this._setState("connected", { socketId: this.socketId });
  }
  /**
   * @private
   * @param {*} data
   */
  _serverError(data) {
    const error = { code: data && data.code !== void 0 ? data.code : null, message: data && data.message || "" };
    if (this.socketId === null) this._handshakeError = error;
    this._client._emit("error", { type: "PusherError", data: error });
    this._hooks.serverError(error);
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

// src/http.js
function isSameOrigin(url) {
  const page = pageLocation();
  if (!page || !page.origin) return true;
  try {
    return new URL(String(url), page.href).origin === page.origin;
  } catch (error) {
    return false;
  }
}
var HttpClient = class {
  /**
   * @param {RealtimeConfig} config Its `channelAuthorization.headers` carry the CSRF header.
   * @param {FetchFunction|null} fetchImpl The `fetch` option, else the global fetch.
   * @param {() => string|null} socketId The current connection's socket id.
   * @param {(response: Response) => void} [answered] Sees every answer (the
   *   deployment it names: see deployment.js).
   */
  constructor(config, fetchImpl, socketId, answered) {
    this._config = config;
    this._fetch = fetchImpl;
    this._socketId = socketId;
    this._answered = answered || null;
  }
  /**
   * `fetch()` with `X-Socket-ID` and the configured CSRF header(s) on same-origin
   * URLs, and cookies (`credentials: 'same-origin'`).
   * @param {string|URL|Request} url
   * @param {RequestInit} [options]
   * @returns {Promise<Response>}
   */
  fetch(url, options = {}) {
    const request = url !== null && typeof url === "object" && typeof /** @type {Request} */
    url.url === "string" ? (
      /** @type {Request} */
      url
    ) : null;
    const headers = new Headers(options.headers || request && request.headers || {});
    if (isSameOrigin(request ? request.url : (
      /** @type {string|URL} */
      url
    ))) {
      const extra = this._config.channelAuthorization && this._config.channelAuthorization.headers || {};
      for (const [name, value] of Object.entries(extra)) if (!headers.has(name)) headers.set(name, value);
      const socketId = this._socketId();
      if (socketId !== null) headers.set("X-Socket-ID", socketId);
    }
    return this.raw(url, { credentials: "same-origin", ...options, headers });
  }
  /**
   * The configured (or global) fetch, as it is (each answer is shown to `answered`).
   * @param {string|URL|Request} url
   * @param {RequestInit} init
   * @returns {Promise<Response>}
   */
  raw(url, init) {
    let answer;
    if (this._fetch) answer = this._fetch(url, init);
    else if (typeof globalThis.fetch !== "function") throw new TypeError("Realtime: no fetch here; pass options.fetch");
    else answer = globalThis.fetch(url, init);
    const answered = this._answered;
    if (!answered) return answer;
    return answer.then((response) => {
      answered(response);
      return response;
    });
  }
};

// src/routers.js
var LIST_PARAMETERS = ["ordering", "page", "page_size"];
var EXCLUDE_SELF_HEADER = "X-Realtime-Exclude-Self";
function queryString(params, what) {
  if (params === void 0 || params === null) return "";
  if (typeof params !== "object" || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === void 0) continue;
    if (value === null || typeof value === "object" || typeof value === "function") {
      throw new TypeError(`${what}: parameter ${name} must be a string, number or boolean`);
    }
    query.append(name, String(value));
  }
  return query.toString();
}
function filtersOf(params, what) {
  if (params === void 0 || params === null) return {};
  if (typeof params !== "object" || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
  const filters = {};
  for (const [name, value] of Object.entries(params)) {
    if (!LIST_PARAMETERS.includes(name) && value !== void 0) filters[name] = value;
  }
  return filters;
}
function routeKey(route, filters) {
  const names = Object.keys(filters).sort();
  return `${route}?${names.map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(filters[name]))}`).join("&")}`;
}
function checkOptions(options, known, what) {
  if (options === void 0 || options === null) return {};
  if (typeof options !== "object") throw new TypeError(`${what}: options must be an object`);
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length) throw new TypeError(`${what}: unknown options ${unknown.join(", ")}; known: ${known.join(", ")}`);
  return options;
}
var Routers = class {
  /**
   * @param {Emitter} client Its `disconnected` event rejects the subscriptions waiting.
   * @param {RealtimeConfig} config Its `routers` has the URLs.
   * @param {Connection} connection
   * @param {HttpClient} http
   * @param {Subscriptions} subscriptions
   */
  constructor(client, config, connection, http, subscriptions) {
    this._client = client;
    this._config = config;
    this._connection = connection;
    this._http = http;
    this._subscriptions = subscriptions;
    this._routeSubscriptions = /* @__PURE__ */ new Map();
  }
  /**
   * One page of a router's list.
   * @param {string} route
   * @param {RouteParams} [params]
   * @returns {Promise<ListPage>}
   */
  async getList(route, params) {
    return this._request("GET", this._routerUrl("objects", route, params));
  }
  /**
   * One object by primary key.
   * @param {string} route
   * @param {string|number} pk
   * @returns {Promise<Object<string, *>>}
   */
  async getSingle(route, pk) {
    return this._request("GET", this._objectUrl(route, pk));
  }
  /**
   * @param {string} route
   * @param {Object<string, *>} data
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async create(route, data, options) {
    const { excludeSelf } = checkOptions(options, ["excludeSelf"], "create()");
    return this._request("POST", this._routerUrl("objects", route), data, excludeSelf);
  }
  /**
   * @param {string} route
   * @param {string|number} pk
   * @param {Object<string, *>} data
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async update(route, pk, data, options) {
    const { excludeSelf } = checkOptions(options, ["excludeSelf"], "update()");
    return this._request("PATCH", this._objectUrl(route, pk), data, excludeSelf);
  }
  /**
   * @param {string} route
   * @param {string|number} pk
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async delete(route, pk, options) {
    const { excludeSelf } = checkOptions(options, ["excludeSelf"], "delete()");
    return this._request("DELETE", this._objectUrl(route, pk), void 0, excludeSelf);
  }
  /**
   * Subscribe to the channel the router names for these filters; resolves once the
   * server confirmed the subscription.
   * @param {string} route
   * @param {RouteParams} params
   * @returns {Promise<Channel>}
   */
  async subscribe(route, params) {
    const filters = filtersOf(params, "subscribe()");
    const url = this._routerUrl("subscriptions", route, filters);
    const key = routeKey(route, filters);
    let subscription = this._routeSubscriptions.get(key);
    if (!subscription) {
      subscription = { name: null, cancelled: false };
      this._routeSubscriptions.set(key, subscription);
    }
    let answer;
    try {
      answer = await this._request("GET", url);
      if (!answer || typeof answer.channel !== "string") {
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
    return this._whenSubscribed(this._subscriptions.subscribe(answer.channel));
  }
  /**
   * Leave the channel `subscribe(route, params)` joined, even while it is being set up.
   * @param {string} route
   * @param {RouteParams} params
   */
  unsubscribe(route, params) {
    const key = routeKey(route, filtersOf(params, "unsubscribe()"));
    const subscription = this._routeSubscriptions.get(key);
    if (!subscription) return;
    this._routeSubscriptions.delete(key);
    subscription.cancelled = true;
    if (subscription.name !== null) this._subscriptions.unsubscribe(subscription.name);
  }
  /**
   * A list kept in sync (see `Realtime#live`).
   * @param {string} route
   * @param {RouteParams} [params]
   * @param {LiveOptions} [options]
   * @returns {Promise<LiveList>}
   */
  async live(route, params, options) {
    const { key } = checkOptions(options, ["key"], "live()");
    const filters = filtersOf(params, "live()");
    const listParams = { ...params };
    delete listParams.page;
    const channel = await this.subscribe(route, filters);
    const list = new LiveList(this, route, filters, listParams, channel, key || "id");
    try {
      await list.refresh();
    } catch (error) {
      list.close();
      throw error;
    }
    return list;
  }
  /**
   * @private Resolves with `channel` once the server confirmed it; rejects with the
   * subscription error, a ConnectionError when the client is disconnected first, or
   * an Error when the channel is unsubscribed first.
   * @param {Channel} channel
   * @returns {Promise<Channel>}
   */
  _whenSubscribed(channel) {
    if (channel.subscribed) return Promise.resolve(channel);
    if (!this._connection.wanted) return Promise.reject(new ConnectionError("Realtime is disconnected", null));
    const client = this._client;
    return new Promise((resolve, reject) => {
      const settle = (outcome, value) => {
        channel.unbind("pusher:subscription_succeeded", succeeded);
        channel.unbind("pusher:subscription_error", failed);
        client.unbind("disconnected", disconnected);
        channel._onUnsubscribe.delete(unsubscribed);
        outcome(value);
      };
      const succeeded = () => settle(resolve, channel);
      const failed = (error) => {
        const reason = error instanceof Error ? error : new AuthError(error && error.status || 0, error && error.error || `Could not subscribe to ${channel.name}`);
        settle(reject, reason);
      };
      const disconnected = () => settle(reject, new ConnectionError(`Disconnected before ${channel.name} was subscribed`, null));
      const unsubscribed = () => settle(reject, new Error(`unsubscribe() came before the subscription to ${channel.name} was made`));
      channel.bind("pusher:subscription_succeeded", succeeded);
      channel.bind("pusher:subscription_error", failed);
      client.bind("disconnected", disconnected);
      channel._onUnsubscribe.add(unsubscribed);
    });
  }
  /**
   * @private The URL of a route's list (`kind` "objects") or channels ("subscriptions").
   * @param {'objects'|'subscriptions'} kind
   * @param {string} route
   * @param {RouteParams} [params]
   * @returns {string}
   */
  _routerUrl(kind, route, params) {
    const base = this._config.routers && this._config.routers[kind];
    if (typeof base !== "string" || !base) {
      throw new TypeError(
        `Realtime: the config has no routers.${kind} URL; render the config with {% realtime_client %} (with path('realtime/', include('realtime_core.urls')) in the URLconf) or set config.routers`
      );
    }
    if (typeof route !== "string" || !route) throw new TypeError('A route name is needed, e.g. "todo-item"');
    const url = `${base.endsWith("/") ? base : `${base}/`}${encodeURIComponent(route)}/`;
    const query = queryString(params, route);
    return query ? `${url}?${query}` : url;
  }
  /**
   * @private The URL of one object of a route.
   * @param {string} route
   * @param {string|number} pk
   * @returns {string}
   */
  _objectUrl(route, pk) {
    if (typeof pk !== "string" && typeof pk !== "number" || pk === "") {
      throw new TypeError(`${route}: the primary key must be a string or a number, not ${pk}`);
    }
    return `${this._routerUrl("objects", route)}${encodeURIComponent(String(pk))}/`;
  }
  /**
   * @private One router request: JSON in and out; a RouterError unless it succeeded.
   * @param {string} method
   * @param {string} url
   * @param {*} [data] The body, sent as JSON.
   * @param {boolean} [excludeSelf]
   * @returns {Promise<*>} the decoded answer
   */
  async _request(method, url, data, excludeSelf) {
    const headers = { Accept: "application/json" };
    const init = { method, headers };
    if (data !== void 0) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(data);
    }
    if (excludeSelf) headers[EXCLUDE_SELF_HEADER] = "1";
    let response;
    let text;
    try {
      response = await this._http.fetch(url, init);
      text = await response.text();
    } catch (error) {
      throw new RouterError(0, `Could not reach ${url}: ${reasonOf(error)}`);
    }
    let answer;
    let decoded = true;
    try {
      answer = JSON.parse(text);
    } catch (error) {
      decoded = false;
    }
    if (!response.ok) {
      const body = decoded && answer && typeof answer === "object" ? answer : {};
      const message = typeof body.error === "string" ? body.error : `${method} ${url} answered ${response.status}${quotedBody(text)}`;
      const errors = body.errors && typeof body.errors === "object" ? body.errors : {};
      throw new RouterError(response.status, message, errors);
    }
    if (!decoded) {
      throw new RouterError(response.status, `${method} ${url} did not answer JSON`);
    }
    return answer;
  }
};

// src/auth.js
async function authorize(http, settings, what, params) {
  if (!settings || !settings.endpoint) throw new AuthError(0, `No ${what}.endpoint in the Realtime config`);
  const endpoint = settings.endpoint;
  let response;
  let text;
  try {
    response = await http.raw(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", ...settings.headers },
      body: new URLSearchParams(params).toString(),
      credentials: "same-origin"
    });
    text = await response.text();
  } catch (error) {
    throw new AuthError(0, `Could not reach ${endpoint}: ${reasonOf(error)}`);
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
  if (!answer || typeof answer.auth !== "string") {
    throw new AuthError(200, `${endpoint} did not answer JSON with an "auth" string${quotedBody(text)}`);
  }
  return answer;
}

// src/subscriptions.js
var Subscriptions = class {
  /**
   * @param {Connection} connection
   * @param {RealtimeConfig} config Its `channelAuthorization` endpoint signs.
   * @param {HttpClient} http
   * @param {User} user Presence channels name the signed-in user when the
   *   authorization does not.
   */
  constructor(connection, config, http, user) {
    this._connection = connection;
    this._config = config;
    this._http = http;
    this._user = user;
    this._channels = /* @__PURE__ */ new Map();
  }
  /** Whether the current connection's server replays missed events. */
  get recovers() {
    return this._connection.recovers;
  }
  /**
   * The signed-in user's id, else null.
   * @returns {string|null}
   */
  get userId() {
    return this._user.id;
  }
  /**
   * Send a frame on the current connection.
   * @param {Frame} frame
   * @returns {boolean} whether it went out
   */
  send(frame) {
    return this._connection.send(frame);
  }
  /**
   * The channel of this name, subscribing now or once connected; the same name gives
   * the same Channel.
   * @param {string} name
   * @returns {Channel|PresenceChannel}
   */
  subscribe(name) {
    if (typeof name !== "string" || !name) throw new TypeError("subscribe() needs a channel name");
    if (name.startsWith("private-encrypted-")) {
      throw new TypeError(`${name}: end-to-end encrypted channels need pusher-js/with-encryption`);
    }
    if (name.startsWith(SERVER_TO_USER_PREFIX)) {
      throw new TypeError(`${name}: call signin() and bind events on realtime.user instead`);
    }
    let channel = this._channels.get(name);
    if (!channel) {
      channel = name.startsWith("presence-") ? new PresenceChannel(name, this) : new Channel(name, this);
      this._channels.set(name, channel);
    }
    if (this._connection.socketId !== null && !channel.subscribed && !channel._requested) this.request(channel);
    return channel;
  }
  /**
   * Leave a channel: its events stop, and the promises waiting for it reject.
   * @param {string} name
   */
  unsubscribe(name) {
    const channel = this._channels.get(name);
    if (!channel) return;
    this._channels.delete(name);
    if (channel.subscribed || channel._requested) this.send({ event: "pusher:unsubscribe", data: { channel: name } });
    channel._reset();
    for (const unsubscribed of [...channel._onUnsubscribe]) unsubscribed();
  }
  /**
   * @param {string} name
   * @returns {Channel|PresenceChannel|undefined}
   */
  get(name) {
    return this._channels.get(name);
  }
  /** @returns {Array<Channel|PresenceChannel>} */
  all() {
    return [...this._channels.values()];
  }
  /** A connection was established: subscribe every channel on it. */
  established() {
    for (const channel of this._channels.values()) this.request(channel);
  }
  /** The connection is gone, with every subscription. */
  lost() {
    for (const channel of this._channels.values()) channel._reset();
  }
  /**
   * A frame for a channel: handed to it, if it is one of ours.
   * @param {Frame} frame
   */
  route(frame) {
    const channel = this._channels.get(
      /** @type {string} */
      frame.channel
    );
    if (channel) channel._handle(frame);
  }
  /**
   * Send pusher:subscribe on the current connection, authorizing first if needed.
   * @param {Channel} channel
   * @returns {Promise<void>}
   */
  async request(channel) {
    const connection = this._connection;
    const generation = connection.generation;
    channel._requested = true;
    const data = { channel: channel.name };
    if (channel.requiresAuth) {
      let answer;
      try {
        answer = await authorize(this._http, this._config.channelAuthorization, "channelAuthorization", {
          socket_id: (
            /** @type {string} */
            connection.socketId
          ),
          channel_name: channel.name
        });
      } catch (error) {
        if (this._isCurrent(channel, generation)) channel._failed(error);
        return;
      }
      if (!this._isCurrent(channel, generation)) return;
      data.auth = answer.auth;
      if (answer.channel_data !== void 0) data.channel_data = answer.channel_data;
      channel._authorized(answer);
    }
    if (connection.recovers && channel.position !== null) {
      data.position = channel.position;
      channel._recoveryFrom = channel.position;
    }
    this.send({ event: "pusher:subscribe", data });
  }
  /**
   * @private Whether an answer that took a while still concerns the live connection.
   * @param {Channel} channel
   * @param {number} generation
   * @returns {boolean}
   */
  _isCurrent(channel, generation) {
    const connection = this._connection;
    return connection.generation === generation && connection.socketId !== null && this._channels.get(channel.name) === channel;
  }
};

// src/user.js
var User = class extends Emitter {
  constructor() {
    super();
    this.id = null;
    this.info = null;
    this.data = null;
    this.signedIn = false;
    this.watchlist = new Emitter();
  }
  /**
   * The connection is gone: signed out until the next sign-in.
   * @internal
   */
  _reset() {
    this.signedIn = false;
  }
};
var SignIn = class {
  /**
   * @param {User} user
   * @param {Connection} connection
   * @param {RealtimeConfig} config Its `userAuthentication` endpoint signs.
   * @param {HttpClient} http
   */
  constructor(user, connection, config, http) {
    this._user = user;
    this._connection = connection;
    this._config = config;
    this._http = http;
    this._wanted = false;
    this._sent = false;
  }
  /**
   * Sign in now (or once connected) and after every reconnect: `realtime.signin()`.
   * @returns {User}
   */
  start() {
    if (!this._wanted) {
      this._wanted = true;
      if (this._connection.socketId !== null) this._signIn();
    }
    return this._user;
  }
  /** A connection was established: sign in on it, if wanted. */
  established() {
    if (this._wanted) this._signIn();
  }
  /** The connection is gone, and the sign-in with it. */
  lost() {
    this._sent = false;
    this._user._reset();
  }
  /**
   * The server's `pusher:error`: a 4009 answers an unanswered sign-in.
   * @param {ServerError} error
   */
  serverError(error) {
    if (this._sent && !this._user.signedIn && error.code === 4009) {
      this._sent = false;
      this._user._emit("pusher:signin_error", { type: "PusherError", data: error });
    }
  }
  /**
   * `pusher:signin_success`: signed in; subscribe to the user's events.
   * @param {*} data
   */
  succeeded(data) {
    const userData = decodeData(data && data.user_data);
    if (!userData || !isUserId(userData.id)) return;
    this._sent = false;
    Object.assign(this._user, { id: String(userData.id), info: userData.user_info === void 0 ? null : userData.user_info, data: userData, signedIn: true });
    this._connection.send({ event: "pusher:subscribe", data: { channel: SERVER_TO_USER_PREFIX + this._user.id } });
    this._user._emit("pusher:signin_success", userData);
  }
  /**
   * `pusher_internal:watchlist_events`: each event on the user's watchlist, by name.
   * @param {*} data `{events: [{name, user_ids}, ...]}`
   */
  watchlistEvents(data) {
    const events = data && Array.isArray(data.events) ? data.events : [];
    for (const event of events) {
      if (event && typeof event.name === "string") this._user.watchlist._emit(event.name, event);
    }
  }
  /**
   * A frame on a `#server-to-user-` channel: emitted on the user if it is this user's.
   * @param {Frame} frame
   */
  deliver(frame) {
    if (this._user.id !== null && frame.channel === SERVER_TO_USER_PREFIX + this._user.id && !frame.event.startsWith("pusher")) {
      this._user._emit(frame.event, frame.data, {});
    }
  }
  /** @private */
  async _signIn() {
    const connection = this._connection;
    const generation = connection.generation;
    let answer;
    try {
      answer = await authorize(this._http, this._config.userAuthentication, "userAuthentication", {
        socket_id: (
          /** @type {string} */
          connection.socketId
        )
      });
      if (typeof answer.user_data !== "string") {
        throw new AuthError(200, `${/** @type {import('./config.js').AuthEndpoint} */
        this._config.userAuthentication.endpoint} answered no "user_data" string`);
      }
    } catch (error) {
      if (connection.generation === generation && connection.socketId !== null) this._user._emit("pusher:signin_error", error);
      return;
    }
    if (connection.generation !== generation || connection.socketId === null) return;
    this._sent = connection.send({ event: "pusher:signin", data: { auth: answer.auth, user_data: answer.user_data } });
  }
};

// src/realtime.js
var Realtime = class _Realtime extends Emitter {
  /**
   * Create the client and start connecting.
   * @param {RealtimeConfig} config
   * @param {RealtimeOptions} [options]
   */
  constructor(config, options) {
    super();
    const checked = clientOptions(config, options);
    this.config = config;
    this.backend = config.backend || null;
    this.user = new User();
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
      serverError: (error) => this._signin.serverError(error)
    });
    const http = new HttpClient(
      config,
      checked.fetch,
      () => this._connection.socketId,
      (response) => this._deployment.observed(response)
    );
    this._http = http;
    this._deployment = new DeploymentWatch(
      config,
      (url, init) => http.raw(url, init),
      checked.deploymentCheckInterval,
      (fresh) => this._moveTo(fresh),
      (error) => this._emit("error", { type: "DeploymentError", error })
    );
    this.bind("state_change", (change) => {
      if (change.previous === "connected" && change.current === "connecting" || change.current === "unavailable") {
        this._deployment.check();
      }
    });
    this._subscriptions = new Subscriptions(this._connection, config, http, this.user);
    this._signin = new SignIn(this.user, this._connection, config, http);
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
    return new _Realtime(config === void 0 || config === null ? _Realtime.pageConfig() : config, options);
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
    return (
      /** @type {Promise<Realtime>} */
      this._connection.ready()
    );
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
    if (params !== void 0) return this._routers.subscribe(name, params);
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
    if (params !== void 0) this._routers.unsubscribe(name, params);
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
    const config = (
      /** @type {Record<string, *>} */
      /** @type {unknown} */
      this.config
    );
    const previous = (
      /** @type {string} */
      this._deployment.id
    );
    for (const key of Object.keys(config)) delete config[key];
    Object.assign(config, fresh);
    this.backend = this.config.backend || null;
    const change = { previous, current: (
      /** @type {string} */
      this._deployment.id
    ), config: this.config };
    this._emit("deployment_change", change);
    this._connection.reopen();
  }
  /**
   * @private A frame that is not about the connection: the sign-in's answer, the
   * user's watchlist or events, or a channel's.
   * @param {Frame} frame
   */
  _dispatch(frame) {
    if (frame.event === "pusher:signin_success") this._signin.succeeded(frame.data);
    else if (frame.event === "pusher_internal:watchlist_events") this._signin.watchlistEvents(frame.data);
    else if (typeof frame.channel !== "string") return;
    else if (frame.channel.startsWith(SERVER_TO_USER_PREFIX)) this._signin.deliver(frame);
    else this._subscriptions.route(frame);
  }
};
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

// A static object literal: Node reads these names, so ES modules can import them by name.
if (typeof module === 'object' && module && module.exports) {
  module.exports = { AuthError, Channel, ConnectionError, DataMapper, LiveList, Members, PresenceChannel, Realtime, RouterError, User, VERSION };
} else {
  root.Realtime = Realtime;
}
})(typeof globalThis !== 'undefined' ? globalThis : this);
