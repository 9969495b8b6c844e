import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Emitter } from '../src/emitter.js';
import { checkOptions, filtersOf, queryString, routeKey, Routers } from '../src/routers.js';
import { Subscriptions } from '../src/subscriptions.js';
import { User } from '../src/user.js';
import { answer, settle } from './fakes.mjs';

const CONFIG = { key: 'k', routers: { objects: '/realtime/routes', subscriptions: '/realtime/subscriptions/' } };

/** Routers over a connected connection stand-in; `reply(url, init)` answers each request. */
function routers(reply) {
  const connection = { socketId: '1.1', generation: 1, recovers: false, wanted: true, sent: [], send(frame) { this.sent.push(frame); return true; } };
  const requests = [];
  const http = { fetch: async (url, init) => { requests.push([url, init]); return reply(url, init); } };
  const client = new Emitter();
  const subscriptions = new Subscriptions(connection, CONFIG, http, new User());
  return { routes: new Routers(client, CONFIG, connection, http, subscriptions), requests, connection, client, subscriptions };
}

describe('router parameters', () => {
  it('writes query strings without undefined values, and refuses objects', () => {
    assert.equal(queryString({ todo_list: 1, done: false, skip: undefined, q: 'a b' }, 'x'), 'todo_list=1&done=false&q=a+b');
    assert.equal(queryString(undefined, 'x'), '');
    assert.throws(() => queryString({ a: { b: 1 } }, 'todo-item'), /todo-item: parameter a must be a string, number or boolean/);
    assert.throws(() => queryString([1], 'x'), /params must be an object/);
  });

  it('keeps the filters, not the list parameters, and keys them in a stable order', () => {
    assert.deepEqual(filtersOf({ todo_list: 1, ordering: 'order', page: 2, page_size: 5, skip: undefined }, 'x'), { todo_list: 1 });
    assert.equal(routeKey('todo-item', { b: 2, a: 'x y' }), routeKey('todo-item', { a: 'x y', b: 2 }));
    assert.equal(routeKey('todo-item', { a: 'x y' }), 'todo-item?a=x%20y');
  });

  it('accepts only known options', () => {
    assert.deepEqual(checkOptions(undefined, ['key'], 'live()'), {});
    assert.throws(() => checkOptions({ keys: 1 }, ['key'], 'live()'), /live\(\): unknown options keys; known: key/);
  });
});

describe('Routers', () => {
  it('sends each verb to its URL, as JSON', async () => {
    const { routes, requests } = routers(() => answer(200, { id: 7 }));
    await routes.getList('todo-item', { todo_list: 1, page: 2 });
    await routes.getSingle('todo-item', 7);
    await routes.create('todo-item', { text: 'Milk' }, { excludeSelf: true });
    await routes.update('todo-item', 7, { done: true });
    await routes.delete('todo-item', 'a/b');
    assert.deepEqual(requests.map(([url, init]) => `${init.method} ${url}`), [
      'GET /realtime/routes/todo-item/?todo_list=1&page=2',
      'GET /realtime/routes/todo-item/7/',
      'POST /realtime/routes/todo-item/',
      'PATCH /realtime/routes/todo-item/7/',
      'DELETE /realtime/routes/todo-item/a%2Fb/',
    ]);
    assert.deepEqual(requests[2][1].headers, { Accept: 'application/json', 'Content-Type': 'application/json', 'X-Realtime-Exclude-Self': '1' });
    assert.equal(requests[2][1].body, '{"text":"Milk"}');
    assert.equal(requests[4][1].body, undefined);
  });

  it("rejects with the server's error, its field errors, or what went wrong", async () => {
    const failing = routers(() => answer(400, { error: 'invalid', errors: { text: ['required'] } }));
    await assert.rejects(failing.routes.create('todo-item', {}), { name: 'RouterError', status: 400, message: 'invalid', errors: { text: ['required'] } });
    const html = routers(() => answer(500, '<html>'));
    await assert.rejects(html.routes.getSingle('todo-item', 1), { status: 500, message: 'GET /realtime/routes/todo-item/1/ answered 500 (not JSON)' });
    const notJson = routers(() => answer(200, 'ok'));
    await assert.rejects(notJson.routes.getSingle('todo-item', 1), { status: 200, message: /did not answer JSON/ });
    const offline = routers(() => { throw new TypeError('offline'); });
    await assert.rejects(offline.routes.getSingle('todo-item', 1), { status: 0, message: /Could not reach .*: offline/ });
    assert.throws(() => offline.routes._objectUrl('todo-item', ''), /primary key must be a string or a number/);
    await assert.rejects(offline.routes.create('todo-item', {}, { exclude: true }), /unknown options exclude/);
  });

  it('needs the routers in the config and a route name', async () => {
    const { routes } = routers(() => answer(200, {}));
    routes._config = { key: 'k' };
    await assert.rejects(routes.getList('todo-item'), /the config has no routers.objects URL/);
    routes._config = CONFIG;
    await assert.rejects(routes.getList(''), /A route name is needed/);
  });

  it("subscribes to the router's channel for the filters and resolves once subscribed", async () => {
    const { routes, requests, connection, subscriptions } = routers(() => answer(200, { channel: 'todo-item-1' }));
    const subscribing = routes.subscribe('todo-item', { todo_list: 1, ordering: 'order' });
    await settle();
    assert.equal(requests[0][0], '/realtime/subscriptions/todo-item/?todo_list=1');
    assert.deepEqual(connection.sent, [{ event: 'pusher:subscribe', data: { channel: 'todo-item-1' } }]);
    subscriptions.route({ event: 'pusher_internal:subscription_succeeded', channel: 'todo-item-1', data: {} });
    assert.equal((await subscribing).name, 'todo-item-1');
    routes.unsubscribe('todo-item', { todo_list: 1 });
    assert.deepEqual(connection.sent.at(-1), { event: 'pusher:unsubscribe', data: { channel: 'todo-item-1' } });
  });

  it('rejects the subscription on disconnection, refusal or an earlier unsubscribe', async () => {
    const disconnected = routers(() => answer(200, { channel: 'todo-item-1' }));
    const waiting = disconnected.routes.subscribe('todo-item', { todo_list: 1 });
    await settle();
    disconnected.client._emit('disconnected', {});
    await assert.rejects(waiting, { name: 'ConnectionError', message: 'Disconnected before todo-item-1 was subscribed' });

    const refused = routers(() => answer(200, { channel: 'todo-item-1' }));
    const refusing = refused.routes.subscribe('todo-item', { todo_list: 1 });
    await settle();
    refused.subscriptions.route({ event: 'pusher:subscription_error', channel: 'todo-item-1', data: { status: 403, error: 'no' } });
    await assert.rejects(refusing, { name: 'AuthError', status: 403, message: 'no' });

    const early = routers(() => answer(200, { channel: 'todo-item-1' }));
    const cancelled = early.routes.subscribe('todo-item', { todo_list: 1 });
    early.routes.unsubscribe('todo-item', { todo_list: 1 });
    await assert.rejects(cancelled, /came before the subscription was made/);

    const nameless = routers(() => answer(200, { nope: 1 }));
    await assert.rejects(nameless.routes.subscribe('todo-item', {}), /answered no channel name/);
  });
});
