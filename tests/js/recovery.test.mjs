// Message recovery (the "recovery" protocol extension), client side, against a scripted
// server (tests/js/fake_pusher.mjs) that plays each frame of the server's part: the
// position a channel keeps, what a subscription sends and makes of the answer
// (`recovered`, the replay), duplicates, gaps, new epochs, live() lists, and a server
// that does not announce the extension. The real server's side is in
// recovery_server.test.mjs.

import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';

import { AuthServer, Clients, record, waitFor } from './helpers.mjs';
import { FakePusher, event, succeeded } from './fake_pusher.mjs';

const ROUTERS = { objects: '/realtime/routes/', subscriptions: '/realtime/subscriptions/' };
const RECOVERY = 'realtime:recovery';

const clients = new Clients();
const servers = [];
let auth;

before(async () => {
  auth = await AuthServer.start();
});

afterEach(async () => {
  clients.closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

after(() => auth.close());

/** A fake server announcing `extensions` (default: recovery; undefined: no such field). */
async function fakeServer(...args) {
  const extensions = args.length ? args[0] : ['recovery'];
  const server = await FakePusher.start({ extensions });
  servers.push(server);
  return server;
}

/** Answer the client's next pusher:subscribe of `channel` with `answer` frames; returns its data. */
async function answerSubscribe(socket, channel, ...answer) {
  const subscribe = await socket.nextFrame('pusher:subscribe', (frame) => frame.data.channel === channel);
  for (const frame of answer) socket.send(frame);
  return subscribe.data;
}

/** The `n` (a number) of every `created` event seen, in order. */
function numbers(seen, name = 'created') {
  return seen.filter((e) => e.event === name).map((e) => e.data.n);
}

/** Every event a channel emits, in order (through bindGlobal, so none is left out). */
function everything(channel) {
  const seen = [];
  channel.bindGlobal((name, data) => seen.push({ event: name, data, position: channel.position }));
  return seen;
}

/** Close the client's socket from the server with 4200 and return the next connection. */
async function restart(server, socket) {
  socket.close(4200, 'Server restarting');
  return server.nextConnection();
}

describe('message recovery, against a scripted server', () => {
  it('keeps the position, sends it after a reconnect and applies the replay once, in order, without a reload', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const channel = client.subscribe('news');
    const seen = everything(channel);
    let socket = await server.nextConnection();

    const first = await answerSubscribe(socket, 'news', succeeded('news', 'e1:0'));
    assert.deepEqual(first, { channel: 'news' }, 'a first subscription has nothing to recover');
    await waitFor(() => channel.subscribed, 'the subscription');
    assert.deepEqual(client.extensions, ['recovery']);
    assert.equal(channel.position, 'e1:0', 'known before any event, from subscription_succeeded');
    socket.send(event('news', 'created', { n: 1 }, 'e1:1'));
    socket.send(event('news', 'created', { n: 2 }, 'e1:2'));
    await waitFor(() => numbers(seen).length === 2, 'the first two events');
    assert.equal(channel.position, 'e1:2');

    socket = await restart(server, socket);
    const again = await answerSubscribe(
      socket,
      'news',
      succeeded('news', 'e1:5', true),
      event('news', 'created', { n: 3 }, 'e1:3'),
      event('news', 'created', { n: 4 }, 'e1:4'),
      event('news', 'created', { n: 5 }, 'e1:5'),
      event('news', 'created', { n: 6 }, 'e1:6'), // live, after the replay
    );
    assert.equal(again.position, 'e1:2', 'the last position processed');
    await waitFor(() => numbers(seen).length === 6, 'the replay and the live event');

    assert.deepEqual(numbers(seen), [1, 2, 3, 4, 5, 6]);
    // The callbacks see the position of the event they are given.
    assert.deepEqual(seen.filter((e) => e.event === 'created').map((e) => e.position), ['e1:1', 'e1:2', 'e1:3', 'e1:4', 'e1:5', 'e1:6']);
    const afterReconnect = seen.slice(seen.findIndex((e) => e.event === 'created' && e.data.n === 2) + 1);
    assert.deepEqual(afterReconnect.map((e) => e.event).slice(0, 3), ['pusher:subscription_succeeded', RECOVERY, 'created']);
    assert.deepEqual(afterReconnect[1].data, { recovered: true, position: 'e1:5', from: 'e1:2' });
    assert.equal(channel.position, 'e1:6');
  });

  it('drops an event at or before its position, and never gives it to the callbacks', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const channel = client.subscribe('news');
    const seen = record(channel, ['created', 'note']);
    const socket = await server.nextConnection();
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:0'));

    socket.send(event('news', 'created', { n: 1 }, 'e1:1'));
    socket.send(event('news', 'created', { n: 1 }, 'e1:1')); // the same again
    socket.send(event('news', 'created', { n: 2 }, 'e1:2'));
    socket.send(event('news', 'created', { n: 1 }, 'e1:01')); // older (the same offset, spelt otherwise)
    socket.send(event('news', 'created', { n: 0 }, 'e1:0'));
    socket.send(event('news', 'note', { n: 'unpositioned' })); // not numbered: always delivered
    socket.send(event('news', 'note', { n: 'unpositioned' }));
    socket.send(event('news', 'created', { n: 3 }, 'e1:3'));
    await waitFor(() => numbers(seen).includes(3), 'the last event');

    assert.deepEqual(numbers(seen), [1, 2, 3]);
    assert.equal(numbers(seen, 'note').length, 2);
    assert.equal(socket.framesOf('pusher:subscribe').length, 1, 'a duplicate is no reason to subscribe again');
    assert.equal(channel.position, 'e1:3');
  });

  it('after a gap subscribes again (re-authorized) from its position, drops what arrives meanwhile and applies the replay', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config(auth.config()));
    const channel = client.subscribe('private-orders');
    const seen = everything(channel);
    const socket = await server.nextConnection();
    const first = await answerSubscribe(socket, 'private-orders', succeeded('private-orders', 'e1:0'));
    assert.equal(first.position, undefined);
    socket.send(event('private-orders', 'created', { n: 1 }, 'e1:1'));
    await waitFor(() => numbers(seen).length === 1, 'the first event');

    socket.send(event('private-orders', 'created', { n: 3 }, 'e1:3')); // e1:2 went missing
    const resync = await socket.nextFrame('pusher:subscribe', (frame) => frame.data.channel === 'private-orders');
    assert.equal(resync.data.position, 'e1:1');
    assert.equal(typeof resync.data.auth, 'string', 'authorized again');
    assert.deepEqual(auth.requestsFor('private-orders').map((r) => r.params.socket_id), [socket.socketId, socket.socketId]);
    socket.send(event('private-orders', 'created', { n: 4 }, 'e1:4')); // live, before the answer
    socket.send(succeeded('private-orders', 'e1:4', true));
    for (const n of [2, 3, 4]) socket.send(event('private-orders', 'created', { n }, `e1:${n}`));
    socket.send(event('private-orders', 'created', { n: 5 }, 'e1:5'));
    await waitFor(() => numbers(seen).includes(5), 'the replay and the next event');

    assert.deepEqual(numbers(seen), [1, 2, 3, 4, 5]);
    assert.equal(seen.filter((e) => e.event === 'pusher:subscription_succeeded').length, 1, 'still the same subscription');
    assert.deepEqual(seen.filter((e) => e.event === RECOVERY).map((e) => e.data), [{ recovered: true, position: 'e1:4', from: 'e1:1' }]);
    assert.equal(socket.framesOf('pusher:subscribe').length, 2, 'one resubscription for the gap, not one per dropped event');
    assert.equal(channel.subscribed, true);
    assert.equal(channel.position, 'e1:5');
  });

  it('adopts a new epoch that starts at offset 1; one that starts later is recovered from its start', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const channel = client.subscribe('news');
    const seen = everything(channel);
    const socket = await server.nextConnection();
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:5'));

    socket.send(event('news', 'created', { n: 1 }, 'f2:1')); // the history was lost: a new epoch
    socket.send(event('news', 'created', { n: 2 }, 'f2:2'));
    await waitFor(() => numbers(seen).length === 2, 'the new epoch');
    assert.equal(channel.position, 'f2:2');
    assert.equal(socket.framesOf('pusher:subscribe').length, 1);

    socket.send(event('news', 'created', { n: 13 }, 'g3:3')); // a new epoch, its start missed
    const resync = await socket.nextFrame('pusher:subscribe');
    assert.equal(resync.data.position, 'g3:0');
    socket.send(event('news', 'created', { n: 14 }, 'g3:4')); // before the answer: waits for the replay
    socket.send(succeeded('news', 'g3:4', true));
    for (const n of [1, 2, 3, 4]) socket.send(event('news', 'created', { n: 10 + n }, `g3:${n}`));
    await waitFor(() => numbers(seen).includes(14), 'the new epoch from its start');

    assert.deepEqual(numbers(seen), [1, 2, 11, 12, 13, 14]);
    assert.deepEqual(seen.filter((e) => e.event === RECOVERY).map((e) => e.data), [{ recovered: true, position: 'g3:4', from: 'g3:0' }]);
    assert.equal(channel.position, 'g3:4');
    // Every frame the client sent before this one has arrived: one resubscription only.
    client.subscribe('marker');
    await socket.nextFrame('pusher:subscribe', (frame) => frame.data.channel === 'marker');
    assert.equal(socket.framesOf('pusher:subscribe').filter((frame) => frame.data.channel === 'news').length, 2);
  });

  it('recovered: false emits realtime:recovery and makes a live() list load again; a complete recovery does not', async () => {
    const server = await fakeServer();
    let rows = [{ id: 1, text: 'Milk' }, { id: 2, text: 'Eggs' }];
    const loads = [];
    const fetch = async (url) => {
      const path = String(url);
      let answer;
      if (path.startsWith('/realtime/subscriptions/todo-item/?todo_list=1')) {
        answer = { channel: 'todo-list-1' };
      } else if (path.startsWith('/realtime/routes/todo-item/?todo_list=1')) {
        loads.push(path);
        answer = { results: rows.map((row) => ({ ...row })), count: rows.length, page: 1, page_size: 50, has_next: false };
      } else {
        return new Response('{"error": "not found"}', { status: 404 });
      }
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } });
    };
    const client = clients.open(server.config({ routers: ROUTERS }), { fetch });
    let socket = await server.nextConnection();
    const loading = client.live('todo-item', { todo_list: 1 });
    await answerSubscribe(socket, 'todo-list-1', succeeded('todo-list-1', 'e1:2'));
    const live = await loading;
    assert.equal(loads.length, 1);
    const changes = [];
    live.mapper.onChange(({ action }) => changes.push(action));
    const recoveries = record(live.channel, [RECOVERY]);
    const update = (name, data, position) => socket.send(event('todo-list-1', name, data, position));

    // A complete recovery: the replay is applied, duplicates dropped, nothing loaded.
    socket = await restart(server, socket);
    rows = [{ id: 1, text: 'Milk', done: true }, { id: 2, text: 'Eggs' }, { id: 3, text: 'Tea' }];
    await answerSubscribe(socket, 'todo-list-1', succeeded('todo-list-1', 'e1:4', true));
    update('created', { id: 3, text: 'Tea' }, 'e1:3');
    update('created', { id: 3, text: 'Tea' }, 'e1:3');
    update('updated', { id: 1, done: true }, 'e1:4');
    await waitFor(() => live.items.some((item) => item.done), 'the replayed update');
    assert.deepEqual(changes, ['created', 'updated'], 'each replayed event applied once, and no reload');
    assert.equal(loads.length, 1);
    assert.deepEqual(live.items, rows);
    assert.deepEqual(recoveries.map((r) => r.data), [{ recovered: true, position: 'e1:4', from: 'e1:2' }]);

    // History lost while disconnected: recovered false, the list is loaded again.
    socket = await restart(server, socket);
    rows = [{ id: 1, text: 'Milk', done: true }, { id: 3, text: 'Green tea' }];
    const asked = await answerSubscribe(socket, 'todo-list-1', succeeded('todo-list-1', 'f2:7', false));
    assert.equal(asked.position, 'e1:4');
    await waitFor(() => changes.includes('reset'), 'the list loaded again');
    assert.equal(loads.length, 2);
    assert.deepEqual(live.items, rows);
    assert.deepEqual(recoveries.at(-1).data, { recovered: false, position: 'f2:7', from: 'e1:4' });
    assert.equal(live.channel.position, 'f2:7');
    update('created', { id: 4, text: 'Bread' }, 'f2:8');
    await waitFor(() => live.items.length === 3, 'the next event');

    // A gap on the connection, not recovered: loaded again too.
    update('deleted', { id: 1 }, 'f2:10');
    const resync = await socket.nextFrame('pusher:subscribe');
    assert.equal(resync.data.position, 'f2:8');
    assert.deepEqual(live.items.map((item) => item.id), [1, 3, 4], 'the event after the gap waits for the answer');
    rows = [{ id: 3, text: 'Green tea' }, { id: 4, text: 'Bread' }, { id: 5, text: 'Jam' }];
    const before = changes.length;
    socket.send(succeeded('todo-list-1', 'f2:10', false));
    await waitFor(() => loads.length === 3 && live.items.length === 3, 'the second reload');
    assert.deepEqual(changes.slice(before), ['deleted', 'reset'], 'what arrived is applied first, then the list loaded again');
    assert.deepEqual(live.items, rows);
    assert.deepEqual(recoveries.at(-1).data, { recovered: false, position: 'f2:10', from: 'f2:8' });
    assert.equal(live.channel.position, 'f2:10');
  });

  it('a refused resubscription after a gap is recovered: false; what arrived meanwhile is still given, in order', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const channel = client.subscribe('news');
    const seen = everything(channel);
    const socket = await server.nextConnection();
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:0'));
    socket.send(event('news', 'created', { n: 1 }, 'e1:1'));
    socket.send(event('news', 'created', { n: 3 }, 'e1:3')); // e1:2 went missing
    await socket.nextFrame('pusher:subscribe', (frame) => frame.data.position === 'e1:1');
    socket.send(event('news', 'created', { n: 4 }, 'e1:4'));
    socket.send(event('news', 'created', { n: 4 }, 'e1:4')); // a duplicate among the held ones
    socket.send({
      event: 'pusher:subscription_error',
      channel: 'news',
      data: JSON.stringify({ type: 'ServerError', error: 'The server could not complete the subscription', status: 500 }),
    });
    await waitFor(() => seen.some((e) => e.event === RECOVERY), 'realtime:recovery');
    assert.deepEqual(seen.map((e) => e.event), ['pusher:subscription_succeeded', 'created', 'created', 'created', 'pusher:subscription_error', RECOVERY]);
    assert.deepEqual(numbers(seen), [1, 3, 4]);
    assert.deepEqual(seen.find((e) => e.event === RECOVERY).data, { recovered: false, position: 'e1:4', from: 'e1:1' });
    assert.equal(channel.position, 'e1:4');

    socket.send(event('news', 'created', { n: 5 }, 'e1:5'));
    await waitFor(() => numbers(seen).includes(5), 'the next event');
    assert.deepEqual(numbers(seen), [1, 3, 4, 5]);
    assert.equal(socket.framesOf('pusher:subscribe').length, 2);
  });

  it('a resubscription after a gap answered recovered: false gives what arrived, then emits realtime:recovery', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const channel = client.subscribe('news');
    const seen = everything(channel);
    const socket = await server.nextConnection();
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:0'));
    socket.send(event('news', 'created', { n: 1 }, 'e1:1'));
    socket.send(event('news', 'created', { n: 3 }, 'e1:3'));
    await socket.nextFrame('pusher:subscribe', (frame) => frame.data.position === 'e1:1');
    socket.send(event('news', 'created', { n: 4 }, 'e1:4'));
    socket.send(succeeded('news', 'e1:4', false)); // e1:2 is no longer kept
    socket.send(event('news', 'created', { n: 5 }, 'e1:5'));
    await waitFor(() => numbers(seen).includes(5), 'the next event');

    assert.deepEqual(seen.map((e) => [e.event, e.position]), [
      ['pusher:subscription_succeeded', 'e1:0'],
      ['created', 'e1:1'],
      ['created', 'e1:3'],
      ['created', 'e1:4'],
      [RECOVERY, 'e1:4'],
      ['created', 'e1:5'],
    ]);
    assert.deepEqual(seen.find((e) => e.event === RECOVERY).data, { recovered: false, position: 'e1:4', from: 'e1:1' });
  });

  it('forgets the position with unsubscribe(): subscribing again starts afresh', async () => {
    const server = await fakeServer();
    const client = clients.open(server.config());
    const socket = await server.nextConnection();
    const channel = client.subscribe('news');
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:4'));
    await waitFor(() => channel.subscribed, 'the subscription');
    client.unsubscribe('news');
    const again = client.subscribe('news');
    assert.notEqual(again, channel);
    assert.equal(again.position, null);
    const data = await answerSubscribe(socket, 'news', succeeded('news', 'e1:4'));
    assert.deepEqual(data, { channel: 'news' });
  });

  for (const [what, extensions] of [['no extensions field (hosted Pusher)', undefined], ['other extensions only', ['something-else']]]) {
    it(`with ${what}: sends no position, ignores positions and reloads live() lists after a reconnect, as without recovery`, async () => {
      const server = await fakeServer(extensions);
      let loads = 0;
      const fetch = async (url) => {
        const path = String(url);
        const answer = path.startsWith('/realtime/subscriptions/')
          ? { channel: 'todo-list-1' }
          : (loads += 1, { results: [{ id: 1, text: 'Milk' }], count: 1, page: 1, page_size: 50, has_next: false });
        return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } });
      };
      const client = clients.open(server.config({ routers: ROUTERS }), { fetch });
      let socket = await server.nextConnection();
      const loading = client.live('todo-item', { todo_list: 1 });
      // A server that numbers its events but did not announce it: no reason to trust them.
      const first = await answerSubscribe(socket, 'todo-list-1', succeeded('todo-list-1', 'e1:3'));
      const live = await loading;
      const channel = live.channel;
      const seen = everything(channel);
      assert.deepEqual(first, { channel: 'todo-list-1' });
      assert.deepEqual(client.extensions, extensions || []);
      assert.equal(channel.position, null);

      for (const position of ['e1:4', 'e1:4', 'e1:9', 'x:7']) {
        socket.send(event('todo-list-1', 'updated', { id: 1, position }, position));
      }
      await waitFor(() => seen.length === 4, 'every event, duplicates and gaps included');
      assert.deepEqual(seen.map((e) => e.data.position), ['e1:4', 'e1:4', 'e1:9', 'x:7']);
      assert.equal(socket.framesOf('pusher:subscribe').length, 1);
      assert.equal(loads, 1);

      socket = await restart(server, socket);
      const again = await answerSubscribe(socket, 'todo-list-1', succeeded('todo-list-1', 'e1:9', true));
      assert.deepEqual(again, { channel: 'todo-list-1' }, 'no position after a reconnect either');
      await waitFor(() => loads === 2, 'the reload after the reconnect');
      assert.equal(seen.filter((e) => e.event === RECOVERY).length, 0, 'no realtime:recovery event');
      assert.equal(channel.position, null);
    });
  }

  it('stops using recovery when it reconnects to a server without it', async () => {
    const withRecovery = await fakeServer();
    const client = clients.open(withRecovery.config());
    const channel = client.subscribe('news');
    const seen = everything(channel);
    const socket = await withRecovery.nextConnection();
    await answerSubscribe(socket, 'news', succeeded('news', 'e1:0'));
    socket.send(event('news', 'created', { n: 1 }, 'e1:1'));
    await waitFor(() => channel.position === 'e1:1', 'the first event');

    // The same address now served by a server without the extension.
    const port = withRecovery.port;
    await withRecovery.close();
    servers.splice(servers.indexOf(withRecovery), 1);
    const without = new FakePusher(undefined);
    await new Promise((resolve) => without.http.listen(port, '127.0.0.1', resolve));
    without.port = port;
    servers.push(without);
    const next = await without.nextConnection(8000);
    const data = await answerSubscribe(next, 'news', succeeded('news'));
    assert.deepEqual(data, { channel: 'news' });
    assert.deepEqual(client.extensions, []);
    await waitFor(() => channel.subscribed, 'the subscription');
    assert.equal(channel.position, null);
    next.send(event('news', 'created', { n: 1 }, 'e1:1'));
    await waitFor(() => numbers(seen).length === 2, 'the event, no longer compared with the old position');
    assert.equal(seen.filter((e) => e.event === RECOVERY).length, 0);
  });
});
