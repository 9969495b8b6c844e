// Watchlist events against the real server (REALTIME_WATCHLIST_EVENTS), on one server
// and on two servers sharing a Redis: realtime.js's `realtime.user.watchlist` and
// pusher-js 8.6.0's `pusher.user.watchlist` (the referee) hear who comes online and
// goes offline alike.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Pusher from 'pusher-js';

import { APP, AuthServer, Clients, Servers, waitFor } from './helpers.mjs';
import { REDIS, startRedis } from './redis.mjs';

const USERS = {
  ann: { user_id: '1', user_info: { name: 'Ann' }, watchlist: ['2', '3'] },
  bob: { user_id: '2', user_info: { name: 'Bob' }, watchlist: ['1'] },
  cid: { user_id: '3' },
};

/** Every watchlist event of `watchlist` (realtime.js's or pusher-js's), in order. */
function recordWatchlist(watchlist) {
  const seen = [];
  for (const name of ['online', 'offline']) watchlist.bind(name, (event) => seen.push(event));
  return seen;
}

function pusherJs(server, auth, user) {
  return new Pusher(APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    userAuthentication: { endpoint: `${auth.url}/user`, transport: 'ajax', headers: { 'X-Test-User': user } },
  });
}

describe('watchlists', () => {
  const clients = new Clients();
  const referees = [];
  const servers = new Servers({ env: { REALTIME_WATCHLIST_EVENTS: '1' } });
  let auth;
  let redis = null;

  before(async () => {
    auth = await AuthServer.start(USERS);
    if (REDIS) redis = await startRedis();
  });

  after(async () => {
    clients.closeAll();
    for (const referee of referees) referee.disconnect();
    await Promise.all([auth.close(), servers.stopAll()]);
    if (redis) redis.stop();
  });

  async function onlineAndOffline(first, second) {
    const ann = await clients.connected(first.config(auth, auth.config('ann')));
    const annHeard = recordWatchlist(ann.user.watchlist);
    ann.signin();
    await waitFor(() => annHeard.length === 1, "ann's watchlist after signin");
    assert.deepEqual(annHeard, [{ name: 'offline', user_ids: ['2', '3'] }]);

    const bob = pusherJs(second, auth, 'bob');
    referees.push(bob);
    const bobHeard = recordWatchlist(bob.user.watchlist);
    bob.signin();
    await waitFor(() => bobHeard.length === 1 && annHeard.length === 2, 'bob online, and ann for him');
    assert.deepEqual(bobHeard, [{ name: 'online', user_ids: ['1'] }]);
    assert.deepEqual(annHeard[1], { name: 'online', user_ids: ['2'] });

    bob.disconnect();
    await waitFor(() => annHeard.length === 3, 'bob offline');
    assert.deepEqual(annHeard[2], { name: 'offline', user_ids: ['2'] });

    // After a reconnect, the sign-in is repeated and the state told again.
    const cid = await clients.connected(second.config(auth, auth.config('cid')));
    cid.signin();
    await waitFor(() => annHeard.length === 4, 'cid online');
    assert.deepEqual(annHeard[3], { name: 'online', user_ids: ['3'] });
    ann.disconnect();
    ann.connect();
    await waitFor(() => annHeard.length === 6, "ann's watchlist after signing in again");
    assert.deepEqual(annHeard.slice(4), [
      { name: 'online', user_ids: ['3'] },
      { name: 'offline', user_ids: ['2'] },
    ]);
  }

  it('realtime.js and pusher-js hear the same online and offline on one server', async () => {
    const server = await servers.start();
    await onlineAndOffline(server, server);
  });

  it('a user is online while signed in on any server sharing a Redis', { skip: !REDIS && 'no redis-server on PATH' }, async () => {
    const env = { REALTIME_REDIS_URL: redis.url };
    const [first, second] = await Promise.all([servers.start({ env }), servers.start({ env })]);
    await onlineAndOffline(first, second);
  });
});
