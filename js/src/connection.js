/**
 * The connection: one socket at a time, its handshake, the heartbeat, and the
 * reconnections the protocol's close codes ask for. When a WebSocket cannot open and
 * the config enables them, the next attempts use the HTTP fallbacks (streaming, then
 * polling: http-socket.js), then a WebSocket again; a connection that was established
 * and then lost tries a WebSocket first again. It knows nothing of channels or
 * users; it tells its hooks when a connection is established or lost and hands them
 * every frame that is not about the connection itself.
 */

import { ConnectionError } from './errors.js';
import { httpFallbacks, httpSessionUrl, pageLocation, socketUrl } from './config.js';
import { HttpSocket } from './http-socket.js';
import { closeAction, decodeData } from './protocol.js';
import { RECOVERY_EXTENSION } from './recovery.js';
import { Timers } from './timers.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./config.js').ClientOptions} ClientOptions */
/** @typedef {import('./protocol.js').Frame} Frame */
/** @typedef {import('./protocol.js').CloseAction} CloseAction */
/** @typedef {import('./emitter.js').Emitter} Emitter */

/** First delay after an unexpected drop; doubled per failed attempt up to maxReconnectDelay. */
const RECONNECT_BASE_DELAY = 1000;
/** Delay after a 4100-4199 close ("over capacity, back off"), before jitter. */
const BACKOFF_CLOSE_DELAY = 1000;

/**
 * The connection states (`realtime.state`).
 * @typedef {'initialized'|'connecting'|'connected'|'unavailable'|'disconnected'} ConnectionState
 */

/**
 * A `pusher:error` of the server, as the `error` event's `data` carries it.
 * @typedef {Object} ServerError
 * @property {number|null} code
 * @property {string} message
 */

/**
 * What the connection tells the rest of the client.
 * @typedef {Object} ConnectionHooks
 * @property {() => void} established A connection was established (the socket id is set).
 * @property {() => void} lost The connection is gone, with everything subscribed on it.
 * @property {(frame: Frame) => void} frame A frame that is not about the connection itself.
 * @property {(error: ServerError) => void} serverError The server sent `pusher:error`.
 */

/**
 * Random delay in [half, whole] of `delay`: clients dropped together come back spread out.
 * @param {number} delay
 * @returns {number}
 */
function jitter(delay) {
  return delay / 2 + Math.random() * (delay / 2);
}

/**
 * One connection to the socket server, reconnecting as the close codes say. Its events
 * (`state_change`, one per state, `error`, `message`) are emitted on `client`.
 */
export class Connection {
  /**
   * @param {Emitter} client Where the events go, and what `ready()` resolves with.
   * @param {RealtimeConfig} config
   * @param {ClientOptions} options
   * @param {ConnectionHooks} hooks
   */
  constructor(client, config, options, hooks) {
    /** @private */
    this._client = client;
    /** @private */
    this._config = config;
    /** @private */
    this._options = options;
    /** @private */
    this._hooks = hooks;
    /**
     * Current connection state.
     * @type {ConnectionState}
     */
    this.state = 'initialized';
    /**
     * The socket id of the current connection, else null.
     * @type {string|null}
     */
    this.socketId = null;
    /**
     * The protocol extensions the server announced on the current connection.
     * @type {Array<string>}
     */
    this.extensions = [];
    /** @private set after a 4000 close */
    this._forceTLS = false;
    /** @private the HTTP fallbacks the config enables, tried after a WebSocket */
    this._fallbacks = httpFallbacks(config);
    /** @private 0: a WebSocket; n: the n-th of `_fallbacks` */
    this._transport = 0;
    /** The URL the client connects to. */
    this.url = socketUrl(config, pageLocation(), false);
    /**
     * @private
     * @type {WebSocket|null}
     */
    this._socket = null;
    /** @private */
    this._timers = new Timers();
    /** Connections established so far: stale async answers compare it. */
    this.generation = 0;
    /** @private attempts that failed since the last established connection */
    this._failures = 0;
    /** The app wants a connection (false after disconnect() or a refusal). */
    this.wanted = false;
    /**
     * @private the handshake's pusher:error, if any: it explains an abnormal close
     * @type {ServerError|null}
     */
    this._handshakeError = null;
    /**
     * @private `ready()` promises waiting for the connection
     * @type {Array<{resolve: (client: Emitter) => void, reject: (error: ConnectionError) => void}>}
     */
    this._waiters = [];
    /** @private */
    this._activityTimeout = options.activityTimeout;
    /** @private when the last frame arrived (ms since the epoch) */
    this._lastHeard = 0;
    /** @private */
    this._onOnline = () => {
      if (this._timers.has('retry')) this._open();
    };
  }

