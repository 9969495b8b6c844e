// DataMapper: an array kept in step with created/updated/deleted events.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DataMapper } from '../../realtime_core/static/realtime_core/realtime.js';
import { Clients, ServerProcess, subscribed, waitFor } from './helpers.mjs';

describe('DataMapper', () => {
  it('created appends, or replaces the object with the same id', () => {
    const items = [{ id: 1, text: 'a', done: false }];
    const mapper = new DataMapper(items);

    assert.equal(mapper.apply('created', { id: 2, text: 'b' }), true);
    assert.equal(mapper.apply('created', { id: 1, text: 'a2' }), true);

    assert.equal(mapper.items, items, 'the given array, mutated in place');
    assert.deepEqual(items, [{ id: 1, text: 'a2' }, { id: 2, text: 'b' }]);
  });

  it('updated merges fields into the existing object, or adds a missing one', () => {
    const first = { id: 1, text: 'a', done: false };
    const mapper = new DataMapper([first]);

    mapper.apply('updated', { id: 1, done: true });
    mapper.apply('updated', { id: 3, text: 'c' });

    assert.equal(mapper.items[0], first, 'the same object, so references to it stay valid');
    assert.deepEqual(mapper.items, [{ id: 1, text: 'a', done: true }, { id: 3, text: 'c' }]);
  });

  it('deleted removes by id; an unknown id changes nothing', () => {
    const mapper = new DataMapper([{ id: 1 }, { id: 2 }, { id: 3 }]);

    assert.equal(mapper.apply('deleted', { id: 2 }), true);
    assert.equal(mapper.apply('deleted', { id: 9 }), false);

    assert.deepEqual(mapper.items, [{ id: 1 }, { id: 3 }]);
  });

  it('matches ids across numbers and strings, on the configured key', () => {
    const mapper = new DataMapper([{ slug: 'x', n: 1 }, { slug: '7', n: 2 }], { key: 'slug' });

    mapper.apply('updated', { slug: 7, n: 3 });

    assert.deepEqual(mapper.items, [{ slug: 'x', n: 1 }, { slug: 7, n: 3 }]);
    assert.throws(() => new DataMapper([], { id: 'slug' }), /unknown options id/);
    assert.throws(() => new DataMapper({}), /array/);
    assert.throws(() => mapper.apply('moved', { slug: 'x' }), /unknown action moved/);
  });

  it('onChange() tells every change, and can stop', () => {
    const mapper = new DataMapper([]);
    const changes = [];
    const stop = mapper.onChange((change) => changes.push({ ...change, item: { ...change.item }, items: change.items.map((i) => i.id) }));

    mapper.apply('created', { id: 1, v: 'a' });
    mapper.apply('updated', { id: 1, v: 'b' });
    mapper.apply('deleted', { id: 2 }); // nothing to delete: no change
    mapper.apply('deleted', { id: 1 });
    stop();
    mapper.apply('created', { id: 5 });

    assert.deepEqual(changes, [
      { action: 'created', item: { id: 1, v: 'a' }, items: [1] },
      { action: 'updated', item: { id: 1, v: 'b' }, items: [1] },
      { action: 'deleted', item: { id: 1, v: 'b' }, items: [] },
    ]);
  });

  it('reset() replaces every item in the same array and tells listeners', () => {
    const items = [{ id: 1 }, { id: 2 }];
    const mapper = new DataMapper(items);
    const changes = [];
    mapper.onChange((change) => changes.push(change));

    mapper.reset([{ id: 3, v: 'c' }]);
    mapper.apply('updated', { id: 3, v: 'd' });

    assert.equal(mapper.items, items, 'the given array, mutated in place');
    assert.deepEqual(items, [{ id: 3, v: 'd' }]);
    assert.deepEqual(changes.map(({ action, item }) => [action, item && item.id]), [['reset', null], ['updated', 3]]);
    assert.throws(() => mapper.reset({}), /array/);
  });

  describe('bound to a channel of a real server', () => {
    let server;
    const clients = new Clients();

    before(async () => {
      server = await ServerProcess.start();
    });

    after(async () => {
      clients.closeAll();
      await server.stop();
    });

    it('follows the created/updated/deleted events SelfPublishModel publishes', async () => {
      const client = await clients.connected(server.config());
      const channel = await subscribed(client, 'todo.todoitem');
      const todos = new DataMapper([{ id: 1, text: 'milk', done: false }]);
      const renders = [];
      todos.onChange(({ items }) => renders.push(items.map((item) => `${item.id}:${item.text}:${item.done}`)));
      const unbind = todos.bind(channel);

      await server.publish('todo.todoitem', 'created', { id: 2, text: 'eggs', done: false });
      await server.publish('todo.todoitem', 'updated', { id: 1, text: 'milk', done: true });
      await server.publish('todo.todoitem', 'deleted', { id: 2 });
      await waitFor(() => renders.length === 3, 'three changes');
      unbind();
      await server.publish('todo.todoitem', 'created', { id: 3, text: 'late', done: false });
      await server.publish('todo.todoitem', 'marker', {});
      await waitFor(() => client.frames.some((frame) => frame.event === 'marker'), 'the marker');

      assert.deepEqual(renders, [['1:milk:false', '2:eggs:false'], ['1:milk:true', '2:eggs:false'], ['1:milk:true']]);
      assert.deepEqual(todos.items, [{ id: 1, text: 'milk', done: true }]);
    });
  });
});
