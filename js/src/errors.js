/** The errors realtime.js rejects with or passes to `*_error` events. */

/**
 * An answer's body as an error message quotes it: JSON (the server's own error
 * answer), cut to 300 characters. Anything else, an HTML page above all (Django's
 * error or CSRF page, a debug traceback), is not for a user to read: only its kind.
 * @param {string} text
 * @returns {string}
 */
export function quotedBody(text) {
  try {
    JSON.parse(text);
  } catch (error) {
    return ' (not JSON)';
  }
  return `: ${text.slice(0, 300)}`;
}

/**
 * `error`'s message for a message of ours: what a failed fetch() rejected with.
 * @param {*} error
 * @returns {string}
 */
export function reasonOf(error) {
  return error && error.message ? error.message : String(error);
}

/**
 * An authorization endpoint refused or failed; the argument of
 * `pusher:subscription_error` and `pusher:signin_error` (pusher-js's shape:
 * `{type: "AuthError", status, error}`).
 */
export class AuthError extends Error {
  /**
   * @param {number} status HTTP status (0 when the endpoint could not be reached).
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = 'AuthError';
    /** Always "AuthError" (pusher-js's field). */
    this.type = 'AuthError';
    /** HTTP status (0 when the endpoint could not be reached). */
    this.status = status;
    /** The message again (pusher-js's field). */
    this.error = message;
  }
}

/** Why `ready()` failed: the connection was refused for good or closed by the app. */
export class ConnectionError extends Error {
  /**
   * @param {string} message
   * @param {number|null} code The close or `pusher:error` code, when there was one.
   */
  constructor(message, code) {
    super(message);
    this.name = 'ConnectionError';
    /** The close or `pusher:error` code, when there was one. */
    this.code = code;
  }
}

/**
 * A router request failed: the server's answer (`{"error", "errors"?}`) or, with
 * `status` 0, no answer at all. `errors` holds messages by field or parameter name
 * (`{text: ["This field is required."]}`), empty when the server gave none.
 */
export class RouterError extends Error {
  /**
   * @param {number} status HTTP status (0 when the server could not be reached).
   * @param {string} message
   * @param {Object<string, Array<string>>} [errors]
   */
  constructor(status, message, errors) {
    super(message);
    this.name = 'RouterError';
    /** HTTP status (0 when the server could not be reached). */
    this.status = status;
    /** Messages by field or parameter name. */
    this.errors = errors || {};
  }
}
