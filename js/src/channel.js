/** One subscription: its events, client events, and message recovery's positions. */

import { Emitter } from './emitter.js';
import { POSITION_EVENT, RECOVERY_EVENT, formatPosition, parsePosition } from './recovery.js';

/** @typedef {import('./protocol.js').Frame} Frame */
/** @typedef {import('./recovery.js').Position} Position */

/**
 * What a channel needs of the client's channels (`Subscriptions`).
 * @typedef {Object} ChannelHost
 * @property {(frame: Frame) => boolean} send Send a frame on the current connection.
 * @property {boolean} recovers Whether the current connection's server replays missed events.
 * @property {(channel: Channel) => void} request Send the channel's subscription (authorizing first).
 * @property {string|null} userId The signed-in user's id, else null.
 */

/**
 * A subscription, from `realtime.subscribe(name)`. Bind its event names; the
 * `data` given to callbacks is decoded from JSON when it is JSON, and the second
 * argument (`metadata`) carries `user_id` for client events on presence channels.
 *
 * Events of its own: `pusher:subscription_succeeded` (data: `{}`, or the members on
 * presence channels), `pusher:subscription_error` (data: the server's
 * `{type, error, status}`, or an {@link AuthError}) and `pusher:subscription_count`
 * (data: `{subscription_count}`, the channel's connections, sent when the app enables
 * subscription counting; never on presence channels).
 *
 * Cache channels (`cache-`, `private-cache-`, `presence-cache-`), as pusher-js sees
 * them: right after `pusher:subscription_succeeded`, the channel's last event of the
 * past 30 minutes reaches its binding like any event, or `pusher:cache_miss` (no data)
 * says there is none. The replayed event carries no position: it is neither dropped as
 * already seen nor taken for a gap (the position the subscription started at counts
 * it). After a reconnect that recovers, the missed events come instead of the replay.
 *
 * Message recovery, when the server announces the "recovery" extension (the
 * self-hosted server; never hosted Pusher): the channel keeps its `position` in the
 * channel's history, sends it when it subscribes again (after a reconnect), and the
 * server replays the events it missed; events already processed (same position or
 * older) are dropped, never given to the callbacks. If the stream jumps (an event
 * went missing), the channel subscribes again on the same connection to get it
 * replayed, holding back the events that arrive meanwhile (given in order if the
 * replay does not come). After each such attempt it emits `realtime:recovery` with
 * `{recovered, position, from}`: `recovered` true (the missed events follow, in
 * order, before any new one) or false (they are lost: load the state again, which
 * `live()` lists do by themselves); `from` the position asked for, `position` the
 * channel's position at the server when it answered (null if it answered none).
 */
export class Channel extends Emitter {
  /**
   * @param {string} name
   * @param {ChannelHost} subscriptions The client's channels.
   */
  constructor(name, subscriptions) {
    super();
    /** The channel's name. */
    this.name = name;
    /** True once the server confirmed the subscription on the current connection. */
    this.subscribed = false;
    /**
     * The channel's number of connections (on every server), as last told by
     * `pusher:subscription_count`; null until then.
     * @type {number|null}
     */
    this.subscriptionCount = null;
    /** @protected */
    this._subscriptions = subscriptions;
    /**
     * subscribe requested on this connection (authorizing or awaiting the answer)
     * @internal
     */
    this._requested = false;
    /**
     * called by unsubscribe(): settles the promises waiting for the subscription
     * @internal
     * @type {Set<() => void>}
     */
    this._onUnsubscribe = new Set();
    /**
     * Where this client stands in the channel's history, `"<epoch>:<offset>"`: the
     * last event it processed, or the channel's position when it subscribed. Only
     * with a server that supports recovery (`realtime.extensions` includes
     * "recovery"), else null. It changes before an event's callbacks run (they may
     * read it), stays across reconnects (the next subscription sends it, so the
     * server can replay what was missed) and is lost with `unsubscribe()`.
     * @type {string|null}
     */
    this.position = null;
    /**
     * the position the unanswered subscription asked to recover from, else null
     * @internal
     * @type {string|null}
     */
    this._recoveryFrom = null;
    /** @private an event went missing: subscribing again on this connection to have it replayed */
    this._resyncing = false;
    /**
     * @private positioned events received during that resubscription, in order
     * @type {Array<Frame>}
     */
    this._held = [];
    /**
     * true while pusher:subscription_succeeded is emitted for a recovering subscription
     * @internal
     */
    this._recovering = false;
  }

  /** Whether subscribing needs a signature from the channel authorization endpoint. */
  get requiresAuth() {
    return this.name.startsWith('private-') || this.name.startsWith('presence-');
  }

  /**
   * Send a client event to the channel's other subscribers (the server must allow
   * client events). Only on private and presence channels, once subscribed.
   * @param {string} event Must start with `client-`.
   * @param {*} data Any JSON value.
   * @returns {boolean} Whether the event went out (false: not subscribed, public channel
   *   or no connection).
   */
  trigger(event, data) {
    if (typeof event !== 'string' || !event.startsWith('client-')) {
      throw new TypeError(`Client events must start with "client-": ${event}`);
    }
    if (!this.requiresAuth || !this.subscribed) return false;
    return this._subscriptions.send({ event, channel: this.name, data });
  }

