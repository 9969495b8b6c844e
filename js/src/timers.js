/** Named one-shot timers: setting a name again replaces its timer. */
export class Timers {
  constructor() {
    /**
     * @private
     * @type {Map<string, ReturnType<typeof setTimeout>>}
     */
    this._pending = new Map();
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
    if (timer !== undefined) {
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
}
