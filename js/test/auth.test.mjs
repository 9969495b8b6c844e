import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { authorize } from '../src/auth.js';
import { answer } from './fakes.mjs';

/** An HttpClient stand-in whose raw() records the requests and answers with `reply()`. */
function http(reply) {
  const requests = [];
  return { requests, raw: async (url, init) => { requests.push([url, init]); return reply(); } };
}

const ENDPOINT = { endpoint: '/auth/', headers: { 'X-CSRFToken': 't' } };

describe('authorize', () => {
  it('POSTs the parameters form-encoded with the configured headers', async () => {
    const client = http(() => answer(200, { auth: 'k:sig', channel_data: '{}' }));
    const result = await authorize(client, ENDPOINT, 'channelAuthorization', { socket_id: '1.1', channel_name: 'private-a' });
    assert.deepEqual(result, { auth: 'k:sig', channel_data: '{}' });
    const [url, init] = client.requests[0];
    assert.equal(url, '/auth/');
    assert.equal(init.method, 'POST');
    assert.equal(init.body, 'socket_id=1.1&channel_name=private-a');
    assert.equal(init.credentials, 'same-origin');
    assert.deepEqual(init.headers, { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRFToken': 't' });
  });

  it('rejects with an AuthError saying what went wrong', async () => {
    const cases = [
      [undefined, () => answer(200, {}), { status: 0, message: 'No channelAuthorization.endpoint in the Realtime config' }],
      [ENDPOINT, () => { throw new TypeError('offline'); }, { status: 0, message: 'Could not reach /auth/: offline' }],
      [ENDPOINT, () => answer(403, { error: 'no' }), { status: 403, message: '/auth/ answered 403: {"error":"no"}' }],
      [ENDPOINT, () => answer(500, '<html>'), { status: 500, message: '/auth/ answered 500 (not JSON)' }],
      [ENDPOINT, () => answer(200, { auth: 1 }), { status: 200, message: '/auth/ did not answer JSON with an "auth" string: {"auth":1}' }],
    ];
    for (const [settings, reply, expected] of cases) {
      await assert.rejects(authorize(http(reply), settings, 'channelAuthorization', {}), { name: 'AuthError', ...expected });
    }
  });
});
