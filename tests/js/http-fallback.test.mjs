// The HTTP fallbacks: when its WebSocket cannot open (a proxy refusing the upgrade,
// played by BlockedWebSocket) and the config enables them, realtime.js connects over
// HTTP streaming, or polling, to the real server, and everything works as on a socket.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AuthServer, Clients, Servers, record, subscribed, waitFor, withTimeout } from './helpers.mjs';

const USERS = { ann: { user_id: '1', user_info: { name: 'Ann' } } };

/** A WebSocket that never opens: closed abnormally, as behind a proxy that blocks it. */
class BlockedWebSocket {
  constructor() {
    this.readyState = 0;
    this.onclose = null;
    setTimeout(() => {
      this.readyState = 3;
      if (this.onclose) this.onclose({ code: 1006, reason: 'blocked by a proxy' });
    }, 0);
  }

  send() {
    throw new Error('never open');
  }

  close() {}
}

/** A fetch that records the HTTP session requests' URLs. */
function recordingFetch(urls) {
  return (url, init) => {
    if (String(url).includes('/pusher/app/')) urls.push(String(url));
    return globalThis.fetch(url, init);
  };
}

describe('HTTP fallbacks', () => {
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

  for (const [enabled, used] of [
    [['ws', 'wss', 'xhr_streaming', 'xhr_polling'], 'xhr_streaming'],
    [['ws', 'xhr_polling'], 'xhr'],
  ]) {
    it(`connects over ${used} when the WebSocket cannot open: channels, presence, events`, async () => {
      const server = await servers.start();
      const urls = [];
      const config = server.config(auth, { enabledTransports: enabled });
      const options = { WebSocket: BlockedWebSocket, fetch: recordingFetch(urls), maxReconnectDelay: 200 };
      const client = clients.open(config, options);
      await withTimeout(client.ready(), 8000, 'ready()');

      assert.match(client.url, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/pusher/app/`));
      assert.ok(urls.some((url) => new URL(url).pathname.endsWith(`/${used}`)), urls.join('\n'));
      const channels = await Promise.all(['news', 'private-orders', 'presence-room'].map((name) => subscribed(client, name)));
      assert.deepEqual(channels[2].members.me, { id: '1', info: { name: 'Ann' } });
      const seen = channels.map((channel) => record(channel, ['update']));
      for (const channel of channels) await server.publish(channel.name, 'update', { on: channel.name });
      await waitFor(() => seen.every((events) => events.length === 1), 'the events');
      assert.deepEqual(seen.map((events) => events[0].data), channels.map((channel) => ({ on: channel.name })));
      assert.deepEqual(client.states, ['connecting', 'connected'], 'no unavailable or disconnected state');
    });
  }

  it('stays on WebSockets without fallbacks in the config', async () => {
    const server = await servers.start();
    const urls = [];
    const options = { WebSocket: BlockedWebSocket, fetch: recordingFetch(urls), maxReconnectDelay: 100 };
    const client = clients.open(server.config(auth), options);
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(client.state, 'connecting');
    assert.deepEqual(urls, []);
  });

  it('reconnects over HTTP after a server restart (4200), subscribed again', async () => {
    const first = await servers.start();
    const config = first.config(auth, { enabledTransports: ['ws', 'xhr_streaming'] });
    const client = clients.open(config, { WebSocket: BlockedWebSocket, maxReconnectDelay: 200 });
    await withTimeout(client.ready(), 8000, 'ready()');
    const channel = await subscribed(client, 'private-orders');
    const oldSocket = client.socketId;

    await first.stop('SIGTERM');
    await waitFor(() => client.state === 'connecting', 'the 4200 close');
    assert.equal(client.errors.at(-1).data.code, 4200);
    const second = await servers.start({ port: first.port });

    await waitFor(() => client.state === 'connected' && channel.subscribed, 'the reconnection', 10000);
    assert.notEqual(client.socketId, oldSocket);
    const seen = record(channel, ['update']);
    await second.publish('private-orders', 'update', { n: 2 });
    await waitFor(() => seen.length === 1, 'the event after the restart');
  });
});
