// Message recovery against the real server when more was missed than the history keeps
// (REALTIME_HISTORY_SIZE): the spec allows two outcomes, never a third. Either the
// server still had every missed event and replays them all (`recovered: true`), or it
// says `recovered: false` and replays none; a partial replay under `recovered: true`
// would leave the client short of events it was told it has. Needs `redis-server`.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Clients, Servers, subscribed, waitFor } from './helpers.mjs';
import { REDIS, everything, offset, startRedis, ticks } from './redis.mjs';

const RECOVERY = 'realtime:recovery';

describe('recovery beyond the history kept', { skip: !REDIS && 'no redis-server on PATH' }, () => {
  let redis;
  const clients = new Clients();
  const servers = new Servers();

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    clients.closeAll();
    await servers.stopAll();
    redis.stop();
  });

  it('replays every missed event, or none with recovered: false', async () => {
    const env = { REALTIME_REDIS_URL: redis.url, REALTIME_HISTORY_SIZE: '2' };
    const first = await servers.start({ env });
    const other = await servers.start({ env }); // publishes while the first one is down
    const client = await clients.connected(first.config(), { maxReconnectDelay: 300 });
    const channel = await subscribed(client, 'short-history');
    const seen = everything(channel);
    await first.publish('short-history', 'tick', { n: 1 });
    await waitFor(() => ticks(seen).length === 1, 'the first event');
    const before = channel.position;

    await first.stop('SIGTERM');
    await waitFor(() => client.state !== 'connected', 'the 4200 close');
    for (const n of [2, 3, 4, 5]) await other.publish('short-history', 'tick', { n }); // twice the history size
    await servers.start({ port: first.port, env });
    await waitFor(() => seen.some((e) => e.event === RECOVERY), 'realtime:recovery', 8000);
    const recovery = seen.find((e) => e.event === RECOVERY).data;
    assert.equal(recovery.from, before);
    assert.equal(offset(recovery.position), 5, "the channel's position at the server");
    // A live event after the answer: everything the answer promised came before it.
    await other.publish('short-history', 'tick', { n: 6 });
    await waitFor(() => ticks(seen).includes(6), 'the next event');

    const expected = recovery.recovered ? [1, 2, 3, 4, 5, 6] : [1, 6];
    assert.deepEqual(
      { recovered: recovery.recovered, ticks: ticks(seen) },
      { recovered: recovery.recovered, ticks: expected },
      `recovered: ${recovery.recovered} must come with ${recovery.recovered ? 'every missed event' : 'none of them'}`,
    );
    assert.equal(seen.filter((e) => e.event === RECOVERY).length, 1, 'one answer, no second recovery needed');
  });
});
