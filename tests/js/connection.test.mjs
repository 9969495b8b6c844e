// Connecting: URL resolution from the config, ready(), socket ids, refusal, ping/pong.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Realtime } from '../../realtime_core/static/realtime_core/realtime.js';
import { APP, Clients, ServerProcess, next, sleep, waitFor, withTimeout } from './helpers.mjs';

/** Records the URL it is given and never opens: only to see where a config points. */
class UrlProbe {
  static urls = [];

  constructor(url) {
    UrlProbe.urls.push(url);
    this.readyState = 0;
  }

  close() {}
}

function urlFor(config, page) {
  const saved = globalThis.location;
  globalThis.location = page ? new URL(page) : undefined;
  try {
    const client = new Realtime({ key: 'k', ...config }, { WebSocket: UrlProbe });
    client.disconnect();
    assert.equal(UrlProbe.urls.at(-1), client.url);
    return client.url;
  } finally {
    globalThis.location = saved;
  }
}

describe('the socket URL', () => {
  const query = `?protocol=7&client=realtime-js&version=${Realtime.VERSION}`;

  it('uses wsHost with wsPort over ws, and wssPort over wss when TLS is asked or the page is https', () => {
    const host = { wsHost: 'ws.example.com', wsPort: 6001, wssPort: 6002 };
    assert.equal(urlFor(host, 'http://app.example.com/'), `ws://ws.example.com:6001/app/k${query}`);
    assert.equal(urlFor({ ...host, forceTLS: false }, null), `ws://ws.example.com:6001/app/k${query}`);
    assert.equal(urlFor({ ...host, forceTLS: true }, 'http://app.example.com/'), `wss://ws.example.com:6002/app/k${query}`);
    assert.equal(urlFor({ ...host, forceTLS: false }, 'https://app.example.com/'), `wss://ws.example.com:6002/app/k${query}`);
    assert.equal(urlFor({ wsHost: 'ws.example.com' }, null), `ws://ws.example.com:80/app/k${query}`);
    assert.equal(urlFor({ wsHost: 'ws.example.com', forceTLS: true }, null), `wss://ws.example.com:443/app/k${query}`);
    assert.equal(urlFor({ ...host, wsPath: '/sockets/' }, null), `ws://ws.example.com:6001/sockets/app/k${query}`);
    assert.equal(urlFor({ wsHost: '::1', wsPort: 7 }, null), `ws://[::1]:7/app/k${query}`);
  });

  it('goes to the Pusher cluster over TLS unless forceTLS is false', () => {
    assert.equal(urlFor({ backend: 'pusher', cluster: 'eu' }, 'http://app.example.com/'), `wss://ws-eu.pusher.com:443/app/k${query}`);
    assert.equal(urlFor({ cluster: 'eu', forceTLS: false }, 'http://app.example.com/'), `ws://ws-eu.pusher.com:80/app/k${query}`);
    assert.equal(urlFor({ cluster: 'eu', forceTLS: false }, 'https://app.example.com/'), `wss://ws-eu.pusher.com:443/app/k${query}`);
    // wsHost wins over cluster (pusher-js's rule).
    assert.equal(urlFor({ cluster: 'eu', wsHost: 'h', wsPort: 1 }, null), `ws://h:1/app/k${query}`);
  });

  it("shares the page's host and scheme for the embedded memory backend", () => {
    assert.equal(urlFor({ backend: 'memory', key: 'a b' }, 'http://localhost:8000/todo/'), `ws://localhost:8000/app/a%20b${query}`);
    assert.equal(urlFor({ backend: 'memory' }, 'https://example.com/'), `wss://example.com/app/k${query}`);
    assert.throws(() => urlFor({ backend: 'memory' }, null), /neither wsHost nor cluster/);
  });

  it('rejects a config without a key and unknown options', () => {
    assert.throws(() => new Realtime({ wsHost: 'h' }, { WebSocket: UrlProbe }), /config.key/);
    assert.throws(() => new Realtime({ key: 'k', wsHost: 'h' }, { WebSocket: UrlProbe, pingTimeout: 1 }), /unknown options pingTimeout/);
  });
});

