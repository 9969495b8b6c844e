import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';

import { Emitter } from '../src/emitter.js';

describe('Emitter', () => {
  it('calls the callbacks of an event with data, metadata and the context', () => {
    const emitter = new Emitter();
    const calls = [];
    const context = { name: 'ctx' };
    emitter.bind('a', function (data, metadata) {
      calls.push([this, data, metadata]);
    }, context);
    emitter._emit('a', 1, { user_id: '2' });
    emitter._emit('b', 3);
    assert.deepEqual(calls, [[context, 1, { user_id: '2' }]]);
  });

  it('unbinds one callback, an event, a callback everywhere, or everything', () => {
    const emitter = new Emitter();
    const calls = [];
    const one = (data) => calls.push(`one ${data}`);
    const two = (data) => calls.push(`two ${data}`);
    emitter.bind('a', one).bind('a', two).bind('b', one);
    emitter.unbind('a', one);
    emitter._emit('a', 1);
    emitter.unbind(null, one);
    emitter._emit('b', 2);
    emitter.bind('b', one).unbind('b');
    emitter._emit('b', 3);
    emitter.bind('c', two).unbind();
    emitter._emit('c', 4);
    assert.deepEqual(calls, ['two 1']);
  });

  it('calls global callbacks first, with the event name', () => {
    const emitter = new Emitter();
    const calls = [];
    emitter.bind('a', () => calls.push('bound'));
    const global = (event, data) => calls.push(`global ${event} ${data}`);
    emitter.bindGlobal(global);
    emitter._emit('a', 1);
    emitter.unbindGlobal(global);
    emitter._emit('a', 2);
    assert.deepEqual(calls, ['global a 1', 'bound', 'bound']);
  });

  it('refuses a callback that is not a function', () => {
    assert.throws(() => new Emitter().bind('a', 'nope'), TypeError);
    assert.throws(() => new Emitter().bindGlobal(null), TypeError);
  });

  it("reports a callback's error later and still calls the others", () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const emitter = new Emitter();
      const calls = [];
      emitter.bind('a', () => {
        throw new Error('boom');
      });
      emitter.bind('a', () => calls.push('second'));
      emitter._emit('a');
      assert.deepEqual(calls, ['second']);
      assert.throws(() => mock.timers.tick(0), /boom/);
    } finally {
      mock.timers.reset();
    }
  });
});
