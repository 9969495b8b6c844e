// Channels: public, private and presence subscriptions, refusals, client events,
// unsubscribing; against a real server with client events enabled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { AuthServer, CSRF_TOKEN, Clients, ServerProcess, next, record, subscribed, waitFor } from './helpers.mjs';

const USERS = {
  ann: { user_id: '1', user_info: { name: 'Ann' } },
  bob: { user_id: '2', user_info: { name: 'Bob', tags: ['x'] } },
};

describe('channels', () => {
  let server;
  let auth;
  const clients = new Clients();
  const as = (user, extra) => clients.connected(server.config(auth, { ...auth.config(user), ...extra }));

  before(async () => {
    [server, auth] = await Promise.all([ServerProcess.start({ clientEvents: true }), AuthServer.start(USERS)]);
  });

  after(async () => {
    clients.closeAll();
    await Promise.all([server.stop(), auth.close()]);
  });

  it('public: events arrive decoded like pusher-js decodes them; subscribe() is idempotent', async () => {
    const client = await as('ann');
    const channel = await subscribed(client, 'news');
    assert.equal(client.subscribe('news'), channel);
    assert.equal(client.channel('news'), channel);
    assert.deepEqual(client.allChannels(), [channel]);
    const seen = record(channel, ['created', 'note']);

    await server.publish('news', 'created', { title: 'Grüße, 世界', n: [1, -2.5], ok: null });
    await server.publish('news', 'note', 'plain text, not JSON');

    await waitFor(() => seen.length === 2, 'two events');
    assert.deepEqual(seen, [
      { event: 'created', data: { title: 'Grüße, 世界', n: [1, -2.5], ok: null }, metadata: {} },
      { event: 'note', data: 'plain text, not JSON', metadata: {} },
    ]);
    assert.equal(auth.requestsFor('news').length, 0, 'public channels need no authorization');
  });

  it('private: authorizes with a form POST carrying the headers, then receives', async () => {
    const client = await as('ann');
    const channel = await subscribed(client, 'private-orders');
    const got = next(channel, 'paid');
    await server.publish('private-orders', 'paid', { id: 7 });
    assert.deepEqual(await got, { id: 7 });

    const [request] = auth.requestsFor('private-orders');
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/channel');
    assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request.headers['x-csrftoken'], CSRF_TOKEN);
    assert.deepEqual(request.params, { socket_id: client.socketId, channel_name: 'private-orders' });
  });

  it('presence: members, me, count, member_added and member_removed', async () => {
    const ann = await as('ann');
    const annRoom = await subscribed(ann, 'presence-room');
    assert.equal(annRoom.members.count, 1);
    assert.deepEqual(annRoom.members.me, { id: '1', info: { name: 'Ann' } });
    const changes = record(annRoom, ['pusher:member_added', 'pusher:member_removed']);

    const bob = await as('bob');
    const bobRoom = bob.subscribe('presence-room');
    const members = await next(bobRoom, 'pusher:subscription_succeeded');

    assert.equal(members, bobRoom.members);
    assert.equal(members.count, 2);
    assert.deepEqual(members.me, { id: '2', info: { name: 'Bob', tags: ['x'] } });
    assert.deepEqual(members.get(1), { id: '1', info: { name: 'Ann' } });
    assert.equal(members.get('3'), null);
    const listed = [];
    members.each((member) => listed.push(member));
    assert.deepEqual(listed.sort((a, b) => a.id.localeCompare(b.id)), [
      { id: '1', info: { name: 'Ann' } },
      { id: '2', info: { name: 'Bob', tags: ['x'] } },
    ]);
    await waitFor(() => changes.length === 1, 'member_added');
    assert.equal(annRoom.members.count, 2);

    bob.unsubscribe('presence-room');
    await waitFor(() => changes.length === 2, 'member_removed');
    assert.deepEqual(
      changes.map(({ event, data }) => [event, data]),
      [
        ['pusher:member_added', { id: '2', info: { name: 'Bob', tags: ['x'] } }],
        ['pusher:member_removed', { id: '2', info: { name: 'Bob', tags: ['x'] } }],
      ],
    );
    assert.equal(annRoom.members.count, 1);
    assert.equal(bobRoom.subscribed, false);
  });

  it('a 403 from the authorization endpoint is a subscription_error; the socket stays', async () => {
    const client = await as('ann', { channelAuthorization: { endpoint: `${auth.url}/refuse`, headers: {} } });
    const channel = client.subscribe('private-vault');

    const error = await next(channel, 'pusher:subscription_error');

    assert.equal(error.type, 'AuthError');
    assert.equal(error.status, 403);
    assert.match(error.error, /\/refuse answered 403: .*You may not join this channel/);
    assert.equal(channel.subscribed, false);
    assert.equal(client.state, 'connected');
    // Subscribing again asks again.
    const again = next(channel, 'pusher:subscription_error');
    assert.equal(client.subscribe('private-vault'), channel);
    assert.equal((await again).status, 403);
    assert.equal(auth.requests.filter((r) => r.path === '/refuse').length, 2);
    await subscribed(client, 'news');
  });

  it("a signature the server rejects is the server's subscription_error", async () => {
    const client = await as('ann', { channelAuthorization: { endpoint: `${auth.url}/forge`, headers: {} } });
    const channel = client.subscribe('private-vault');

    const error = await next(channel, 'pusher:subscription_error');

    assert.equal(error.type, 'AuthError');
    assert.equal(error.status, 401);
    assert.match(error.error, /Invalid signature/);
    assert.equal(client.state, 'connected');
  });

  for (const name of ['private-chat', 'presence-chat']) {
    it(`client events on ${name} reach the others, with user_id on presence, not the sender`, async () => {
      const [ann, bob] = await Promise.all([as('ann'), as('bob')]);
      const [annChat, bobChat] = await Promise.all([subscribed(ann, name), subscribed(bob, name)]);
      const annSeen = record(annChat, ['client-typing', 'marker']);
      const bobSeen = record(bobChat, ['client-typing']);

      assert.equal(annChat.trigger('client-typing', { a: 1, b: 'é' }), true);

      await waitFor(() => bobSeen.length === 1, 'the client event');
      const metadata = name.startsWith('presence-') ? { user_id: '1' } : {};
      assert.deepEqual(bobSeen, [{ event: 'client-typing', data: { a: 1, b: 'é' }, metadata }]);
      // Frames reach a socket in order: once this later event is in, an echo would be too.
      await server.publish(name, 'marker', {});
      await waitFor(() => annSeen.length === 1, 'the marker');
      assert.deepEqual(annSeen.map((e) => e.event), ['marker']);
    });
  }

  it('trigger() refuses public channels, unconfirmed subscriptions and non-client names', async () => {
    const client = await as('ann');
    const news = await subscribed(client, 'news');
    assert.equal(news.trigger('client-x', {}), false);
    const pending = client.subscribe('private-later');
    assert.equal(pending.trigger('client-x', {}), false);
    await waitFor(() => pending.subscribed, 'subscribed');
    assert.throws(() => pending.trigger('typing', {}), /must start with "client-"/);
    assert.throws(() => client.subscribe('private-encrypted-x'), /encrypted/);
  });

  it('unsubscribe() stops delivery', async () => {
    const client = await as('ann');
    const [news, other] = await Promise.all([subscribed(client, 'news'), subscribed(client, 'other')]);
    const seen = record(news, ['item']);
    const otherSeen = record(other, ['marker']);
    await server.publish('news', 'item', 1);
    await waitFor(() => seen.length === 1, 'the first item');

    client.unsubscribe('news');
    assert.equal(news.subscribed, false);
    assert.equal(client.channel('news'), undefined);
    await server.publish('news', 'item', 2);
    await server.publish('other', 'marker', 3);

    await waitFor(() => otherSeen.length === 1, 'the marker after it');
    assert.deepEqual(seen.map((e) => e.data), [1]);
    // The server stopped sending, not just the client listening.
    assert.deepEqual(client.frames.filter((f) => f.channel === 'news' && f.event === 'item').map((f) => f.data), [1]);
    const again = client.subscribe('news');
    assert.notEqual(again, news, 'a later subscribe() starts afresh');
  });
});