describe('against the server', () => {
  let server;
  const clients = new Clients();

  before(async () => {
    server = await ServerProcess.start();
  });

  after(async () => {
    clients.closeAll();
    await server.stop();
  });

  it('connects, resolves ready() with itself and gets a socket id', async () => {
    const client = clients.open(server.config());
    assert.equal(client.state, 'connecting');
    assert.equal(client.socketId, null);
    const connected = next(client, 'connected');

    assert.equal(await withTimeout(client.ready(), 5000, 'ready()'), client);

    assert.match(client.socketId, /^\d+\.\d+$/);
    assert.deepEqual(client.states, ['connecting', 'connected']);
    assert.deepEqual(await connected, { previous: 'connecting', current: 'connected', socketId: client.socketId });
    assert.equal(await client.ready(), client, 'ready() once connected resolves at once');
    assert.deepEqual(client.errors, []);
  });

  it('is known to the server by that socket id: a publish excluding it skips only it', async () => {
    const [me, other] = [clients.open(server.config()), clients.open(server.config())];
    await Promise.all([me.ready(), other.ready()]);
    const mine = me.subscribe('news');
    const theirs = other.subscribe('news');
    await waitFor(() => mine.subscribed && theirs.subscribed, 'both subscribed');
    const received = { me: [], other: [] };
    mine.bind('to-others', (data) => received.me.push(data));
    theirs.bind('to-others', (data) => received.other.push(data));
    mine.bind('to-all', (data) => received.me.push(data));

    await server.publish('news', 'to-others', { n: 1 }, { socket_id: me.socketId });
    await server.publish('news', 'to-all', { n: 2 });

    await waitFor(() => received.me.length === 1 && received.other.length === 1, 'deliveries');
    assert.deepEqual(received, { me: [{ n: 2 }], other: [{ n: 1 }] });
  });

  it('Realtime.connect() reads the config the template tag rendered into the page', async () => {
    const config = JSON.stringify(server.config());
    globalThis.document = {
      getElementById: (id) => (id === 'realtime-config' ? { textContent: config } : null),
    };
    try {
      const client = Realtime.connect();
      clients.all.push(client);
      await withTimeout(client.ready(), 5000, 'ready()');
      assert.equal(client.backend, 'tornado_redis');
      assert.equal(client.url.startsWith(`ws://127.0.0.1:${server.port}/app/${APP.key}?`), true);
    } finally {
      delete globalThis.document;
    }
    assert.throws(() => Realtime.connect(), /no <script id="realtime-config">.*realtime_client/);
  });

  it('refuses to retry after a 40xx close: a wrong key ends disconnected', async () => {
    const client = clients.open(server.config(null, { key: 'not-the-key' }));

    const failure = await client.ready().then(
      () => assert.fail('ready() resolved for a wrong key'),
      (error) => error,
    );

    assert.equal(failure.name, 'ConnectionError');
    assert.equal(failure.code, 4001);
    assert.equal(client.state, 'disconnected');
    await sleep(1500); // longer than any reconnection delay would be
    assert.deepEqual(client.states, ['connecting', 'disconnected']);
    assert.equal(client.errors.length, 1);
    assert.equal(client.errors[0].type, 'PusherError');
    assert.equal(client.errors[0].data.code, 4001);
    assert.match(client.errors[0].data.message, /not-the-key/);
  });

  it('disconnect() stops; connect() comes back with a new socket id and the channels', async () => {
    const client = await clients.connected(server.config());
    const channel = client.subscribe('news');
    await waitFor(() => channel.subscribed, 'subscribed');
    const firstSocket = client.socketId;

    client.disconnect();
    assert.equal(client.state, 'disconnected');
    assert.equal(client.socketId, null);
    assert.equal(channel.subscribed, false);
    await assert.rejects(client.ready(), { name: 'ConnectionError' });

    client.connect();
    await withTimeout(client.ready(), 5000, 'ready() after connect()');
    assert.notEqual(client.socketId, firstSocket);
    await waitFor(() => channel.subscribed, 'subscribed again');
    assert.equal(client.channel('news'), channel);
    const got = next(channel, 'hello');
    await server.publish('news', 'hello', 'again');
    assert.equal(await got, 'again');
    assert.deepEqual(client.states, ['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
  });

  it('pings after the activity timeout and stays connected while the server answers', async () => {
    const client = await clients.connected(server.config(), { activityTimeout: 200 });
    const socketId = client.socketId;

    await waitFor(() => client.frames.filter((f) => f.event === 'pusher:pong').length >= 3, 'three pongs', 3000);

    assert.equal(client.state, 'connected');
    assert.equal(client.socketId, socketId);
    assert.deepEqual(client.states, ['connecting', 'connected']);
  });
});
