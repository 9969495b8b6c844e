// Subscription count events against the real server (REALTIME_SUBSCRIPTION_COUNT_EVENTS),
// on one server and on two servers sharing a Redis: realtime.js and pusher-js 8.6.0 (the
// referee) bind `pusher:subscription_count` and keep `channel.subscriptionCount` alike.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Pusher from 'pusher-js';

import { APP, AuthServer, Clients, Servers, next, subscribed, waitFor, withTimeout } from './helpers.mjs';
import { REDIS, startRedis } from './redis.mjs';

const COUNTING = { REALTIME_SUBSCRIPTION_COUNT_EVENTS: '1' };

function pusherJs(server) {
  return new Pusher(APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
  });
}

/** A pusher-js channel once subscribed, recording its counts as pusher-js hands them. */
function pusherJsSubscribed(client, name) {
  const channel = client.subscribe(name);
  channel.counts = [];
  channel.bind('pusher:subscription_count', (data) => channel.counts.push(data));
  return withTimeout(
    new Promise((resolve) => channel.bind('pusher:subscription_succeeded', () => resolve(channel))),
    5000,
    `pusher-js subscribing to ${name}`,
  );
}

/** A realtime.js channel once subscribed, recording its counts. */
async function realtimeSubscribed(client, name) {
  const channel = client.subscribe(name);
  channel.counts = [];
  channel.bind('pusher:subscription_count', (data) => channel.counts.push(data));
  return subscribed(client, name);
}

describe('subscription counts', () => {
  const clients = new Clients();
  const referees = [];
  const servers = new Servers({ env: COUNTING });
  let redis = null;

  before(async () => {
    if (REDIS) redis = await startRedis();
  });

  after(async () => {
    clients.closeAll();
    for (const referee of referees) referee.disconnect();
    await servers.stopAll();
    if (redis) redis.stop();
  });

  async function bothClientsCount(first, second) {
    const realtime = await clients.connected(first.config());
    const mine = await realtimeSubscribed(realtime, 'news');
    await waitFor(() => mine.subscriptionCount === 1, 'the first count');
    const referee = pusherJs(second);
    referees.push(referee);
    const theirs = await pusherJsSubscribed(referee, 'news');
    await waitFor(() => mine.subscriptionCount === 2 && theirs.subscriptionCount === 2, 'the count of two');
    assert.deepEqual(mine.counts, [{ subscription_count: 1 }, { subscription_count: 2 }]);
    assert.deepEqual(theirs.counts, [{ subscription_count: 2 }]);

    referee.unsubscribe('news');
    assert.deepEqual(await next(mine, 'pusher:subscription_count'), { subscription_count: 1 });
    assert.equal(mine.subscriptionCount, 1);
  }

  it('realtime.js and pusher-js hear the same counts from one server', async () => {
    const server = await servers.start();
    await bothClientsCount(server, server);
  });

  it('the count is the cluster\'s, on two servers sharing a Redis', { skip: !REDIS && 'no redis-server on PATH' }, async () => {
    const env = { REALTIME_REDIS_URL: redis.url };
    const [first, second] = await Promise.all([servers.start({ env }), servers.start({ env })]);
    await bothClientsCount(first, second);
  });

  it('presence channels get none', async () => {
    const server = await servers.start();
    const auth = await AuthServer.start({ ann: { user_id: '1' }, bob: { user_id: '2' } });
    try {
      const [ann, bob] = await Promise.all(['ann', 'bob'].map((name) => clients.connected(server.config(auth, auth.config(name)))));
      const room = await realtimeSubscribed(ann, 'presence-room');
      await realtimeSubscribed(bob, 'presence-room');
      await waitFor(() => room.members.count === 2, 'both members');
      const marker = next(room, 'marker');
      await server.publish('presence-room', 'marker', {});
      await marker;
      assert.deepEqual(room.counts, []);
      assert.equal(room.subscriptionCount, null);
    } finally {
      await auth.close();
    }
  });
});
