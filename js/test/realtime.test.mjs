import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import * as api from '../src/index.js';
import { Realtime } from '../src/realtime.js';
import { answer, FakeSocket, settle } from './fakes.mjs';

const CONFIG = {
  key: 'k',
  wsHost: 'ws.example',
  userAuthentication: { endpoint: '/signin/' },
  routers: { objects: '/routes/', subscriptions: '/subscriptions/' },
};
let clients = [];

function client(options = {}) {
  const realtime = new Realtime(CONFIG, { WebSocket: FakeSocket, ...options });
  clients.push(realtime);
  return realtime;
}

beforeEach(() => {
  FakeSocket.opened = [];
});
afterEach(() => {
  for (const realtime of clients) realtime.disconnect();
  clients = [];
});

describe('Realtime', () => {
  it('carries the other classes and the version, as the global does', () => {
    for (const name of Object.keys(api).filter((n) => n !== 'Realtime')) assert.equal(Realtime[name], api[name], name);
  });

  it('connects on creation and shows the connection through its own fields', async () => {
    const realtime = client();
    assert.equal(realtime.state, 'connecting');
    assert.equal(realtime.url, FakeSocket.last.url);
    FakeSocket.last.establish('4.4', { extensions: ['recovery'] });
    assert.equal(await realtime.ready(), realtime);
    assert.deepEqual([realtime.state, realtime.socketId, realtime.extensions], ['connected', '4.4', ['recovery']]);
    assert.equal(realtime.disconnect(), realtime);
    assert.equal(realtime.state, 'disconnected');
    assert.equal(realtime.connect(), realtime);
    assert.equal(FakeSocket.opened.length, 2);
  });

  it('refuses a bad config before connecting', () => {
    assert.throws(() => new Realtime({ key: 'k' }, { WebSocket: FakeSocket }), /neither wsHost nor cluster/);
    assert.throws(() => new Realtime({ key: 'k', wsHost: 'h' }, { retries: 1 }), /unknown options retries/);
    assert.equal(FakeSocket.opened.length, 0);
  });

  it('subscribes channels by name, or router channels with params', async () => {
    const realtime = client({ fetch: async () => answer(200, { channel: 'todo-item-1' }) });
    FakeSocket.last.establish();
    const news = realtime.subscribe('news');
    assert.equal(realtime.channel('news'), news);
    const routed = realtime.subscribe('todo-item', { todo_list: 1 });
    assert.ok(routed instanceof Promise);
    await settle();
    FakeSocket.last.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'todo-item-1', data: '{}' });
    assert.equal((await routed).name, 'todo-item-1');
    assert.deepEqual(realtime.allChannels().map((c) => c.name), ['news', 'todo-item-1']);
    realtime.unsubscribe('todo-item', { todo_list: 1 });
    realtime.unsubscribe('news');
    assert.deepEqual(realtime.allChannels(), []);
  });

  it("routes the sign-in's answer and the user's events to realtime.user", async () => {
    const realtime = client({ fetch: async () => answer(200, { auth: 'k:sig', user_data: '{"id":3}' }) });
    FakeSocket.last.establish();
    const user = realtime.signin();
    assert.equal(user, realtime.user);
    await settle();
    const notes = [];
    user.bind('note', (data) => notes.push(data));
    FakeSocket.last.receive({ event: 'pusher:signin_success', data: { user_data: '{"id":3}' } });
    FakeSocket.last.receive({ event: 'note', channel: '#server-to-user-3', data: '"hi"' });
    assert.equal(user.signedIn, true);
    assert.deepEqual(notes, ['hi']);
  });

  it("routes watchlist events, which name no channel, to realtime.user.watchlist", () => {
    const realtime = client();
    FakeSocket.last.establish();
    const online = [];
    realtime.user.watchlist.bind('online', (event) => online.push(event.user_ids));
    const events = JSON.stringify({ events: [{ name: 'online', user_ids: ['5'] }] });
    FakeSocket.last.receive({ event: 'pusher_internal:watchlist_events', data: events });
    assert.deepEqual(online, [['5']]);
  });

  it("fetch() goes through the configured fetch with the socket id", async () => {
    const seen = [];
    const realtime = client({ fetch: async (url, init) => { seen.push([url, init.headers.get('X-Socket-ID')]); return answer(200, {}); } });
    FakeSocket.last.establish('5.5');
    await realtime.fetch('/items/');
    assert.deepEqual(seen, [['/items/', '5.5']]);
  });
});
