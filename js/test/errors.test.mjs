import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { AuthError, ConnectionError, quotedBody, reasonOf, RouterError } from '../src/errors.js';

describe('errors', () => {
  it('quotes JSON bodies (cut to 300 characters) and only names any other kind', () => {
    assert.equal(quotedBody('{"error":"no"}'), ': {"error":"no"}');
    assert.equal(quotedBody(JSON.stringify('x'.repeat(400))).length, 302);
    assert.equal(quotedBody('<html>CSRF</html>'), ' (not JSON)');
  });

  it("gives a failure's message, or the failure itself", () => {
    assert.equal(reasonOf(new TypeError('offline')), 'offline');
    assert.equal(reasonOf('plain'), 'plain');
    assert.equal(reasonOf(null), 'null');
  });

  it("have pusher-js's shapes and names", () => {
    const auth = new AuthError(403, 'refused');
    assert.ok(auth instanceof Error);
    assert.deepEqual({ name: auth.name, type: auth.type, status: auth.status, error: auth.error, message: auth.message },
      { name: 'AuthError', type: 'AuthError', status: 403, error: 'refused', message: 'refused' });
    const connection = new ConnectionError('gone', 4001);
    assert.deepEqual([connection.name, connection.code], ['ConnectionError', 4001]);
    const router = new RouterError(400, 'invalid', { text: ['required'] });
    assert.deepEqual([router.name, router.status, router.errors], ['RouterError', 400, { text: ['required'] }]);
    assert.deepEqual(new RouterError(0, 'unreachable').errors, {});
  });
});
