import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { formatPosition, parsePosition } from '../src/recovery.js';

describe('recovery positions', () => {
  it('parses "<epoch>:<offset>"', () => {
    assert.deepEqual(parsePosition('abc:12'), { epoch: 'abc', offset: 12 });
    assert.deepEqual(parsePosition('e:0'), { epoch: 'e', offset: 0 });
  });

  it('refuses anything else', () => {
    for (const text of [null, 12, '', ':1', 'abc', 'abc:', 'abc:-1', 'abc:1.5', 'abc:1234567890123456']) {
      assert.equal(parsePosition(text), null, String(text));
    }
  });

  it('writes a position back without leading zeros', () => {
    assert.equal(formatPosition(parsePosition('e:007')), 'e:7');
  });
});
