// Message recovery against the real socket server (`python -m realtime_core.server`):
// a restart (SIGTERM: a 4200 close) while events are published, with the history in a
// shared Redis (kept: replayed once, in order) and in the memory backend (lost with the
// process). Needs `redis-server` on PATH for the Redis case (skipped without it); the
// history's limits are in recovery_history.test.mjs.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AuthServer, Clients, Servers, subscribed, waitFor } from './helpers.mjs';
import { REDIS, everything, epoch, offset, startRedis, ticks } from './redis.mjs';

const RECOVERY = 'realtime:recovery';

describe('recovery against the real server', () => {
  let auth;
  let redis = null;
  const clients = new Clients();
  const servers = new Servers();

  before(async () => {
    auth = await AuthServer.start();
    if (REDIS) redis = await startRedis();
  });

  after(async () => {
    clients.closeAll();
    await Promise.all([auth.close(), servers.stopAll()]);
    if (redis) redis.stop();
  });

  it('with Redis, the events published while the server restarts (4200) arrive once, in order, after the reconnect', { skip: !REDIS && 'no redis-server on PATH' }, async () => {
    const env = { REALTIME_REDIS_URL: redis.url };
    const first = await servers.start({ env });
    const other = await servers.start({ env }); // publishes while the first one is down
    const client = await clients.connected(first.config(auth), { maxReconnectDelay: 300 });
    assert.deepEqual(client.extensions, ['recovery']);
    const channels = await Promise.all(['news', 'private-orders'].map((name) => subscribed(client, name)));
    const seen = channels.map(everything);
    for (const channel of channels) assert.equal(offset(channel.position), 0);
    for (const n of [1, 2]) for (const channel of channels) await first.publish(channel.name, 'tick', { n });
    await waitFor(() => seen.every((events) => ticks(events).length === 2), 'the first events');
    const before = channels.map((channel) => channel.position);

    assert.equal((await first.stop('SIGTERM')).code, 0, first.output);
    await waitFor(() => client.errors.some((error) => error.data && error.data.code === 4200), 'the 4200 close');
    for (const n of [3, 4, 5]) for (const channel of channels) await other.publish(channel.name, 'tick', { n });
    const restarted = await servers.start({ port: first.port, env });

    await waitFor(() => seen.every((events) => ticks(events).length === 5), 'the replayed events', 8000);
    for (const channel of channels) await restarted.publish(channel.name, 'tick', { n: 6 });
    await waitFor(() => seen.every((events) => ticks(events).length === 6), 'the next event');

    channels.forEach((channel, index) => {
      const events = seen[index];
      assert.deepEqual(ticks(events), [1, 2, 3, 4, 5, 6], channel.name);
      const recoveries = events.filter((e) => e.event === RECOVERY).map((e) => e.data);
      assert.equal(recoveries.length, 1, channel.name);
      assert.equal(recoveries[0].recovered, true, channel.name);
      assert.equal(recoveries[0].from, before[index]);
      assert.equal(offset(recoveries[0].position), 5);
      assert.equal(epoch(channel.position), epoch(before[index]), 'the same history');
      assert.equal(offset(channel.position), 6);
      // Each event came with the next position (the callbacks read it).
      assert.deepEqual(events.filter((e) => e.event === 'tick').map((e) => offset(e.position)), [1, 2, 3, 4, 5, 6]);
    });
    assert.deepEqual(auth.requestsFor('private-orders').map((r) => r.params.socket_id).length, 2, 're-authorized once');
  });

  it('with the memory backend, a restart loses the history: recovered: false, then a new epoch', async () => {
    const first = await servers.start();
    const client = await clients.connected(first.config(), { maxReconnectDelay: 300 });
    const channel = await subscribed(client, 'news');
    const seen = everything(channel);
    await first.publish('news', 'tick', { n: 1 });
    await waitFor(() => ticks(seen).length === 1, 'the first event');
    const before = channel.position;
    assert.equal(offset(before), 1);

    await first.stop('SIGTERM');
    const second = await servers.start({ port: first.port });
    await waitFor(() => seen.some((e) => e.event === RECOVERY), 'realtime:recovery', 8000);
    const recovery = seen.find((e) => e.event === RECOVERY).data;
    assert.equal(recovery.recovered, false);
    assert.equal(recovery.from, before);
    assert.notEqual(epoch(recovery.position), epoch(before), 'a new epoch');
    await second.publish('news', 'tick', { n: 2 });
    await waitFor(() => ticks(seen).length === 2, 'the next event');
    assert.equal(channel.position, `${epoch(recovery.position)}:1`);
  });
});
