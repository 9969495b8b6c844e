/**
 * The signed-in user (`realtime.user`) and the sign-in: authorized by the
 * `userAuthentication` endpoint, repeated on every connection, the events the
 * server sends to the user (Pusher's `#server-to-user-{id}`) and its watchlist's.
 */

import { authorize } from './auth.js';
import { Emitter } from './emitter.js';
import { AuthError } from './errors.js';
import { SERVER_TO_USER_PREFIX, decodeData, isUserId } from './protocol.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./connection.js').Connection} Connection */
/** @typedef {import('./connection.js').ServerError} ServerError */
/** @typedef {import('./http.js').HttpClient} HttpClient */
/** @typedef {import('./protocol.js').Frame} Frame */

/**
 * The signed-in user (`realtime.user`): after `realtime.signin()`, the events the
 * server sends to this user (Pusher's `#server-to-user-{id}`) are emitted here.
 * Its own events: `pusher:signin_success` (data: the user data) and
 * `pusher:signin_error` (an {@link AuthError}, or the server's `pusher:error`).
 * Who of the user data's `watchlist` is online arrives on {@link User#watchlist}.
 */
export class User extends Emitter {
  constructor() {
    super();
    /**
     * The user id once signed in on the current connection, else null.
     * @type {string|null}
     */
    this.id = null;
    /**
     * `user_info` of the signed-in user.
     * @type {*}
     */
    this.info = null;
    /**
     * The whole user data the endpoint returned (`{id, user_info, ...}`).
     * @type {*}
     */
    this.data = null;
    /** Whether the server accepted the sign-in on the current connection. */
    this.signedIn = false;
    /**
     * Watchlist events, when the app enables them: bind `online` and `offline`, whose
     * data is `{name, user_ids}`, as pusher-js's `pusher.user.watchlist`. After each
     * sign-in the server says who of the watchlist is online and who is not, then
     * each change.
     * @type {Emitter}
     */
    this.watchlist = new Emitter();
  }

  /**
   * The connection is gone: signed out until the next sign-in.
   * @internal
   */
  _reset() {
    this.signedIn = false;
  }
}

/** Signs `user` in on every connection once `signin()` asked for it. */
export class SignIn {
  /**
   * @param {User} user
   * @param {Connection} connection
   * @param {RealtimeConfig} config Its `userAuthentication` endpoint signs.
   * @param {HttpClient} http
   */
  constructor(user, connection, config, http) {
    /** @private */
    this._user = user;
    /** @private */
    this._connection = connection;
    /** @private */
    this._config = config;
    /** @private */
    this._http = http;
    /** @private signin() was called: sign in on every connection */
    this._wanted = false;
    /** @private pusher:signin went out on this connection, unanswered */
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
      this._user._emit('pusher:signin_error', { type: 'PusherError', data: error });
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
    Object.assign(this._user, { id: String(userData.id), info: userData.user_info === undefined ? null : userData.user_info, data: userData, signedIn: true });
    this._connection.send({ event: 'pusher:subscribe', data: { channel: SERVER_TO_USER_PREFIX + this._user.id } });
    this._user._emit('pusher:signin_success', userData);
  }

  /**
   * `pusher_internal:watchlist_events`: each event on the user's watchlist, by name.
   * @param {*} data `{events: [{name, user_ids}, ...]}`
   */
  watchlistEvents(data) {
    const events = data && Array.isArray(data.events) ? data.events : [];
    for (const event of events) {
      if (event && typeof event.name === 'string') this._user.watchlist._emit(event.name, event);
    }
  }

  /**
   * A frame on a `#server-to-user-` channel: emitted on the user if it is this user's.
   * @param {Frame} frame
   */
  deliver(frame) {
    if (this._user.id !== null && frame.channel === SERVER_TO_USER_PREFIX + this._user.id && !frame.event.startsWith('pusher')) {
      this._user._emit(frame.event, frame.data, {});
    }
  }

  /** @private */
  async _signIn() {
    const connection = this._connection;
    const generation = connection.generation;
    let answer;
    try {
      answer = await authorize(this._http, this._config.userAuthentication, 'userAuthentication', {
        socket_id: /** @type {string} */ (connection.socketId),
      });
      if (typeof answer.user_data !== 'string') {
        throw new AuthError(200, `${/** @type {import('./config.js').AuthEndpoint} */ (this._config.userAuthentication).endpoint} answered no "user_data" string`);
      }
    } catch (error) {
      if (connection.generation === generation && connection.socketId !== null) this._user._emit('pusher:signin_error', error);
      return;
    }
    if (connection.generation !== generation || connection.socketId === null) return;
    this._sent = connection.send({ event: 'pusher:signin', data: { auth: answer.auth, user_data: answer.user_data } });
  }
}
