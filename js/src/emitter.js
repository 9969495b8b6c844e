/** Named events with callbacks: the base of the client, its channels and its user. */

/**
 * A callback bound to one event: `data` (decoded), and `metadata` (`user_id` of the
 * sender, for client events on presence channels).
 * @callback EventCallback
 * @param {*} data
 * @param {*} [metadata]
 * @returns {void}
 */

/**
 * A callback bound to every event.
 * @callback GlobalCallback
 * @param {string} event
 * @param {*} data
 * @param {*} [metadata]
 * @returns {void}
 */

/**
 * Rethrow a callback's error outside the dispatch loop, so the other callbacks still run.
 * @param {*} error
 */
export function reportLater(error) {
  setTimeout(() => {
    throw error;
  }, 0);
}

/** Named events with callbacks; the base of the client, channels and the user. */
export class Emitter {
  constructor() {
    /**
     * @private
     * @type {Map<string, Array<{callback: EventCallback, context: *}>>}
     */
    this._callbacks = new Map();
    /**
     * @private
     * @type {Array<GlobalCallback>}
     */
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
    if (typeof callback !== 'function') throw new TypeError(`bind(${event}): the callback must be a function`);
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
   * @param {GlobalCallback} callback
   * @returns {this}
   */
  bindGlobal(callback) {
    if (typeof callback !== 'function') throw new TypeError('bindGlobal: the callback must be a function');
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
}
