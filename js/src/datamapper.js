/** An array of objects kept in step with `created` / `updated` / `deleted` events. */

import { reportLater } from './emitter.js';

/** @typedef {import('./channel.js').Channel} Channel */

/**
 * What a DataMapper's change listeners get.
 * @typedef {Object} DataChange
 * @property {'created'|'updated'|'deleted'|'reset'} action
 * @property {Object<string, *>|null} item The object added, changed or removed (null on reset).
 * @property {Array<Object<string, *>>} items All the items, after the change.
 */

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
export class DataMapper {
  /**
   * @param {Array<Object<string, *>>} [items] The array to keep in step (mutated in place).
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
    /**
     * @private
     * @type {Array<(change: DataChange) => void>}
     */
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
   * @param {Array<Object<string, *>>} items
   */
  reset(items) {
    if (!Array.isArray(items)) throw new TypeError('DataMapper.reset needs an array of items');
    this.items.splice(0, this.items.length, ...items);
    this._notify({ action: 'reset', item: null, items: this.items });
  }

  /**
   * Apply the `created`, `updated` and `deleted` events of a channel.
   * @param {Channel} channel
   * @returns {() => void} call it to unbind them again
   */
  bind(channel) {
    /** @type {Array<['created'|'updated'|'deleted', (data: *) => boolean]>} */
    const handlers = /** @type {const} */ (['created', 'updated', 'deleted']).map((action) => [action, (data) => this.apply(action, data)]);
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
    if (typeof listener !== 'function') throw new TypeError('onChange needs a function');
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
}
