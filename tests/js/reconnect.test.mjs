// Reconnection: a server restart (SIGTERM: 4200, then a new process on the same
// port), a server that stops answering (SIGSTOP: no pong), a server not there yet,
// and the browser's `online` event.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AuthServer, Clients, Servers, freePort, next, record, subscribed, waitFor } from './helpers.mjs';

const USERS = { ann: { user_id: '1', user_info: { name: 'Ann' } } };

describe('reconnection', () => {
  let auth;
  const clients = new Clients();
  const servers = new Servers();

  before(async () => {
    auth = await AuthServer.start(USERS);
  });

  after(async () => {
    clients.closeAll();
    await Promise.all([auth.close(), servers.stopAll()]);
  });

  it('after a restart (4200) re-subscribes with fresh authorization, signs in again and keeps the bindings', async () => {
    const first = await servers.start();
    const client = await clients.connected(first.config(auth));
    const channels = await Promise.all(['news', 'private-orders', 'presence-room'].map((name) => subscribed(client, name)));
    const seen = channels.map((channel) => record(channel, ['update']));
    const signedIn = next(client.user, 'pusher:signin_success');
    const userSeen = record(client.signin(), ['notice']);
    await signedIn;
    const oldSocket = client.socketId;

    const stopped = await first.stop('SIGTERM');
    assert.equal(stopped.code, 0, first.output);
    await waitFor(() => client.state === 'connecting', 'the 4200 close');
    assert.equal(client.errors.at(-1).data.code, 4200);
    assert.equal(channels.some((channel) => channel.subscribed), false);
    const second = await servers.start({ port: first.port });

    await waitFor(() => client.state === 'connected', 'the reconnection', 8000);
    await waitFor(() => channels.every((channel) => channel.subscribed) && client.user.signedIn, 'subscriptions and sign-in');
    assert.notEqual(client.socketId, oldSocket);
    for (const name of ['private-orders', 'presence-room']) {
      assert.deepEqual(
        auth.requestsFor(name).map((request) => request.params.socket_id),
        [oldSocket, client.socketId],
        `${name} was authorized again for the new socket`,
      );
    }
    assert.deepEqual(channels[2].members.me, { id: '1', info: { name: 'Ann' } });
    for (const channel of channels) await second.publish(channel.name, 'update', { on: channel.name });
    await second.sdk.sendToUser('1', 'notice', 'after the restart');
    await waitFor(() => seen.every((events) => events.length === 1) && userSeen.length === 1, 'the events');
    assert.deepEqual(seen.map((events) => events[0].data.on), ['news', 'private-orders', 'presence-room']);
    assert.equal(userSeen[0].data, 'after the restart');
    assert.deepEqual(client.states, ['connecting', 'connected', 'connecting', 'connected']);
    await second.stop();
  });

  it('reconnects when the server stops answering pings (no pong in time)', async () => {
    const server = await servers.start();
    const client = await clients.connected(server.config(auth), { activityTimeout: 300, pongTimeout: 300 });
    const channel = await subscribed(client, 'news');
    const oldSocket = client.socketId;

    server.pause();
    try {
      await waitFor(() => client.state === 'connecting', 'the pong timeout', 3000);
    } finally {
      server.resume();
    }

    await waitFor(() => client.state === 'connected' && channel.subscribed, 'the reconnection', 8000);
    assert.notEqual(client.socketId, oldSocket);
    const got = next(channel, 'alive');
    await server.publish('news', 'alive', true);
    assert.equal(await got, true);
    await server.stop();
  });

  it('keeps trying while the server is not there, "unavailable" after unavailableTimeout', async () => {
    const port = await freePort();
    const config = { key: 'js-test-key', wsHost: '127.0.0.1', wsPort: port, forceTLS: false };
    const client = clients.open(config, { unavailableTimeout: 300, maxReconnectDelay: 500 });

    await waitFor(() => client.state === 'unavailable', 'unavailable', 3000);
    const server = await servers.start({ port });

    await waitFor(() => client.state === 'connected', 'the connection', 5000);
    assert.deepEqual(client.states, ['connecting', 'unavailable', 'connected']);
    await server.stop();
  });

  it("retries at once on the browser's online event", async () => {
    const port = await freePort();
    const target = new EventTarget();
    globalThis.addEventListener = target.addEventListener.bind(target);
    globalThis.removeEventListener = target.removeEventListener.bind(target);
    let opened = 0;
    let closed = 0;
    class CountingWebSocket extends WebSocket {
      constructor(url) {
        super(url);
        opened += 1;
        let failed = false;
        const fail = () => {
          if (!failed) closed += 1;
          failed = true;
        };
        // Node 20's WebSocket reports a refused connection with an error and no close.
        this.addEventListener('error', fail);
        this.addEventListener('close', fail);
      }
    }
    try {
      const config = { key: 'js-test-key', wsHost: '127.0.0.1', wsPort: port, forceTLS: false };
      const client = clients.open(config, { WebSocket: CountingWebSocket, maxReconnectDelay: 60000 });
      // Every attempt so far failed: the client waits for its retry timer.
      await waitFor(() => opened >= 2 && closed === opened, 'two failed attempts', 5000);
      const attempts = opened;

      target.dispatchEvent(new Event('online'));

      assert.equal(opened, attempts + 1, 'the online event opened a socket at once');
      client.disconnect();
      target.dispatchEvent(new Event('online'));
      assert.equal(opened, attempts + 1, 'a disconnected client ignores the online event');
    } finally {
      delete globalThis.addEventListener;
      delete globalThis.removeEventListener;
    }
  });
});
