/**
 * The routers (django-realtime-core's `ModelRouter`s, at the URLs of `config.routers`):
 * lists, objects and writes over HTTP, the channel of a list's filters, and live lists.
 * A router serves one model under a route name (`todo-item`). Every call goes through
 * the client's fetch, so it carries the CSRF header, the session cookie and X-Socket-ID.
 */

import { AuthError, ConnectionError, RouterError, quotedBody, reasonOf } from './errors.js';
import { LiveList } from './livelist.js';

/** @typedef {import('./channel.js').Channel} Channel */
/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./connection.js').Connection} Connection */
/** @typedef {import('./emitter.js').Emitter} Emitter */
/** @typedef {import('./http.js').HttpClient} HttpClient */
/** @typedef {import('./subscriptions.js').Subscriptions} Subscriptions */

/** List query parameters that are not filters: never part of a subscription. */
const LIST_PARAMETERS = ['ordering', 'page', 'page_size'];
/** Asks a router write not to send its events to this connection (`excludeSelf`). */
const EXCLUDE_SELF_HEADER = 'X-Realtime-Exclude-Self';

/**
 * A router's filters and list parameters, by name.
 * @typedef {Object<string, string|number|boolean|undefined>} RouteParams
 */

/**
 * One page of a router's list.
 * @typedef {Object} ListPage
 * @property {Array<Object<string, *>>} results The objects, as the router serializes them.
 * @property {number} count How many objects match the filters, over all pages.
 * @property {number} page This page's number, from 1.
 * @property {number} page_size
 * @property {boolean} has_next Whether a next page exists.
 */

/**
 * Options of the router writes.
 * @typedef {Object} WriteOptions
 * @property {boolean} [excludeSelf] Do not send the change's events back to this
 *   connection (the page applies the answer itself); others still get them.
 */

/**
 * Options of live lists.
 * @typedef {Object} LiveOptions
 * @property {string} [key] The identifying field (default "id").
 */

/**
 * A route subscription of this client: the channel's name once the router named it.
 * @typedef {Object} RouteSubscription
 * @property {string|null} name
 * @property {boolean} cancelled
 */

/**
 * The query string of `params` (filters and list parameters); undefined values are left out.
 * @param {RouteParams|undefined|null} params
 * @param {string} what Names the call in messages.
 * @returns {string}
 */
export function queryString(params, what) {
  if (params === undefined || params === null) return '';
  if (typeof params !== 'object' || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (value === null || typeof value === 'object' || typeof value === 'function') {
      throw new TypeError(`${what}: parameter ${name} must be a string, number or boolean`);
    }
    query.append(name, String(value));
  }
  return query.toString();
}

/**
 * `params` without the list parameters: what selects a channel.
 * @param {RouteParams|undefined|null} params
 * @param {string} what Names the call in messages.
 * @returns {RouteParams}
 */
export function filtersOf(params, what) {
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw new TypeError(`${what}: params must be an object`);
  /** @type {RouteParams} */
  const filters = {};
  for (const [name, value] of Object.entries(params)) {
    if (!LIST_PARAMETERS.includes(name) && value !== undefined) filters[name] = value;
  }
  return filters;
}

/**
 * What identifies a route subscription on this client: the route and its filters.
 * @param {string} route
 * @param {RouteParams} filters
 * @returns {string}
 */
export function routeKey(route, filters) {
  const names = Object.keys(filters).sort();
  return `${route}?${names.map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(String(filters[name]))}`).join('&')}`;
}

/**
 * `options` (an object of `known` names only, or nothing), else a TypeError.
 * @template {Object} T
 * @param {T|undefined|null} options
 * @param {Array<string>} known
 * @param {string} what Names the call in messages.
 * @returns {Partial<T>}
 */
export function checkOptions(options, known, what) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new TypeError(`${what}: options must be an object`);
  const unknown = Object.keys(options).filter((name) => !known.includes(name));
  if (unknown.length) throw new TypeError(`${what}: unknown options ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return options;
}

/** The client's routers: `realtime.getList()`, `.create()`, ..., `.live()`. */
export class Routers {
  /**
   * @param {Emitter} client Its `disconnected` event rejects the subscriptions waiting.
   * @param {RealtimeConfig} config Its `routers` has the URLs.
   * @param {Connection} connection
   * @param {HttpClient} http
   * @param {Subscriptions} subscriptions
   */
  constructor(client, config, connection, http, subscriptions) {
    /** @private */
    this._client = client;
    /** @private */
    this._config = config;
    /** @private */
    this._connection = connection;
    /** @private */
    this._http = http;
    /** @private */
    this._subscriptions = subscriptions;
    /**
     * @private route subscriptions by routeKey()
     * @type {Map<string, RouteSubscription>}
     */
    this._routeSubscriptions = new Map();
  }

  /**
   * One page of a router's list.
   * @param {string} route
   * @param {RouteParams} [params]
   * @returns {Promise<ListPage>}
   */
  async getList(route, params) {
    return this._request('GET', this._routerUrl('objects', route, params));
  }

