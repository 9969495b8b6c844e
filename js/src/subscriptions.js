/**
 * The client's channels by name: subscribing (authorizing private and presence
 * channels first, sending the recovery position), subscribing again on every new
 * connection, leaving, and handing each channel its frames.
 */

import { authorize } from './auth.js';
import { Channel } from './channel.js';
import { PresenceChannel } from './presence.js';
import { SERVER_TO_USER_PREFIX } from './protocol.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./connection.js').Connection} Connection */
/** @typedef {import('./http.js').HttpClient} HttpClient */
/** @typedef {import('./protocol.js').Frame} Frame */
/** @typedef {import('./user.js').User} User */

/** @typedef {import('./channel.js').ChannelHost} ChannelHost */

/** @implements {ChannelHost} */
export class Subscriptions {
  /**
   * @param {Connection} connection
   * @param {RealtimeConfig} config Its `channelAuthorization` endpoint signs.
   * @param {HttpClient} http
   * @param {User} user Presence channels name the signed-in user when the
   *   authorization does not.
   */
  constructor(connection, config, http, user) {
    /** @private */
    this._connection = connection;
    /** @private */
    this._config = config;
    /** @private */
    this._http = http;
    /** @private */
    this._user = user;
    /**
     * @private
     * @type {Map<string, Channel>}
     */
    this._channels = new Map();
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
    if (typeof name !== 'string' || !name) throw new TypeError('subscribe() needs a channel name');
    if (name.startsWith('private-encrypted-')) {
      throw new TypeError(`${name}: end-to-end encrypted channels need pusher-js/with-encryption`);
    }
    if (name.startsWith(SERVER_TO_USER_PREFIX)) {
      throw new TypeError(`${name}: call signin() and bind events on realtime.user instead`);
    }
    let channel = this._channels.get(name);
    if (!channel) {
      channel = name.startsWith('presence-') ? new PresenceChannel(name, this) : new Channel(name, this);
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
    if (channel.subscribed || channel._requested) this.send({ event: 'pusher:unsubscribe', data: { channel: name } });
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
    const channel = this._channels.get(/** @type {string} */ (frame.channel));
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
    /** @type {Record<string, string>} */
    const data = { channel: channel.name };
    if (channel.requiresAuth) {
      let answer;
      try {
        answer = await authorize(this._http, this._config.channelAuthorization, 'channelAuthorization', {
          socket_id: /** @type {string} */ (connection.socketId),
          channel_name: channel.name,
        });
      } catch (error) {
        if (this._isCurrent(channel, generation)) channel._failed(error);
        return;
      }
      if (!this._isCurrent(channel, generation)) return;
      data.auth = answer.auth;
      if (answer.channel_data !== undefined) data.channel_data = answer.channel_data;
      channel._authorized(answer);
    }
    if (connection.recovers && channel.position !== null) {
      // Recovery: the server replays what came after it (or says it cannot).
      data.position = channel.position;
      channel._recoveryFrom = channel.position;
    }
    this.send({ event: 'pusher:subscribe', data });
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
}
