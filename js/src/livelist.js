/** A router's list kept in sync: loaded whole, then changed by the channel's events. */

import { DataMapper } from './datamapper.js';
import { reportLater } from './emitter.js';
import { RouterError } from './errors.js';
import { RECOVERY_EVENT } from './recovery.js';

/** @typedef {import('./channel.js').Channel} Channel */
/** @typedef {import('./routers.js').RouteParams} RouteParams */
/** @typedef {import('./routers.js').ListPage} ListPage */

/** Times live() loads a multi-page list again when it changed during the load. */
const LIVE_LOAD_ATTEMPTS = 3;

/**
 * What a live list needs of the routers.
 * @typedef {Object} ListSource
 * @property {(route: string, params: RouteParams) => Promise<ListPage>} getList
 * @property {(route: string, params: RouteParams) => void} unsubscribe
 */

/** @typedef {'created'|'updated'|'deleted'} Action */

/**
 * A router's list kept in sync, from `realtime.live(route, params)`: `items` (always
 * the same array, changed in place by `mapper`), `mapper` (its DataMapper: bind
 * `onChange` to re-render), `channel` (the subscription), `refresh()` and `close()`.
 *
 * Objects created elsewhere are appended (the list is in the server's order only
 * right after a load); sort `items` in the page if the order matters.
 */
export class LiveList {
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
    /** The route name. */
    this.route = route;
    /** The list parameters (filters, ordering, page_size) every load uses. */
    this.params = params;
    /**
     * The objects, kept in step by `mapper`.
     * @type {Array<Object<string, *>>}
     */
    this.items = [];
    /** The DataMapper that changes `items`. */
    this.mapper = new DataMapper(this.items, { key });
    /** The subscription. */
    this.channel = channel;
    /** Whether close() was called. */
    this.closed = false;
    /** @private */
    this._client = client;
    /** @private */
    this._filters = filters;
    /**
     * @private events received while a load is under way, else null
     * @type {Array<[Action, *]>|null}
     */
    this._pending = null;
    /** @private loads started so far: only the newest one's result is applied */
    this._generation = 0;
    /**
     * @private the newest load's promise
     * @type {Promise<Array<Object<string, *>>>|null}
     */
    this._latest = null;
    /**
     * @private
     * @type {Array<[string, (data: *) => void]>}
     */
    this._handlers = /** @type {const} */ (['created', 'updated', 'deleted']).map((action) => [
      action,
      (/** @type {*} */ data) => {
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
   * @returns {Promise<Array<Object<string, *>>>} `items`, once the newest load is applied;
   *   rejects with a {@link RouterError} (the items stay as they were, with the
   *   events received meanwhile applied).
   */
  refresh() {
    if (this.closed) return Promise.reject(new Error(`This live list of ${this.route} is closed`));
    const generation = ++this._generation;
    if (this._pending === null) this._pending = [];
    /** @type {Promise<Array<Object<string, *>>>} */
    const run = this._load(generation).then(
      (items) => {
        if (this.closed) return this.items;
        if (generation !== this._generation) return /** @type {Promise<Array<Object<string, *>>>} */ (this._latest); // a newer load decides
        this.mapper.reset(/** @type {Array<Object<string, *>>} */ (items));
        this._flush();
        return this.items;
      },
      (error) => {
        if (this.closed) return this.items;
        if (generation !== this._generation) return /** @type {Promise<Array<Object<string, *>>>} */ (this._latest);
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

  /**
   * @private Every page; again (a few times) if events arrived during a multi-page load.
   * @param {number} generation
   * @returns {Promise<Array<Object<string, *>>|null>} null once a newer load or close() came
   */
  async _load(generation) {
    for (let attempt = 1; ; attempt += 1) {
      const heard = /** @type {Array<[Action, *]>} */ (this._pending).length;
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
      if (pages === 1 || /** @type {Array<[Action, *]>} */ (this._pending).length === heard || attempt >= LIVE_LOAD_ATTEMPTS) return items;
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
}
