/** The authorization endpoints: a signature for a channel subscription or a sign-in. */

import { AuthError, quotedBody, reasonOf } from './errors.js';

/** @typedef {import('./config.js').AuthEndpoint} AuthEndpoint */
/** @typedef {import('./http.js').HttpClient} HttpClient */

/**
 * What an authorization endpoint answers (Pusher's shape).
 * @typedef {Object} Authorization
 * @property {string} auth The signature.
 * @property {string} [channel_data] Presence channels: the member, as JSON.
 * @property {string} [user_data] Sign-in: the user, as JSON.
 */

/**
 * POST `params` form-encoded to an authorization endpoint.
 * @param {HttpClient} http Sends the request (its `raw()`: without the client's own headers).
 * @param {AuthEndpoint|undefined} settings The endpoint of the config.
 * @param {string} what The config key, for messages ("channelAuthorization").
 * @param {Record<string, string>} params
 * @returns {Promise<Authorization>} its JSON answer (with a string `auth`); rejects
 *   with an {@link AuthError}.
 */
export async function authorize(http, settings, what, params) {
  if (!settings || !settings.endpoint) throw new AuthError(0, `No ${what}.endpoint in the Realtime config`);
  const endpoint = settings.endpoint;
  let response;
  let text;
  try {
    response = await http.raw(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...settings.headers },
      body: new URLSearchParams(params).toString(),
      credentials: 'same-origin',
    });
    text = await response.text();
  } catch (error) {
    throw new AuthError(0, `Could not reach ${endpoint}: ${reasonOf(error)}`);
  }
  if (response.status !== 200) {
    throw new AuthError(response.status, `${endpoint} answered ${response.status}${quotedBody(text)}`);
  }
  let answer;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    answer = null;
  }
  if (!answer || typeof answer.auth !== 'string') {
    throw new AuthError(200, `${endpoint} did not answer JSON with an "auth" string${quotedBody(text)}`);
  }
  return answer;
}
