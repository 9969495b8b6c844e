/**
 * The HTTP fallbacks: the socket server's protocol over HTTP streaming or polling, for
 * when a proxy blocks WebSockets. One {@link HttpSocket} is one HTTP session at
 * `{base}/{server}/{session}`: receive requests (`xhr_streaming`, one response that
 * stays open, or `xhr` polls) carry lines (`o` opened, `a[...]` frames, `h` heartbeat,
 * `c[code,"reason"]` closed), and `xhr_send` carries the client's frames as a JSON
 * array of strings. It offers the part of the WebSocket interface the connection uses.
 */

/** @typedef {import('./config.js').FetchFunction} FetchFunction */

/** Characters of a session id (pusher-js's: base 32 digits). */
const SESSION_CHARACTERS = '0123456789abcdefghijklmnopqrstuv';

/** A random session path, `{server}/{session}`: a number below 1000 and 8 characters. */
function sessionPath() {
  let session = '';
  for (let n = 0; n < 8; n += 1) session += SESSION_CHARACTERS[Math.floor(Math.random() * 32)];
  return `${Math.floor(Math.random() * 1000)}/${session}`;
}

export class HttpSocket {
  /**
   * Open a session: its first receive request starts at once.
   * @param {{base: string, query: string}} url From `httpSessionUrl()`.
   * @param {FetchFunction} fetchImpl
   * @param {boolean} streaming One response that stays open, else polls.
   */
  constructor(url, fetchImpl, streaming) {
    /** @private */
    this._session = `${url.base}/${sessionPath()}`;
    /** @private */
    this._query = url.query;
    /** @private */
    this._fetch = fetchImpl;
    /** @private */
    this._streaming = streaming;
    /** @private */
    this._abort = new AbortController();
    /** @private sends go out one after the other, in order */
    this._sending = Promise.resolve();
    /** 0 connecting, 1 open, 3 closed: WebSocket's values. */
    this.readyState = 0;
    /** @type {((event: {data: string}) => void)|null} */
    this.onmessage = null;
    /** @type {((event: {code: number, reason: string}) => void)|null} */
    this.onclose = null;
    /** @type {(() => void)|null} */
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
    this._sending = this._sending.then(() => this._post('xhr_send', body).then(
      (response) => {
        if (response.status !== 204) this._lost(`The server answered ${response.status} to a send`);
      },
      () => this._lost('A send failed'),
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
    const url = `${this._session}/${suffix}?${suffix === 'xhr_send' ? '' : `${this._query}&`}t=${Date.now()}`;
    // text/plain: a simple request, no CORS preflight for a page of another origin.
    return this._fetch(url, {
      method: 'POST',
      body: body || '',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      signal: this._abort.signal,
    });
  }

  /** @private Receive requests, one after the other, until the session closes. */
  async _receive() {
    while (this.readyState !== 3) {
      let response;
      try {
        response = await this._post(this._streaming ? 'xhr_streaming' : 'xhr');
      } catch (error) {
        this._lost('The HTTP session request failed');
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
        this._lost('The HTTP session response broke off');
        return;
      }
      if (this._streaming && this.readyState !== 3) {
        this._lost('The streaming response ended');
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
    let pending = '';
    while (this.readyState !== 3) {
      const { done, value } = await reader.read();
      if (done) return;
      pending += decoder.decode(value, { stream: true });
      const end = pending.lastIndexOf('\n');
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
    for (const line of text.split('\n')) {
      if (this.readyState === 3) return;
      const kind = line[0];
      if (kind === 'o') {
        if (this.readyState !== 0) {
          this._lost('The server lost the session');
          return;
        }
        this.readyState = 1;
      } else if (kind === 'a') {
        for (const frame of JSON.parse(line.slice(1))) {
          if (this.onmessage) this.onmessage({ data: frame });
        }
      } else if (kind === 'c') {
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
}
