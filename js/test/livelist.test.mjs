import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Channel } from '../src/channel.js';
import { LiveList } from '../src/livelist.js';
import { settle } from './fakes.mjs';

/**
 * A live list over `pages` (arrays of objects, page 1 first) served by a routers
 * stand-in; `hold()` makes the next getList wait until `release()`.
 */
function live(pages) {
  let gate = null;
  const routers = {
    requests: [],
    unsubscribed: [],
    async getList(route, params) {
      this.requests.push(params);
      if (gate) await gate.promise;
      const page = pages[params.page - 1] || [];
      return { results: page, has_next: params.page < pages.length };
    },
    unsubscribe(route, filters) {
      this.unsubscribed.push([route, filters]);
    },
  };
  const channel = new Channel('todo-item-1', { recovers: false, userId: null, send: () => true, request() {} });
  channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {} });
  const list = new LiveList(routers, 'todo-item', { todo_list: 1 }, { todo_list: 1, ordering: 'order' }, channel, 'id');
  const hold = () => {
    let release;
    gate = { promise: new Promise((resolve) => { release = resolve; }) };
    return () => { gate = null; release(); };
  };
  return { list, routers, channel, hold };
}

const created = (channel, data) => channel._handle({ event: 'created', channel: channel.name, data });

describe('LiveList', () => {
  it('loads every page with the list parameters', async () => {
    const { list, routers } = live([[{ id: 1 }, { id: 2 }], [{ id: 2 }, { id: 3 }]]);
    assert.equal(await list.refresh(), list.items);
    assert.deepEqual(list.items.map((item) => item.id), [1, 2, 3], 'an object moved to the next page is kept once');
    assert.deepEqual(routers.requests, [{ todo_list: 1, ordering: 'order', page: 1 }, { todo_list: 1, ordering: 'order', page: 2 }]);
  });

  it('applies the events that arrive during a load after it, in order', async () => {
    const { list, channel, hold } = live([[{ id: 1, text: 'old' }]]);
    const release = hold();
    const loading = list.refresh();
    channel._handle({ event: 'updated', channel: channel.name, data: { id: 1, text: 'new' } });
    created(channel, { id: 2 });
    assert.deepEqual(list.items, [], 'nothing changes before the load is done');
    release();
    await loading;
    assert.deepEqual(list.items, [{ id: 1, text: 'new' }, { id: 2 }]);
    created(channel, { id: 3 });
    assert.equal(list.items.length, 3, 'then events apply at once');
  });

  it('loads again when the channel is subscribed again without recovery', async () => {
    const { list, routers, channel } = live([[{ id: 1 }]]);
    await list.refresh();
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {} });
    await settle();
    assert.equal(routers.requests.length, 2);
  });

  it('stops following and leaves the filters on close()', async () => {
    const { list, routers, channel } = live([[{ id: 1 }]]);
    await list.refresh();
    list.close();
    list.close();
    created(channel, { id: 2 });
    assert.deepEqual(list.items, [{ id: 1 }]);
    assert.deepEqual(routers.unsubscribed, [['todo-item', { todo_list: 1 }]]);
    await assert.rejects(list.refresh(), /This live list of todo-item is closed/);
  });

  it('rejects a list without results and keeps the items as they were', async () => {
    const { list, routers } = live([]);
    routers.getList = async () => ({ nope: true });
    await assert.rejects(list.refresh(), { name: 'RouterError', message: 'The list of todo-item has no "results" array' });
    assert.deepEqual(list.items, []);
  });
});