  /**
   * The connection is gone (or the channel was unsubscribed); `position` stays.
   * @internal
   */
  _reset() {
    this.subscribed = false;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
  }

  /**
   * Hook: what the authorization endpoint answered, before subscribing.
   * @internal
   * @param {import('./auth.js').Authorization} answer
   */
  _authorized(answer) {}

  /**
   * @protected
   * @param {*} data
   */
  _succeeded(data) {
    this.subscribed = true;
    this._emit('pusher:subscription_succeeded', data);
  }

  /**
   * @private pusher_internal:subscription_succeeded, with the recovery extension's fields.
   * @param {Frame} frame
   */
  _subscriptionSucceeded(frame) {
    const from = this._recoveryFrom;
    const resync = this._resyncing && this.subscribed;
    const held = this._held;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
    if (!this._subscriptions.recovers) {
      this.position = null;
      this._succeeded(frame.data);
      return;
    }
    const parsed = parsePosition(frame.position);
    const current = parsed ? formatPosition(parsed) : null;
    if (from === null) {
      // A first subscription (or one without a position to recover from).
      this.position = current;
      this._succeeded(frame.data);
      return;
    }
    const recovered = frame.recovered === true;
    // Recovered: the replay follows (with what was held) and moves the position on.
    // Not: what did arrive is still given (at most once), then the app reloads.
    if (!recovered) {
      this._deliverHeld(held);
      if (current !== null) this.position = current;
    }
    if (!resync) {
      this._recovering = true;
      this._succeeded(frame.data);
      this._recovering = false;
    }
    this._emit(RECOVERY_EVENT, { recovered, position: current, from });
  }

  /**
   * The subscription was refused (by the server or the authorization endpoint).
   * @internal
   * @param {*} error
   */
  _failed(error) {
    const resync = this._resyncing;
    const from = this.position;
    const held = this._held;
    this._requested = false;
    this._recoveryFrom = null;
    this._resyncing = false;
    this._held = [];
    // Still subscribed, with a hole in the stream: go on from what arrived.
    if (resync) this._deliverHeld(held);
    this._emit('pusher:subscription_error', error);
    if (resync) this._emit(RECOVERY_EVENT, { recovered: false, position: this.position, from });
  }

  /**
   * @private Whether an event at `text` (its position) is the next one: then
   * `position` moves to it. A duplicate is dropped. After a gap, or a new epoch that
   * does not start at 1, the channel subscribes again to recover and holds the event
   * (and the next ones) until the answer.
   * @param {Frame} frame
   * @returns {boolean}
   */
  _inSequence(frame) {
    const next = parsePosition(frame.position);
    if (!next) return true; // not a position: delivered as without recovery
    if (this._resyncing) {
      this._held.push(frame);
      return false;
    }
    const current = parsePosition(this.position);
    if (current && next.epoch === current.epoch) {
      if (next.offset <= current.offset) return false;
      if (next.offset > current.offset + 1) {
        this._resync(frame);
        return false;
      }
    } else if (current && next.offset !== 1) {
      this.position = `${next.epoch}:0`; // from the start of the new epoch
      this._resync(frame);
      return false;
    }
    this.position = formatPosition(next);
    return true;
  }

  /**
   * @private Subscribe again on this connection, from `position`.
   * @param {Frame} frame
   */
  _resync(frame) {
    this._resyncing = true;
    this._held = [frame];
    this._subscriptions.request(this);
  }

  /**
   * @private Deliver the events held during a resync that did not recover, in order, once.
   * @param {Array<Frame>} held
   */
  _deliverHeld(held) {
    /** @type {Position|null} */
    let last = null;
    for (const frame of held) {
      const position = /** @type {Position} */ (parsePosition(frame.position));
      if (last && position.epoch === last.epoch && position.offset <= last.offset) continue;
      last = position;
      this.position = formatPosition(position);
      if (frame.event !== POSITION_EVENT) this._deliver(frame);
    }
  }

  /**
   * @private Give a channel event to the callbacks.
   * @param {Frame} frame
   */
  _deliver(frame) {
    this._emit(frame.event, frame.data, frame.user_id === undefined ? {} : { user_id: frame.user_id });
  }

  /**
   * A frame for this channel, its data decoded.
   * @internal
   * @param {Frame} frame
   */
  _handle(frame) {
    switch (frame.event) {
      case 'pusher_internal:subscription_succeeded':
        this._subscriptionSucceeded(frame);
        return;
      case 'pusher:subscription_error':
        this._failed(frame.data);
        return;
      case 'pusher_internal:subscription_count':
        if (frame.data && Number.isInteger(frame.data.subscription_count)) this.subscriptionCount = frame.data.subscription_count;
        this._emit('pusher:subscription_count', frame.data);
        return;
      case POSITION_EVENT:
        // An event this socket was excluded from: only the position moves on.
        if (this._subscriptions.recovers) this._inSequence(frame);
        return;
      default:
        if (frame.event.startsWith('pusher_internal:')) return;
        if (frame.position !== undefined && this._subscriptions.recovers && !this._inSequence(frame)) return;
        this._deliver(frame);
    }
  }
}
