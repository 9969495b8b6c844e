/**
 * The Pusher Channels protocol (version 7) as realtime.js speaks it: the version the
 * client announces, the frames, the close codes' meaning and the decoding of `data`.
 */

/** The client's version, sent in the socket URL (the Python package's version). */
export const VERSION = '0.1.0';
/** The Pusher protocol version. */
export const PROTOCOL = 7;
/** Prefix of the channel that carries the server's events for one signed-in user. */
export const SERVER_TO_USER_PREFIX = '#server-to-user-';

/**
 * One frame, as the server sends it and the client sends back (`data` decoded once
 * received).
 * @typedef {Object} Frame
 * @property {string} event
 * @property {string} [channel]
 * @property {*} [data]
 * @property {string|number} [user_id] The sender of a client event on a presence channel.
 * @property {string} [position] The recovery extension's `"<epoch>:<offset>"`.
 * @property {boolean} [recovered] The recovery extension's answer to a subscription.
 */

/**
 * What the client does after a close with `code`.
 * @typedef {'refused'|'tls'|'fixed'|'immediate'|'backoff'} CloseAction
 */

/**
 * pusher-js's rule: string data that parses as JSON is given parsed, any other stays.
 * @param {*} data
 * @returns {*}
 */
export function decodeData(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch (error) {
    return data;
  }
}

/**
 * Whether `id` can name a user (presence member or signed-in user): a non-empty string or a number.
 * @param {*} id
 * @returns {id is string|number}
 */
export function isUserId(id) {
  return (typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isFinite(id));
}

/**
 * What to do after a close with `code`: 4000 retry with TLS, 4001-4099 never
 * reconnect, 4100-4199 after a fixed delay, 4200-4299 at once, anything else with
 * backoff.
 * @param {number|null} code
 * @returns {CloseAction}
 */
export function closeAction(code) {
  if (code === null) return 'backoff';
  if (code === 4000) return 'tls';
  if (code >= 4001 && code <= 4099) return 'refused';
  if (code >= 4100 && code <= 4199) return 'fixed';
  if (code >= 4200 && code <= 4299) return 'immediate';
  return 'backoff';
}
