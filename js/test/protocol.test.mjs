import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { closeAction, decodeData, isUserId, PROTOCOL, VERSION } from '../src/protocol.js';

describe('protocol', () => {
  it('decodes data that is JSON and leaves any other as it came', () => {
    assert.deepEqual(decodeData('{"a":1}'), { a: 1 });
    assert.equal(decodeData('not json'), 'not json');
    assert.equal(decodeData('"quoted"'), 'quoted');
    const object = { a: 1 };
    assert.equal(decodeData(object), object);
  });

  it('names users by non-empty strings and finite numbers only', () => {
    assert.ok(isUserId('7'));
    assert.ok(isUserId(7));
    for (const id of ['', null, undefined, NaN, Infinity, {}, ['1']]) assert.equal(isUserId(id), false, String(id));
  });

  it('maps close codes to what the client does next', () => {
    assert.equal(closeAction(4000), 'tls');
    assert.equal(closeAction(4001), 'refused');
    assert.equal(closeAction(4099), 'refused');
    assert.equal(closeAction(4100), 'fixed');
    assert.equal(closeAction(4199), 'fixed');
    assert.equal(closeAction(4200), 'immediate');
    assert.equal(closeAction(4299), 'immediate');
    for (const code of [null, 1000, 1006, 4300, 3999]) assert.equal(closeAction(code), 'backoff', String(code));
  });

  it('speaks protocol 7 and announces the package version', () => {
    assert.equal(PROTOCOL, 7);
    assert.match(VERSION, /^\d+\.\d+\.\d+/);
  });
});
