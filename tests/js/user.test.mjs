// Signing in (user authentication and #server-to-user-{id}) and realtime.fetch().

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { AuthServer, CSRF_TOKEN, Clients, ServerProcess, next, record, subscribed, waitFor } from './helpers.mjs';

const USERS = {
  zed: { user_id: '42', user_info: { name: 'Zed' } },
  yan: { user_id: '43', user_info: { name: 'Yan' } },
};

/** A stand-in for the app's own Django views: records each request's headers. */
async function startViewServer() {
  const requests = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      requests.push({ method: request.method, url: request.url, headers: request.headers, body });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"ok": true}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, requests, url: `http://127.0.0.1:${server.address().port}` };
}

describe('users and fetch', () => {
  let server;
  let auth;
  let views;
  const clients = new Clients();
  const as = (user, extra) => clients.connected(server.config(auth, { ...auth.config(user), ...extra }));

  before(async () => {
    [server, auth, views] = await Promise.all([ServerProcess.start(), AuthServer.start(USERS), startViewServer()]);
  });

  after(async () => {
    clients.closeAll();
    views.server.closeAllConnections();
    await Promise.all([server.stop(), auth.close(), new Promise((resolve) => views.server.close(resolve))]);
  });

  it('signin() authenticates the user; events sent to that user arrive on realtime.user', async () => {
    const [zed, yan] = await Promise.all([as('zed'), as('yan')]);
    const zedNotices = record(zed.user, ['notice']);
    const yanNotices = record(yan.user, ['notice']);
    const signedIn = next(zed.user, 'pusher:signin_success');
    assert.equal(zed.signin(), zed.user);
    await waitFor(() => zed.user.signedIn, 'zed signed in');
    yan.signin();
    await waitFor(() => yan.user.signedIn, 'yan signed in');

    assert.deepEqual(await signedIn, { id: '42', user_info: { name: 'Zed' } });
    assert.equal(zed.user.id, '42');
    assert.deepEqual(zed.user.info, { name: 'Zed' });
    const [request] = auth.requests.filter((r) => r.path === '/user' && r.params.socket_id === zed.socketId);
    assert.deepEqual(request.params, { socket_id: zed.socketId });
    assert.equal(request.headers['x-csrftoken'], CSRF_TOKEN);

    await server.sdk.sendToUser('42', 'notice', { text: 'for 42 only' });
    await server.sdk.sendToUser('43', 'notice', { text: 'for 43' });

    await waitFor(() => zedNotices.length === 1 && yanNotices.length === 1, 'the notices');
    assert.deepEqual(zedNotices.map((n) => n.data), [{ text: 'for 42 only' }]);
    assert.deepEqual(yanNotices.map((n) => n.data), [{ text: 'for 43' }]);
  });

  it('a refused sign-in is a pusher:signin_error on realtime.user', async () => {
    const client = await as('nobody');
    const failed = next(client.user, 'pusher:signin_error');

    client.signin();

    const error = await failed;
    assert.equal(error.type, 'AuthError');
    assert.equal(error.status, 403);
    assert.match(error.error, /Not signed in/);
    assert.equal(client.user.signedIn, false);
    assert.equal(client.state, 'connected');
  });

  it("a signature the server rejects is the server's pusher:error 4009 as pusher:signin_error", async () => {
    const client = await as('zed', { userAuthentication: { endpoint: `${auth.url}/forge`, headers: {} } });
    const failed = next(client.user, 'pusher:signin_error');

    client.signin();

    const error = await failed;
    assert.equal(error.type, 'PusherError');
    assert.equal(error.data.code, 4009);
    assert.match(error.data.message, /Invalid signature/);
    assert.equal(client.user.signedIn, false);
    assert.equal(client.state, 'connected');
  });

  it('fetch() sends the socket id and the CSRF header, so a view can publish to the others', async () => {
    const [me, other] = await Promise.all([as('zed'), as('yan')]);
    const [mine, theirs] = await Promise.all([subscribed(me, 'board'), subscribed(other, 'board')]);
    const meSeen = record(mine, ['moved', 'marker']);
    const otherSeen = record(theirs, ['moved']);

    const response = await me.fetch(`${views.url}/move/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Extra': 'kept' },
      body: '{"x": 1}',
    });

    assert.deepEqual(await response.json(), { ok: true });
    const [request] = views.requests;
    assert.equal(request.headers['x-socket-id'], me.socketId);
    assert.equal(request.headers['x-csrftoken'], CSRF_TOKEN);
    assert.equal(request.headers['x-extra'], 'kept');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.body, '{"x": 1}');
    // What the Django view then does with it:
    await server.publish('board', 'moved', { x: 1 }, { socket_id: request.headers['x-socket-id'] });
    await server.publish('board', 'marker', {});
    await waitFor(() => otherSeen.length === 1 && meSeen.length === 1, 'the deliveries');
    assert.deepEqual(meSeen.map((e) => e.event), ['marker']);
  });

  it('fetch() keeps a header the caller set and adds nothing for another origin', async () => {
    const client = await as('zed');
    await client.fetch(`${views.url}/own/`, { headers: { 'X-CSRFToken': 'explicit' } });
    globalThis.location = new URL('http://app.example.com/page/');
    try {
      await client.fetch(`${views.url}/elsewhere/`);
    } finally {
      delete globalThis.location;
    }

    const own = views.requests.find((r) => r.url === '/own/');
    const elsewhere = views.requests.find((r) => r.url === '/elsewhere/');
    assert.equal(own.headers['x-csrftoken'], 'explicit');
    assert.equal(own.headers['x-socket-id'], client.socketId);
    assert.equal(elsewhere.headers['x-csrftoken'], undefined);
    assert.equal(elsewhere.headers['x-socket-id'], undefined);
  });
});