  /**
   * One object by primary key.
   * @param {string} route
   * @param {string|number} pk
   * @returns {Promise<Object<string, *>>}
   */
  async getSingle(route, pk) {
    return this._request('GET', this._objectUrl(route, pk));
  }

  /**
   * @param {string} route
   * @param {Object<string, *>} data
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async create(route, data, options) {
    const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'create()');
    return this._request('POST', this._routerUrl('objects', route), data, excludeSelf);
  }

  /**
   * @param {string} route
   * @param {string|number} pk
   * @param {Object<string, *>} data
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async update(route, pk, data, options) {
    const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'update()');
    return this._request('PATCH', this._objectUrl(route, pk), data, excludeSelf);
  }

  /**
   * @param {string} route
   * @param {string|number} pk
   * @param {WriteOptions} [options]
   * @returns {Promise<Object<string, *>>}
   */
  async delete(route, pk, options) {
    const { excludeSelf } = checkOptions(options, ['excludeSelf'], 'delete()');
    return this._request('DELETE', this._objectUrl(route, pk), undefined, excludeSelf);
  }

  /**
   * Subscribe to the channel the router names for these filters; resolves once the
   * server confirmed the subscription.
   * @param {string} route
   * @param {RouteParams} params
   * @returns {Promise<Channel>}
   */
  async subscribe(route, params) {
    const filters = filtersOf(params, 'subscribe()');
    const url = this._routerUrl('subscriptions', route, filters);
    const key = routeKey(route, filters);
    let subscription = this._routeSubscriptions.get(key);
    if (!subscription) {
      subscription = { name: null, cancelled: false };
      this._routeSubscriptions.set(key, subscription);
    }
    let answer;
    try {
      answer = await this._request('GET', url);
      if (!answer || typeof answer.channel !== 'string') {
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
    const key = routeKey(route, filtersOf(params, 'unsubscribe()'));
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
    const { key } = checkOptions(options, ['key'], 'live()');
    const filters = filtersOf(params, 'live()');
    const listParams = { ...params };
    delete listParams.page;
    const channel = await this.subscribe(route, filters);
    const list = new LiveList(this, route, filters, listParams, channel, key || 'id');
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
    if (!this._connection.wanted) return Promise.reject(new ConnectionError('Realtime is disconnected', null));
    const client = this._client;
    return new Promise((resolve, reject) => {
      /**
       * @template V
       * @param {(value: V) => void} outcome
       * @param {V} value
       */
      const settle = (outcome, value) => {
        channel.unbind('pusher:subscription_succeeded', succeeded);
        channel.unbind('pusher:subscription_error', failed);
        client.unbind('disconnected', disconnected);
        channel._onUnsubscribe.delete(unsubscribed);
        outcome(value);
      };
      const succeeded = () => settle(resolve, channel);
      /** @param {*} error */
      const failed = (error) => {
        const reason = error instanceof Error
          ? error
          : new AuthError((error && error.status) || 0, (error && error.error) || `Could not subscribe to ${channel.name}`);
        settle(reject, reason);
      };
      const disconnected = () => settle(reject, new ConnectionError(`Disconnected before ${channel.name} was subscribed`, null));
      const unsubscribed = () => settle(reject, new Error(`unsubscribe() came before the subscription to ${channel.name} was made`));
      channel.bind('pusher:subscription_succeeded', succeeded);
      channel.bind('pusher:subscription_error', failed);
      client.bind('disconnected', disconnected);
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
    if (typeof base !== 'string' || !base) {
      throw new TypeError(
        `Realtime: the config has no routers.${kind} URL; render the config with {% realtime_client %} ` +
          "(with path('realtime/', include('realtime_core.urls')) in the URLconf) or set config.routers",
      );
    }
    if (typeof route !== 'string' || !route) throw new TypeError('A route name is needed, e.g. "todo-item"');
    const url = `${base.endsWith('/') ? base : `${base}/`}${encodeURIComponent(route)}/`;
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
    if ((typeof pk !== 'string' && typeof pk !== 'number') || pk === '') {
      throw new TypeError(`${route}: the primary key must be a string or a number, not ${pk}`);
    }
    return `${this._routerUrl('objects', route)}${encodeURIComponent(String(pk))}/`;
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
    /** @type {Record<string, string>} */
    const headers = { Accept: 'application/json' };
    /** @type {RequestInit} */
    const init = { method, headers };
    if (data !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    if (excludeSelf) headers[EXCLUDE_SELF_HEADER] = '1';
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
      const body = decoded && answer && typeof answer === 'object' ? answer : {};
      const message = typeof body.error === 'string'
        ? body.error
        : `${method} ${url} answered ${response.status}${quotedBody(text)}`;
      const errors = body.errors && typeof body.errors === 'object' ? body.errors : {};
      throw new RouterError(response.status, message, errors);
    }
    if (!decoded) {
      throw new RouterError(response.status, `${method} ${url} did not answer JSON`);
    }
    return answer;
  }
}
