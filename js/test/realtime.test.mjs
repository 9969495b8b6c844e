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

describe('Realtime following a switch of backends', () => {
  const deployment = (id) => ({ id, endpoint: '/realtime/config/' });
  const OLD = {
    backend: 'tornado_redis', key: 'old-key', wsHost: 'old.example', wsPort: 6000,
    deployment: deployment('tornado_redis:aaaaaaaaaaaa'),
    channelAuthorization: { endpoint: '/auth/', headers: { 'X-Realtime-Deployment': 'tornado_redis:aaaaaaaaaaaa' } },
    routers: { objects: '/routes/', subscriptions: '/subscriptions/' },
  };
  const NEW = {
    ...OLD, backend: 'pusher', key: 'new-key', wsHost: 'new.example', wsPort: 7000,
    deployment: deployment('pusher:bbbbbbbbbbbb'),
    channelAuthorization: { endpoint: '/auth/', headers: { 'X-Realtime-Deployment': 'pusher:bbbbbbbbbbbb' } },
  };

  /** A client on OLD whose site is switched to NEW: its answers name NEW's deployment. */
  function switchedSite(items) {
    const requests = [];
    const fetch = async (url, init) => {
      requests.push([url, new Headers(init.headers).get('X-Realtime-Deployment')]);
      const headers = { 'X-Realtime-Deployment': NEW.deployment.id };
      if (url === '/realtime/config/') return new Response(JSON.stringify(NEW), { headers });
      if (url.startsWith('/subscriptions/')) return new Response(JSON.stringify({ channel: 'todo-item-1' }), { headers });
      const results = items();
      return new Response(JSON.stringify({ results, count: results.length, page: 1, page_size: 50, has_next: false }), { headers });
    };
    const config = structuredClone(OLD);
    const realtime = new Realtime(config, { WebSocket: FakeSocket, fetch });
    clients.push(realtime);
    return { realtime, config, requests };
  }

  it('moves to the deployment an answer names: new config, new socket, every channel again', async () => {
    const { realtime, config, requests } = switchedSite(() => []);
    const first = FakeSocket.last;
    first.establish('1.1');
    const news = realtime.subscribe('news');
    first.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'news', data: '{}' });
    const changes = [];
    realtime.bind('deployment_change', (change) => changes.push(change));

    await realtime.fetch('/some/view/');
    await settle();
    assert.deepEqual(requests.map(([url]) => url), ['/some/view/', '/realtime/config/']);
    assert.equal(requests[0][1], OLD.deployment.id, "the page's requests name its deployment");
    assert.deepEqual(changes, [{ previous: OLD.deployment.id, current: NEW.deployment.id, config: realtime.config }]);
    assert.equal(realtime.config, config, 'replaced in place');
    assert.deepEqual(realtime.config, NEW);
    assert.equal(realtime.backend, 'pusher');
    assert.equal(first.closedWith, 1000);
    assert.equal(FakeSocket.opened.length, 2);
    assert.match(FakeSocket.last.url, /^ws:\/\/new\.example:7000\/app\/new-key\?/);
    assert.equal(realtime.state, 'connecting');
    assert.equal(news.subscribed, false);

    FakeSocket.last.establish('2.2');
    assert.deepEqual(FakeSocket.last.sent, [{ event: 'pusher:subscribe', data: { channel: 'news' } }]);
    await realtime.fetch('/some/view/');
    assert.equal(requests.at(-1)[1], NEW.deployment.id, 'and then the new one');
    await settle();
    assert.equal(FakeSocket.opened.length, 2, 'once moved, an answer naming it is no reason to move');
  });

  it('loads live lists again on the new backend', async () => {
    let items = [{ id: 1, text: 'Milk' }];
    const { realtime } = switchedSite(() => items);
    FakeSocket.last.establish('1.1');
    const loading = realtime.live('todo-item', { todo_list: 1 });
    await settle();
    FakeSocket.last.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'todo-item-1', data: '{}' });
    const live = await loading;
    assert.deepEqual(live.items, [{ id: 1, text: 'Milk' }]);
    await settle();
    assert.equal(FakeSocket.opened.length, 2, "the routers' answers named the new deployment");

    items = [{ id: 1, text: 'Milk' }, { id: 2, text: 'Made during the move' }];
    FakeSocket.last.establish('2.2');
    FakeSocket.last.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'todo-item-1', data: '{}' });
    await settle();
    assert.deepEqual(live.items.map((item) => item.id), [1, 2]);
  });

  it('asks when the connection drops, and on checkDeployment()', async () => {
    const { realtime, requests } = switchedSite(() => []);
    FakeSocket.last.establish('1.1');
    FakeSocket.last.drop(1006);
    await settle();
    assert.deepEqual(requests.map(([url]) => url), ['/realtime/config/']);
    assert.match(FakeSocket.last.url, /new\.example/);
    assert.equal(await realtime.checkDeployment(), false, 'already there');
  });

  it('reports a check that fails as an error, and stays', async () => {
    const failing = async () => answer(500, 'boom');
    const realtime = new Realtime({ ...CONFIG, deployment: deployment('memory:cccccccccccc') }, { WebSocket: FakeSocket, fetch: failing });
    clients.push(realtime);
    const errors = [];
    realtime.bind('error', (error) => errors.push(error));
    assert.equal(await realtime.checkDeployment(), false);
    assert.equal(errors[0].type, 'DeploymentError');
    assert.match(errors[0].error.message, /answered 500/);
    assert.equal(FakeSocket.opened.length, 1);
  });
});
