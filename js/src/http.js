/**
 * HTTP for the app's own views, the authorization endpoints and the routers: the
 * configured (or global) fetch, with the socket id and the CSRF header on same-origin
 * requests.
 */

import { pageLocation } from './config.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./config.js').FetchFunction} FetchFunction */

/**
 * Whether `url` is on the page's origin (true outside a page: nothing to leak to).
 * @param {string|URL} url
 * @returns {boolean}
 */
export function isSameOrigin(url) {
  const page = pageLocation();
  if (!page || !page.origin) return true;
  try {
    return new URL(String(url), page.href).origin === page.origin;
  } catch (error) {
    return false;
  }
}

/** The client's fetch: `fetch()` for the app's views, `raw()` for the endpoints. */
export class HttpClient {
  /**
   * @param {RealtimeConfig} config Its `channelAuthorization.headers` carry the CSRF header.
   * @param {FetchFunction|null} fetchImpl The `fetch` option, else the global fetch.
   * @param {() => string|null} socketId The current connection's socket id.
   * @param {(response: Response) => void} [answered] Sees every answer (the
   *   deployment it names: see deployment.js).
   */
  constructor(config, fetchImpl, socketId, answered) {
    /** @private */
    this._config = config;
    /** @private */
    this._fetch = fetchImpl;
    /** @private */
    this._socketId = socketId;
    /** @private */
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
    // A Request carries its own URL and headers (String(request) is no URL).
    const request = url !== null && typeof url === 'object' && typeof (/** @type {Request} */ (url)).url === 'string'
      ? /** @type {Request} */ (url)
      : null;
    const headers = new Headers(options.headers || (request && request.headers) || {});
    if (isSameOrigin(request ? request.url : /** @type {string|URL} */ (url))) {
      const extra = (this._config.channelAuthorization && this._config.channelAuthorization.headers) || {};
      for (const [name, value] of Object.entries(extra)) if (!headers.has(name)) headers.set(name, value);
      const socketId = this._socketId();
      if (socketId !== null) headers.set('X-Socket-ID', socketId);
    }
    return this.raw(url, { credentials: 'same-origin', ...options, headers });
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
    else if (typeof globalThis.fetch !== 'function') throw new TypeError('Realtime: no fetch here; pass options.fetch');
    else answer = globalThis.fetch(url, init);
    const answered = this._answered;
    if (!answered) return answer;
    return answer.then((response) => {
      answered(response);
      return response;
    });
  }
}
