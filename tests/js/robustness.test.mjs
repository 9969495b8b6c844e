// Robustness against races, hostile frames and hostile URLs, with a scripted socket
// (no server): what a real server would rarely do, but a broken proxy or a page can.

import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { Realtime } from '../../realtime_core/static/realtime_core/realtime.js';
import { sleep, withTimeout } from './helpers.mjs';

/** A WebSocket the test drives: `establish()`, `receive(frame)`, `drop(code)`. */
class ScriptedSocket {
  static all = [];

  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    ScriptedSocket.all.push(this);
  }

  static get last() {
    return ScriptedSocket.all.at(-1);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close() {
    this.readyState = 3;
  }

  receive(frame) {
    this.onmessage({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  establish(socketId = '1.1') {
    this.readyState = 1;
    this.receive({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: socketId, activity_timeout: 120 }) });
  }
}

const ROUTERS = { objects: '/realtime/routes/', subscriptions: '/realtime/subscriptions/' };
const opened = [];

function open(config = {}, options = {}) {
  const client = new Realtime({ key: 'k', wsHost: 'ws.example.com', routers: ROUTERS, ...config }, { WebSocket: ScriptedSocket, ...options });
  opened.push(client);
  return client;
}

function json(answer, status = 200) {
  return new Response(JSON.stringify(answer), { status, headers: { 'Content-Type': 'application/json' } });
}

/** 'pending', or how `promise` settled, once the pending work had a chance to run. */
async function outcome(promise) {
  let state = 'pending';
  promise.then(
    () => {
      state = 'resolved';
    },
    (error) => {
      state = `rejected: ${error.message}`;
    },
  );
  await sleep(20);
  return state;
}

afterEach(() => {
  for (const client of opened.splice(0)) client.disconnect();
  delete globalThis.location;
});

describe('route subscriptions', () => {
  it('subscribe(route, params) rejects when unsubscribe(route, params) comes before the server confirmed it', async () => {
    const client = open({}, { fetch: async () => json({ channel: 'todo-item-1' }) });
    ScriptedSocket.last.establish();
    const subscribing = client.subscribe('todo-item', { todo_list: 1 });
    await sleep(10); // the router answered: pusher:subscribe went out
    assert.deepEqual(ScriptedSocket.last.sent.at(-1), { event: 'pusher:subscribe', data: { channel: 'todo-item-1' } });

    client.unsubscribe('todo-item', { todo_list: 1 });
    ScriptedSocket.last.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'todo-item-1', data: '{}' });

    assert.match(await outcome(subscribing), /^rejected: unsubscribe\(\) came before the subscription to todo-item-1/);
    assert.equal((client._callbacks.get('disconnected') || []).length, 0, 'no listener left on the client');
  });

  it('the same for a private channel whose authorization is still in flight', async () => {
    let authorize;
    const fetch = async (url) => {
      if (String(url).startsWith('/realtime/subscriptions/')) return json({ channel: 'private-todo-item-1' });
      await new Promise((resolve) => {
        authorize = resolve;
      });
      return json({ auth: 'k:signature' });
    };
    const client = open({ channelAuthorization: { endpoint: '/auth/' } }, { fetch });
    ScriptedSocket.last.establish();
    const subscribing = withTimeout(client.subscribe('todo-item', { todo_list: 1 }), 1000, 'the route subscription');
    await sleep(10);

    client.unsubscribe('todo-item', { todo_list: 1 });
    authorize();

    await assert.rejects(subscribing, /came before the subscription/);
    assert.equal(ScriptedSocket.last.sent.filter((frame) => frame.event === 'pusher:subscribe').length, 0);
  });

  it('unsubscribe(channel name) of a route channel also settles the pending subscribe(route, params)', async () => {
    const client = open({}, { fetch: async () => json({ channel: 'todo-item-2' }) });
    ScriptedSocket.last.establish();
    const subscribing = client.subscribe('todo-item', { todo_list: 2 });
    await sleep(10);

    client.unsubscribe('todo-item-2');

    assert.match(await outcome(subscribing), /^rejected: unsubscribe\(\) came before the subscription to todo-item-2/);
  });
});

