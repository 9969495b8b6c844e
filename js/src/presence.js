/** Presence channels and their members. */

import { Channel } from './channel.js';
import { decodeData, isUserId } from './protocol.js';

/** @typedef {import('./channel.js').ChannelHost} ChannelHost */
/** @typedef {import('./protocol.js').Frame} Frame */

/**
 * One member of a presence channel.
 * @typedef {Object} Member
 * @property {string} id The user id.
 * @property {*} info The user's `user_info`.
 */

/** The members of a presence channel (`channel.members`). */
export class Members {
  constructor() {
    /**
     * This connection's user id (from the authorization's channel_data, or the sign-in).
     * @type {string|null}
     */
    this.myID = null;
    /** Number of distinct users. */
    this.count = 0;
    /**
     * This connection's member `{id, info}`, once subscribed.
     * @type {Member|null}
     */
    this.me = null;
    /**
     * @private
     * @type {Object<string, *>}
     */
    this._info = Object.create(null);
  }

  /**
   * The member with this id, or null.
   * @param {string|number} id
   * @returns {Member|null}
   */
  get(id) {
    const key = String(id);
    return Object.prototype.hasOwnProperty.call(this._info, key) ? { id: key, info: this._info[key] } : null;
  }

  /**
   * Call `callback({id, info})` for every member.
   * @param {(member: Member) => void} callback
   */
  each(callback) {
    for (const id of Object.keys(this._info)) callback({ id, info: this._info[id] });
  }

  /**
   * Nobody: the subscription is gone.
   * @internal
   */
  _reset() {
    this.count = 0;
    this.me = null;
    this._info = Object.create(null);
  }

  /**
   * The members the subscription's success listed.
   * @internal
   * @param {*} presence `{hash: {id: info}}`
   */
  _set(presence) {
    this._info = Object.assign(Object.create(null), (presence && presence.hash) || {});
    this.count = Object.keys(this._info).length;
    this.me = this.myID === null ? null : this.get(this.myID);
  }

  /**
   * @internal
   * @param {string|number} userId
   * @param {*} info
   * @returns {Member}
   */
  _add(userId, info) {
    const id = String(userId);
    if (!this.get(id)) this.count += 1;
    this._info[id] = info;
    return { id, info };
  }

  /**
   * @internal
   * @param {string|number} userId
   * @returns {Member|null} the member removed, if there was one
   */
  _remove(userId) {
    const member = this.get(userId);
    if (member) {
      delete this._info[member.id];
      this.count -= 1;
    }
    return member;
  }
}

/**
 * A `presence-` channel: a {@link Channel} with `members`, and the events
 * `pusher:member_added` / `pusher:member_removed` (data: `{id, info}`).
 * `pusher:subscription_succeeded` passes the members.
 */
export class PresenceChannel extends Channel {
  /**
   * @param {string} name
   * @param {ChannelHost} subscriptions The client's channels.
   */
  constructor(name, subscriptions) {
    super(name, subscriptions);
    /** The channel's members. */
    this.members = new Members();
  }

  /** @internal */
  _reset() {
    super._reset();
    this.members._reset();
  }

  /**
   * @internal
   * @param {import('./auth.js').Authorization} answer
   */
  _authorized(answer) {
    let userId = null;
    if (typeof answer.channel_data === 'string') {
      const channelData = decodeData(answer.channel_data);
      if (channelData && channelData.user_id !== undefined) userId = String(channelData.user_id);
    } else if (this._subscriptions.userId !== null) {
      userId = this._subscriptions.userId;
    }
    this.members.myID = userId;
  }

  /**
   * @protected
   * @param {*} data
   */
  _succeeded(data) {
    this.members._set(data && data.presence);
    this.subscribed = true;
    this._emit('pusher:subscription_succeeded', this.members);
  }

  /**
   * @internal
   * @param {Frame} frame
   */
  _handle(frame) {
    if (frame.event === 'pusher_internal:member_added' || frame.event === 'pusher_internal:member_removed') {
      const data = frame.data;
      const userId = data && typeof data === 'object' ? data.user_id : undefined;
      if (!isUserId(userId)) return; // a malformed frame names no member: nothing to change
      if (frame.event === 'pusher_internal:member_added') {
        this._emit('pusher:member_added', this.members._add(userId, data.user_info));
      } else {
        const member = this.members._remove(userId);
        if (member) this._emit('pusher:member_removed', member);
      }
    } else {
      super._handle(frame);
    }
  }
}