  /**
   * Resolves with the client once connected (at once if it is); rejects with a
   * {@link ConnectionError} if the connection is refused for good or `disconnect()`
   * is called first.
   * @returns {Promise<Emitter>}
   */
  ready() {
    if (this.state === 'connected') return Promise.resolve(this._client);
    if (!this.wanted) return Promise.reject(new ConnectionError('Realtime is disconnected', null));
    return new Promise((resolve, reject) => this._waiters.push({ resolve, reject }));
  }

  /** Start connecting, unless the app wants a connection already. */
  connect() {
    if (this.wanted) return;
    this.wanted = true;
    if (typeof globalThis.addEventListener === 'function') globalThis.addEventListener('online', this._onOnline);
    this._setState('connecting');
    this._startUnavailableTimer();
    this._open();
  }

  /** Close the connection and stop reconnecting. */
  disconnect() {
    const socket = this._socket;
    this._stop();
    if (socket) this._closeSocket(socket);
    this._connectionLost();
    this._setState('disconnected');
    this._rejectWaiters(new ConnectionError('Realtime.disconnect() was called', null));
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
    this._setState('connecting');
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
    if (typeof globalThis.removeEventListener === 'function') globalThis.removeEventListener('online', this._onOnline);
  }

  /** @private */
  _open() {
    this._timers.clear('retry');
    const WebSocketImpl = this._options.WebSocket || globalThis.WebSocket;
    // Without WebSockets at all (removed, or an old runtime), straight to the fallbacks.
    if (!WebSocketImpl && this._transport === 0 && this._fallbacks.length) this._transport = 1;
    if (this._transport > 0) {
      this._openHttp(this._fallbacks[this._transport - 1]);
      return;
    }
    if (!WebSocketImpl) {
      throw new TypeError('Realtime: no WebSocket here; pass options.WebSocket');
    }
    this.url = socketUrl(this._config, pageLocation(), this._forceTLS);
    /** @type {WebSocket} */
    let socket;
    try {
      socket = new WebSocketImpl(this.url);
    } catch (error) {
      // A URL the runtime refuses (a bad wsHost, say): retrying cannot help.
      this._stop();
      this._setState('disconnected');
      this._client._emit('error', { type: 'WebSocketError', error });
      this._rejectWaiters(new ConnectionError(`Cannot open ${this.url}: ${/** @type {Error} */ (error).message}`, null));
      return;
    }
    this._watch(socket);
  }

