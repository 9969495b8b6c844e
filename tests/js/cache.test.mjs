// Cache channels against the real server, realtime.js next to pusher-js 8.6.0 (the
// referee): `pusher:cache_miss` on an empty channel, the channel's last event right
// after the subscription otherwise, and how that replay meets recovery when realtime.js
// connects again.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Pusher from 'pusher-js';

import { APP, AuthServer, Clients, ServerProcess, record, waitFor } from './helpers.mjs';

const USERS = { ann: { user_id: '1', user_info: { name: 'Ann' } } };
const SUCCEEDED = 'pusher:subscription_succeeded';
const MISS = 'pusher:cache_miss';
const RECOVERY = 'realtime:recovery';

/** The offset of a `"<epoch>:<offset>"` position. */
const offset = (position) => Number(position.split(':')[1]);

describe('cache channels', () => {
  let server;
  let auth;
  const clients = new Clients();
  const referees = [];

  /** A pusher-js client recording, in order, what its bindings on `name` got. */
  function pusherJs(name, events) {
    const client = new Pusher(APP.key, {
      cluster: 'mt1',
      wsHost: '127.0.0.1',
      wsPort: server.port,
      forceTLS: false,
      enabledTransports: ['ws'],
      channelAuthorization: { endpoint: `${auth.url}/channel`, transport: 'ajax', headers: { 'X-Test-User': 'ann' } },
    });
    referees.push(client);
    return { channel: client.subscribe(name), seen: recordPusherJs(client.channel(name), events) };
  }

  function recordPusherJs(channel, events) {
    const seen = [];
    for (const event of events) channel.bind(event, (data) => seen.push({ event, data }));
    return seen;
  }

  before(async () => {
    // Two events of history per channel: a client away for more cannot be recovered.
    [server, auth] = await Promise.all([ServerProcess.start({ env: { REALTIME_HISTORY_SIZE: '2' } }), AuthServer.start(USERS)]);
  });

  after(async () => {
    clients.closeAll();
    for (const referee of referees) referee.disconnect();
    await Promise.all([server.stop(), auth.close()]);
  });

  it('an empty cache channel: pusher:cache_miss right after the subscription, as pusher-js gets it', async () => {
    const client = await clients.connected(server.config(auth));
    const seen = record(client.subscribe('cache-empty'), [SUCCEEDED, MISS]);
    const referee = pusherJs('cache-empty', [SUCCEEDED, MISS]);
    await waitFor(() => seen.length === 2 && referee.seen.length === 2, 'both cache misses');
    assert.deepEqual(
      seen.map(({ event, data }) => ({ event, data })),
      [
        { event: SUCCEEDED, data: {} },
        { event: MISS, data: undefined },
      ],
    );
    assert.deepEqual(referee.seen, [
      { event: SUCCEEDED, data: {} },
      { event: MISS, data: undefined },
    ]);
  });

  it('a new subscriber gets the last event first, then the live ones, each once', async () => {
    await server.publish('cache-scores', 'goal', { home: 1 });
    await server.publish('cache-scores', 'goal', { home: 2 });
    const client = await clients.connected(server.config(auth));
    const channel = client.subscribe('cache-scores');
    const seen = record(channel, [SUCCEEDED, MISS, 'goal']);
    const referee = pusherJs('cache-scores', [SUCCEEDED, MISS, 'goal']);
    await waitFor(() => seen.length === 2 && referee.seen.length === 2, 'the replayed event');
    assert.equal(offset(channel.position), 2, 'the success frame counts the replayed event');

    await server.publish('cache-scores', 'goal', { home: 3 });
    await waitFor(() => seen.length === 3 && referee.seen.length === 3, 'the live event');
    const expected = [
      { event: SUCCEEDED, data: {} },
      { event: 'goal', data: { home: 2 } },
      { event: 'goal', data: { home: 3 } },
    ];
    assert.deepEqual(
      seen.map(({ event, data }) => ({ event, data })),
      expected,
    );
    assert.deepEqual(referee.seen, expected);
    assert.equal(offset(channel.position), 3);
  });

  it('private and presence cache channels authorize first, then replay', async () => {
    await server.publish('private-cache-orders', 'paid', { id: 7 });
    await server.publish('presence-cache-room', 'topic', 'rust');
    const client = await clients.connected(server.config(auth, auth.config('ann')));
    const orders = record(client.subscribe('private-cache-orders'), ['paid']);
    const room = client.subscribe('presence-cache-room');
    const topic = record(room, ['topic']);
    await waitFor(() => orders.length === 1 && topic.length === 1, 'both replays');
    assert.deepEqual(orders[0].data, { id: 7 });
    assert.equal(topic[0].data, 'rust');
    assert.deepEqual(room.members.me, { id: '1', info: { name: 'Ann' } });
    assert.equal(auth.requestsFor('private-cache-orders').length, 1);
  });

  it('connecting again: what it missed when recovered, the cached event (once) when not', async () => {
    const client = await clients.connected(server.config(auth));
    const channel = client.subscribe('cache-ticker');
    const seen = record(channel, [MISS, 'tick', RECOVERY]);
    await waitFor(() => seen.length === 1, 'the cache miss');
    await server.publish('cache-ticker', 'tick', { n: 1 });
    await waitFor(() => seen.length === 2, 'the first tick');

    // Away for one event: the history has it, so it comes from there, not from the cache.
    client.disconnect();
    await server.publish('cache-ticker', 'tick', { n: 2 });
    client.connect();
    await waitFor(() => seen.length === 4, 'the recovered tick');
    // Away for three: more than the history keeps. The cached event stands for them.
    client.disconnect();
    for (const n of [3, 4, 5]) await server.publish('cache-ticker', 'tick', { n });
    client.connect();
    await waitFor(() => seen.length === 6, 'the cached tick');
    await server.publish('cache-ticker', 'tick', { n: 6 });
    await waitFor(() => seen.length === 7, 'the next tick');

    const summary = seen.map(({ event, data }) => (event === RECOVERY ? `recovered: ${data.recovered}` : event === MISS ? MISS : data.n));
    assert.deepEqual(summary, [MISS, 1, 'recovered: true', 2, 'recovered: false', 5, 6]);
    assert.equal(offset(channel.position), 6);
  });
});
