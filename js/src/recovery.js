/**
 * Message recovery: the protocol extension with which the self-hosted server numbers
 * each channel's events (`"<epoch>:<offset>"` positions) and replays what a client
 * missed when it subscribes again from its position. Hosted Pusher has none of it.
 */

/**
 * The protocol extension for message recovery, as `pusher:connection_established`
 * announces it in `extensions` (the self-hosted server does; hosted Pusher does not).
 */
export const RECOVERY_EXTENSION = 'recovery';
/** A channel's event after a subscription that tried to recover missed events. */
export const RECOVERY_EVENT = 'realtime:recovery';
/** What the server sends a socket excluded from an event: its new position only. */
export const POSITION_EVENT = 'pusher_internal:position';

/**
 * A position in a channel's history.
 * @typedef {Object} Position
 * @property {string} epoch Opaque; a new epoch restarts the offsets.
 * @property {number} offset The event's number in its epoch, from 1.
 */

/**
 * What `realtime:recovery` passes after each attempt to recover missed events.
 * @typedef {Object} RecoveryOutcome
 * @property {boolean} recovered Whether the missed events follow (else they are lost).
 * @property {string|null} position The channel's position at the server when it answered.
 * @property {string|null} from The position the client asked to recover from.
 */

/**
 * A channel position of the recovery extension, `"<epoch>:<offset>"` (the epoch an
 * opaque string without ':', the offset a decimal integer), as `{epoch, offset}`;
 * null for anything else.
 * @param {*} text
 * @returns {Position|null}
 */
export function parsePosition(text) {
  if (typeof text !== 'string') return null;
  const at = text.indexOf(':');
  const offset = text.slice(at + 1);
  if (at <= 0 || !/^[0-9]{1,15}$/.test(offset)) return null;
  return { epoch: text.slice(0, at), offset: Number(offset) };
}

/**
 * `position` written back as a string (without leading zeros in the offset).
 * @param {Position} position
 * @returns {string}
 */
export function formatPosition(position) {
  return `${position.epoch}:${position.offset}`;
}