describe('hostile frames', () => {
  async function presenceClient() {
    const fetch = async () => json({ auth: 'k:signature', channel_data: '{"user_id":"1"}' });
    const client = open({ channelAuthorization: { endpoint: '/auth/' } }, { fetch });
    ScriptedSocket.last.establish();
    const channel = client.subscribe('presence-room');
    await sleep(10);
    const presence = { presence: { ids: ['1'], hash: { 1: { name: 'Ann' } }, count: 1 } };
    ScriptedSocket.last.receive({ event: 'pusher_internal:subscription_succeeded', channel: 'presence-room', data: JSON.stringify(presence) });
    assert.equal(channel.members.count, 1);
    return { client, channel };
  }

  it('member_added / member_removed without a user id are ignored: no throw, no phantom member', async () => {
    const { client, channel } = await presenceClient();
    const seen = [];
    channel.bind('pusher:member_added', (member) => seen.push(['added', member.id]));
    channel.bind('pusher:member_removed', (member) => seen.push(['removed', member.id]));
    const messages = [];
    client.bind('message', (frame) => messages.push(frame.event));

    for (const data of [null, 'not json', '{}', 7, '[]', { user_id: null }, { user_id: { id: 1 } }]) {
      for (const event of ['pusher_internal:member_added', 'pusher_internal:member_removed']) {
        assert.doesNotThrow(() => ScriptedSocket.last.receive({ event, channel: 'presence-room', data }), `${event} ${JSON.stringify(data)}`);
      }
    }

    assert.deepEqual(seen, []);
    assert.equal(channel.members.count, 1);
    assert.deepEqual(Object.keys(channel.members._info), ['1']);
    assert.equal(messages.length, 14, 'every frame still reaches the message event');
    // A well-formed one still works.
    ScriptedSocket.last.receive({ event: 'pusher_internal:member_added', channel: 'presence-room', data: '{"user_id":2,"user_info":null}' });
    assert.deepEqual(seen, [['added', '2']]);
  });

  it('a pusher:signin_success without a usable user id signs nobody in', async () => {
    const client = open();
    ScriptedSocket.last.establish();
    client.signin();
    for (const userData of ['{"id":null}', '{"id":{"a":1}}', '{"id":""}', 'null', '{}']) {
      ScriptedSocket.last.receive({ event: 'pusher:signin_success', data: { user_data: userData } });
      assert.equal(client.user.signedIn, false, userData);
      assert.equal(client.user.id, null, userData);
    }
    assert.deepEqual(ScriptedSocket.last.sent.filter((frame) => frame.event === 'pusher:subscribe'), []);
  });
});

describe('fetch()', () => {
  it('sends neither the CSRF header nor the socket id to another origin, whatever the URL is given as', async () => {
    globalThis.location = new URL('https://app.example.com/page');
    const requests = [];
    const fetch = async (url, init) => {
      requests.push({ url: url instanceof Request ? url.url : String(url), headers: Object.fromEntries(new Headers(init.headers)) });
      return json({});
    };
    const client = open({ channelAuthorization: { endpoint: '/auth/', headers: { 'X-CSRFToken': 'token' } } }, { fetch });
    ScriptedSocket.last.establish();

    for (const url of ['https://evil.example/x', new URL('https://evil.example/x'), new Request('https://evil.example/x')]) {
      await client.fetch(url);
    }
    await client.fetch(new Request('https://app.example.com/mine', { headers: { 'X-Mine': '1' } }));

    assert.deepEqual(requests.slice(0, 3).map((request) => request.headers), [{}, {}, {}]);
    assert.deepEqual(requests[3].headers, { 'x-csrftoken': 'token', 'x-mine': '1', 'x-socket-id': '1.1' });
  });
});

describe('a URL the runtime refuses', () => {
  it('ends disconnected with an error instead of hanging in connecting', async () => {
    class RefusingSocket {
      constructor(url) {
        throw new SyntaxError(`Invalid URL: ${url}`);
      }
    }
    const client = open({}, { WebSocket: RefusingSocket });
    assert.equal(client.state, 'disconnected');
    assert.match(await outcome(client.ready()), /^rejected: /);

    const errors = [];
    client.bind('error', (error) => errors.push(`${error.type}: ${error.error.message}`));
    client.connect();
    assert.equal(client.state, 'disconnected');
    assert.deepEqual(errors, [`WebSocketError: Invalid URL: ${client.url}`]);
  });
});