  /**
   * @private Open an HTTP session of the fallback `name` ("xhr_streaming" or "xhr_polling").
   * @param {string} name
   */
  _openHttp(name) {
    /** @type {import('./config.js').FetchFunction} */
    const fetchImpl = this._options.fetch || ((url, init) => globalThis.fetch(url, init));
    const url = httpSessionUrl(this._config, pageLocation(), this._forceTLS);
    this.url = `${url.base}?${url.query}`;
    const session = new HttpSocket(url, fetchImpl, name === 'xhr_streaming');
    // It has the part of WebSocket's interface used here.
    this._watch(/** @type {WebSocket} */ (/** @type {unknown} */ (session)));
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
    // Browsers follow an error with a close (1006); some runtimes (Node 20) do not.
    socket.onerror = () => {
      this._closeSocket(socket);
      this._closed(socket, 1006, 'WebSocket error');
    };
    this._timers.set('connect', this._options.connectTimeout, () => {
      this._abandon(socket, 'backoff', 'The server did not complete the handshake in time');
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
      socket.close(1000);
    } catch (error) {
      // Already closed: nothing left to release.
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
    // Without a close code (abnormal closure) the handshake's pusher:error says why.
    const effective = (code !== null && code >= 4000) || !handshakeError ? code : handshakeError.code;
    const decided = action || closeAction(effective);
    if (decided === 'tls' && !this._forceTLS && !this.url.startsWith('wss:')) {
      this._forceTLS = true;
      this._retryIn(0);
    } else if (decided === 'refused' || decided === 'tls') {
      if (!handshakeError || handshakeError.code !== effective) {
        this._client._emit('error', { type: 'PusherError', data: { code: effective, message: reason || '' } });
      }
      this._stop();
      this._setState('disconnected');
      this._rejectWaiters(new ConnectionError(`The server refused the connection (${effective}): ${reason || ''}`, effective));
    } else {
      let delay;
      if (decided === 'immediate' && established) delay = 0;
      else if (decided === 'fixed') delay = BACKOFF_CLOSE_DELAY * (1 + Math.random() / 4);
      else delay = jitter(Math.min(this._options.maxReconnectDelay, RECONNECT_BASE_DELAY * 2 ** this._failures));
      this._failures += 1;
      if (this.state === 'connected') {
        this._setState('connecting');
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
    else if (code === null || code < 4000) this._transport = (this._transport + 1) % (this._fallbacks.length + 1);
  }

  /** @private Forget the socket and everything that belonged to it. */
  _connectionLost() {
    this._socket = null;
    this.socketId = null;
    this.extensions = [];
    for (const name of ['connect', 'activity', 'pong']) this._timers.clear(name);
    this._hooks.lost();
  }

  /**
   * @private
   * @param {number} delay
   */
  _retryIn(delay) {
    this._timers.set('retry', delay, () => this._open());
  }

  /** @private */
  _startUnavailableTimer() {
    this._timers.set('unavailable', this._options.unavailableTimeout, () => {
      if (this.state === 'connecting') this._setState('unavailable');
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
    this._client._emit('state_change', { previous, current });
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
    this._timers.clear('pong');
    if (this.socketId !== null && !this._timers.has('activity')) this._watchActivity(socket, this._activityTimeout);
  }

  /**
   * @private One timer per silence, not one per frame: it re-arms for what is left.
   * @param {WebSocket} socket
   * @param {number} delay
   */
  _watchActivity(socket, delay) {
    this._timers.set('activity', delay, () => {
      const silence = Date.now() - this._lastHeard;
      if (silence < this._activityTimeout) {
        this._watchActivity(socket, this._activityTimeout - silence);
        return;
      }
      this.send({ event: 'pusher:ping', data: {} });
      this._timers.set('pong', this._options.pongTimeout, () => {
        this._abandon(socket, 'immediate', 'No pong from the server in time');
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
      this._client._emit('error', { type: 'MessageParseError', error: String(error), data: text });
      return;
    }
    if (!frame || typeof frame.event !== 'string') return;
    frame.data = decodeData(frame.data);
    this._heardFromServer(socket);
    switch (frame.event) {
      case 'pusher:connection_established':
        this._established(socket, frame.data);
        break;
      case 'pusher:error':
        this._serverError(frame.data);
        break;
      case 'pusher:ping':
        this.send({ event: 'pusher:pong', data: {} });
        break;
      default:
        this._hooks.frame(frame);
    }
    this._client._emit('message', frame);
  }

  /**
   * @private
   * @param {WebSocket} socket
   * @param {*} data
   */
  _established(socket, data) {
    if (!data || typeof data.socket_id !== 'string') {
      this._abandon(socket, 'backoff', 'Invalid handshake: no socket_id');
      return;
    }
    this._timers.clear('connect');
    this._timers.clear('unavailable');
    this.socketId = data.socket_id;
    this.extensions = Array.isArray(data.extensions)
      ? data.extensions.filter((/** @type {*} */ name) => typeof name === 'string')
      : [];
    this.generation += 1;
    this._failures = 0;
    this._handshakeError = null;
    const serverTimeout = Number(data.activity_timeout) * 1000;
    this._activityTimeout = serverTimeout > 0 ? Math.min(this._options.activityTimeout, serverTimeout) : this._options.activityTimeout;
    this._heardFromServer(socket);
    this._hooks.established();
    const waiters = this._waiters;
    this._waiters = [];
    for (const waiter of waiters) waiter.resolve(this._client);
    this._setState('connected', { socketId: this.socketId });
  }

  /**
   * @private
   * @param {*} data
   */
  _serverError(data) {
    /** @type {ServerError} */
    const error = { code: data && data.code !== undefined ? data.code : null, message: (data && data.message) || '' };
    if (this.socketId === null) this._handshakeError = error;
    this._client._emit('error', { type: 'PusherError', data: error });
    this._hooks.serverError(error);
  }
}
