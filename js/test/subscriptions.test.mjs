import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Channel } from '../src/channel.js';
import { PresenceChannel } from '../src/presence.js';
import { Subscriptions } from '../src/subscriptions.js';
import { User } from '../src/user.js';
import { answer, settle } from './fakes.mjs';

/** A connection stand-in: established as `socketId` (null: not connected), recording frames. */
function connection(socketId = '1.1', recovers = false) {
  return { socketId, generation: 1, recovers, sent: [], send(frame) { this.sent.push(frame); return this.socketId !== null; } };
}

function subscriptions({ socketId, recovers, reply = () => answer(200, { auth: 'k:sig' }) } = {}) {
  const conn = connection(socketId, recovers);
  const requests = [];
  const http = { raw: async (url, init) => { requests.push(Object.fromEntries(new URLSearchParams(init.body))); return reply(); } };
  const config = { key: 'k', channelAuthorization: { endpoint: '/auth/' } };
  return { subs: new Subscriptions(conn, config, http, new User()), conn, requests };
}

describe('Subscriptions', () => {
  it('gives one channel per name, a presence channel for presence- names', () => {
    const { subs } = subscriptions({ socketId: null });
    const news = subs.subscribe('news');
    assert.ok(news instanceof Channel);
    assert.equal(subs.subscribe('news'), news);
    assert.ok(subs.subscribe('presence-room') instanceof PresenceChannel);
    assert.deepEqual(subs.all().map((c) => c.name), ['news', 'presence-room']);
    assert.equal(subs.get('news'), news);
  });

  it('refuses names it cannot subscribe to', () => {
    const { subs } = subscriptions();
    assert.throws(() => subs.subscribe(''), /needs a channel name/);
    assert.throws(() => subs.subscribe('private-encrypted-a'), /pusher-js\/with-encryption/);
    assert.throws(() => subs.subscribe('#server-to-user-1'), /call signin\(\)/);
  });

  it('subscribes public channels at once, and every channel again on a new connection', () => {
    const { subs, conn } = subscriptions({ socketId: null });
    subs.subscribe('news');
    assert.deepEqual(conn.sent, []);
    conn.socketId = '1.1';
    subs.established();
    assert.deepEqual(conn.sent, [{ event: 'pusher:subscribe', data: { channel: 'news' } }]);
    subs.subscribe('news');
    assert.equal(conn.sent.length, 1, 'requested already');
  });

  it('authorizes private channels first, for this socket', async () => {
    const { subs, conn, requests } = subscriptions({ reply: () => answer(200, { auth: 'k:sig', channel_data: '{"user_id":1}' }) });
    subs.subscribe('presence-room');
    await settle();
    assert.deepEqual(requests, [{ socket_id: '1.1', channel_name: 'presence-room' }]);
    assert.deepEqual(conn.sent, [{ event: 'pusher:subscribe', data: { channel: 'presence-room', auth: 'k:sig', channel_data: '{"user_id":1}' } }]);
    assert.equal(subs.get('presence-room').members.myID, '1');
  });

  it("fails the channel when its authorization fails, unless the connection moved on", async () => {
    const { subs, conn } = subscriptions({ reply: () => answer(403, { error: 'no' }) });
    const errors = [];
    subs.subscribe('private-a').bind('pusher:subscription_error', (error) => errors.push(error.status));
    await settle();
    assert.deepEqual(errors, [403]);
    conn.generation = 2;
    subs.subscribe('private-b').bind('pusher:subscription_error', () => errors.push('stale'));
    conn.generation = 3;
    await settle();
    assert.deepEqual(errors, [403]);
    assert.deepEqual(conn.sent, []);
  });

  it('sends the position to recover from when the server recovers', () => {
    const { subs, conn } = subscriptions({ recovers: true });
    const channel = subs.subscribe('news');
    channel.position = 'e:4';
    subs.request(channel);
    assert.deepEqual(conn.sent.at(-1), { event: 'pusher:subscribe', data: { channel: 'news', position: 'e:4' } });
    assert.equal(channel._recoveryFrom, 'e:4');
  });

  it('unsubscribes: tells the server, resets the channel and settles who waits for it', () => {
    const { subs, conn } = subscriptions();
    const channel = subs.subscribe('news');
    let told = 0;
    channel._onUnsubscribe.add(() => { told += 1; });
    subs.unsubscribe('news');
    subs.unsubscribe('never-subscribed');
    assert.deepEqual(conn.sent.at(-1), { event: 'pusher:unsubscribe', data: { channel: 'news' } });
    assert.equal(channel._requested, false);
    assert.equal(told, 1);
    assert.equal(subs.get('news'), undefined);
  });

  it('routes frames to their channel and resets every channel when the connection is lost', () => {
    const { subs } = subscriptions();
    const channel = subs.subscribe('news');
    const data = [];
    channel.bind('created', (item) => data.push(item));
    subs.route({ event: 'pusher_internal:subscription_succeeded', channel: 'news', data: {} });
    subs.route({ event: 'created', channel: 'news', data: 1 });
    subs.route({ event: 'created', channel: 'other', data: 2 });
    assert.deepEqual(data, [1]);
    subs.lost();
    assert.equal(channel.subscribed, false);
  });
});
