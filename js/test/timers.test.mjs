import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { Timers } from '../src/timers.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

describe('Timers', () => {
  it('runs a timer once, after its delay', () => {
    const timers = new Timers();
    const calls = [];
    timers.set('a', 100, () => calls.push('a'));
    assert.ok(timers.has('a'));
    mock.timers.tick(99);
    assert.deepEqual(calls, []);
    mock.timers.tick(1);
    assert.deepEqual(calls, ['a']);
    assert.equal(timers.has('a'), false);
  });

  it('replaces a name set again, and clears one or all', () => {
    const timers = new Timers();
    const calls = [];
    timers.set('a', 10, () => calls.push('first'));
    timers.set('a', 20, () => calls.push('second'));
    timers.set('b', 10, () => calls.push('b'));
    timers.clear('b');
    timers.set('c', 10, () => calls.push('c'));
    mock.timers.tick(20);
    assert.deepEqual(calls, ['c', 'second']);
    timers.set('d', 10, () => calls.push('d'));
    timers.set('e', 10, () => calls.push('e'));
    timers.clearAll();
    mock.timers.tick(10);
    assert.deepEqual(calls, ['c', 'second']);
    timers.clear('never-set');
  });
});
