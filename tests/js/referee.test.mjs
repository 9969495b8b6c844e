// pusher-js 8.6.0 as the referee: subscribed to the same channels of the same server,
// it and realtime.js must hand their callbacks the same events with the same data,
// see the same presence members, and understand each other's client events.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Pusher from 'pusher-js';

import { APP, AuthServer, Clients, ServerProcess, subscribed, waitFor, withTimeout } from './helpers.mjs';

const USERS = {
  ann: { user_id: '1', user_info: { name: 'Ann', langs: ['fr', 'ja'] } },
  bob: { user_id: '2', user_info: { name: 'Bøb ✓' } },
};
const CHANNELS = ['news', 'private-feed', 'presence-lobby'];
// What the server SDK publishes (non-strings are JSON-encoded, strings go as they are).
const PAYLOADS = [
  ['object', { title: 'Grüße, 世界 "quoted" \\ \u2028', n: [1, -2.5, 1e21], ok: null, deep: { a: [true, false] } }],
  ['text', 'plain text, not JSON'],
  ['json-text', JSON.stringify('a JSON string')],
  ['numeric-text', '3.14'],
  ['broken-json', '{"not": json'],
  ['emoji', '😀 👍🏽 \u0000 end'],
  ['integer', 42],
  ['float', -0.5],
  ['array', [1, 'two', { three: 3 }]],
  ['null', null],
  ['boolean', false],
  ['empty-object', {}],
];

function pusherJs(server, auth, user) {
  return new Pusher(APP.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    channelAuthorization: { endpoint: `${auth.url}/channel`, transport: 'ajax', headers: { 'X-Test-User': user } },
  });
}

function pusherJsSubscribed(client, name) {
  const channel = client.subscribe(name);
  return withTimeout(
    new Promise((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', () => resolve(channel));
      channel.bind('pusher:subscription_error', (error) => reject(new Error(JSON.stringify(error))));
    }),
    5000,
    `pusher-js subscribing to ${name}`,
  );
}

function membersOf(channel) {
  const members = [];
  channel.members.each((member) => members.push({ id: member.id, info: member.info }));
  return members.sort((a, b) => a.id.localeCompare(b.id));
}

describe('pusher-js and realtime.js side by side', () => {
  let server;
  let auth;
  let referee;
  const clients = new Clients();

  before(async () => {
    [server, auth] = await Promise.all([ServerProcess.start({ clientEvents: true }), AuthServer.start(USERS)]);
  });

  after(async () => {
    clients.closeAll();
    if (referee) referee.disconnect();
    await Promise.all([server.stop(), auth.close()]);
  });

  it('deliver the same events with the same data and see the same members', async () => {
    const ours = await clients.connected(server.config(auth, auth.config('ann')));
    referee = pusherJs(server, auth, 'bob');
    const theirChannels = await Promise.all(CHANNELS.map((name) => pusherJsSubscribed(referee, name)));
    const ourChannels = await Promise.all(CHANNELS.map((name) => subscribed(ours, name)));
    const delivered = { ours: [], theirs: [] };
    for (const [side, channels] of [['ours', ourChannels], ['theirs', theirChannels]]) {
      for (const channel of channels) {
        for (const [event] of PAYLOADS) {
          channel.bind(event, (data, metadata) => delivered[side].push({ channel: channel.name, event, data, metadata }));
        }
      }
    }

    for (const [event, data] of PAYLOADS) await server.publish(CHANNELS, event, data);

    const expected = CHANNELS.length * PAYLOADS.length;
    await waitFor(() => delivered.ours.length === expected && delivered.theirs.length === expected, 'every delivery');
    const byChannel = (list) => CHANNELS.map((name) => list.filter((d) => d.channel === name));
    assert.deepEqual(byChannel(delivered.ours), byChannel(delivered.theirs));
    // The decoding both apply, spelled out for a few:
    const news = Object.fromEntries(byChannel(delivered.ours)[0].map((d) => [d.event, d.data]));
    assert.equal(news.text, 'plain text, not JSON');
    assert.equal(news['json-text'], 'a JSON string');
    assert.equal(news['numeric-text'], 3.14);
    assert.equal(news['broken-json'], '{"not": json');
    assert.equal(news.integer, 42);

    const [ourLobby, theirLobby] = [ourChannels[2], theirChannels[2]];
    await waitFor(() => ourLobby.members.count === 2 && theirLobby.members.count === 2, 'both members');
    assert.deepEqual(membersOf(ourLobby), membersOf(theirLobby));
    assert.deepEqual(ourLobby.members.me, { id: '1', info: USERS.ann.user_info });
    assert.deepEqual(theirLobby.members.me, { id: '2', info: USERS.bob.user_info });
  });

  it("understand each other's client events", async () => {
    const ours = clients.all[0];
    const seen = { ours: [], theirs: [] };
    for (const name of ['private-feed', 'presence-lobby']) {
      ours.channel(name).bind('client-move', (data, metadata) => seen.ours.push({ name, data, metadata }));
      referee.channel(name).bind('client-move', (data, metadata) => seen.theirs.push({ name, data, metadata }));
    }
    const move = { to: [3, 4], who: 'Ø', note: null };

    for (const name of ['private-feed', 'presence-lobby']) {
      assert.equal(ours.channel(name).trigger('client-move', { ...move, from: 'ours' }), true);
      assert.equal(referee.channel(name).trigger('client-move', { ...move, from: 'theirs' }), true);
    }

    await waitFor(() => seen.ours.length === 2 && seen.theirs.length === 2, 'the client events');
    assert.deepEqual(seen.ours, [
      { name: 'private-feed', data: { ...move, from: 'theirs' }, metadata: {} },
      { name: 'presence-lobby', data: { ...move, from: 'theirs' }, metadata: { user_id: '2' } },
    ]);
    assert.deepEqual(seen.theirs, [
      { name: 'private-feed', data: { ...move, from: 'ours' }, metadata: {} },
      { name: 'presence-lobby', data: { ...move, from: 'ours' }, metadata: { user_id: '1' } },
    ]);
  });
});
