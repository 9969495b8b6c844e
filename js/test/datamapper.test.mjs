import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Channel } from '../src/channel.js';
import { DataMapper } from '../src/datamapper.js';

describe('DataMapper', () => {
  it('creates, merges updates into and deletes objects by key, in the given array', () => {
    const items = [{ id: 1, text: 'a', done: false }];
    const mapper = new DataMapper(items);
    assert.equal(mapper.items, items);
    assert.ok(mapper.apply('updated', { id: '1', done: true }));
    assert.deepEqual(items, [{ id: '1', text: 'a', done: true }]);
    assert.ok(mapper.apply('created', { id: 2, text: 'b' }));
    assert.ok(mapper.apply('created', { id: 2, text: 'c' }));
    assert.ok(mapper.apply('updated', { id: 3, text: 'd' }));
    assert.ok(mapper.apply('deleted', { id: 1 }));
    assert.equal(mapper.apply('deleted', { id: 1 }), false);
    assert.equal(mapper.apply('created', { text: 'no key' }), false);
    assert.deepEqual(items, [{ id: 2, text: 'c' }, { id: 3, text: 'd' }]);
    assert.throws(() => mapper.apply('moved', { id: 2 }), /unknown action moved/);
  });

  it('uses another key, and refuses what is not an array or an option it knows', () => {
    const mapper = new DataMapper([], { key: 'pk' });
    mapper.apply('created', { pk: 'x' });
    mapper.apply('created', { id: 'y' });
    assert.deepEqual(mapper.items, [{ pk: 'x' }]);
    assert.throws(() => new DataMapper({}), /needs an array/);
    assert.throws(() => new DataMapper([], { id: 'pk' }), /unknown options id; known: key/);
  });

  it('tells listeners of each change and of a reset, until they stop listening', () => {
    const items = [];
    const mapper = new DataMapper(items);
    const changes = [];
    const stop = mapper.onChange(({ action, item }) => changes.push([action, item && item.id]));
    mapper.apply('created', { id: 1 });
    mapper.reset([{ id: 5 }, { id: 6 }]);
    assert.equal(mapper.items, items);
    assert.deepEqual(items, [{ id: 5 }, { id: 6 }]);
    stop();
    mapper.apply('deleted', { id: 5 });
    assert.deepEqual(changes, [['created', 1], ['reset', null]]);
    assert.throws(() => mapper.reset('x'), /needs an array/);
    assert.throws(() => mapper.onChange(null), /needs a function/);
  });

  it("applies a channel's events until unbound", () => {
    const channel = new Channel('todo', { recovers: false, userId: null, send: () => true, request() {} });
    const mapper = new DataMapper();
    const unbind = mapper.bind(channel);
    channel._handle({ event: 'created', channel: 'todo', data: { id: 1 } });
    channel._handle({ event: 'updated', channel: 'todo', data: { id: 1, text: 'x' } });
    unbind();
    channel._handle({ event: 'deleted', channel: 'todo', data: { id: 1 } });
    assert.deepEqual(mapper.items, [{ id: 1, text: 'x' }]);
  });
});
