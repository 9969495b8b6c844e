import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { SignIn, User } from '../src/user.js';
import { answer, settle } from './fakes.mjs';

function signin({ socketId = '1.1', reply = () => answer(200, { auth: 'k:sig', user_data: '{"id":7,"user_info":{"name":"ada"}}' }) } = {}) {
  const user = new User();
  const connection = { socketId, generation: 1, sent: [], send(frame) { this.sent.push(frame); return true; } };
  const requests = [];
  const http = { raw: async (url, init) => { requests.push([url, init.body]); return reply(); } };
  const events = [];
  user.bindGlobal((event, data) => events.push([event, data]));
  const flow = new SignIn(user, connection, { key: 'k', userAuthentication: { endpoint: '/signin/' } }, http);
  return { user, connection, requests, events, flow };
}

describe('SignIn', () => {
  it('signs in once asked, and again on each new connection', async () => {
    const { flow, connection, requests, user } = signin();
    flow.established();
    assert.deepEqual(requests, [], 'not before signin()');
    assert.equal(flow.start(), user);
    flow.start();
    await settle();
    assert.deepEqual(requests, [['/signin/', 'socket_id=1.1']]);
    assert.deepEqual(connection.sent, [{ event: 'pusher:signin', data: { auth: 'k:sig', user_data: '{"id":7,"user_info":{"name":"ada"}}' } }]);
    flow.established();
    await settle();
    assert.equal(requests.length, 2);
  });

  it("is signed in on the server's answer and subscribes to the user's events", () => {
    const { flow, connection, events, user } = signin();
    flow.succeeded({ user_data: '{"id":7,"user_info":{"name":"ada"}}' });
    assert.deepEqual([user.id, user.info, user.signedIn], ['7', { name: 'ada' }, true]);
    assert.deepEqual(connection.sent, [{ event: 'pusher:subscribe', data: { channel: '#server-to-user-7' } }]);
    assert.deepEqual(events, [['pusher:signin_success', { id: 7, user_info: { name: 'ada' } }]]);
    flow.succeeded({ user_data: '{"user_info":1}' });
    assert.equal(events.length, 1, 'an answer without a user id changes nothing');
    flow.lost();
    assert.equal(user.signedIn, false);
  });

  it("gives the user its own events only", () => {
    const { flow, events } = signin();
    flow.succeeded({ user_data: '{"id":7}' });
    flow.deliver({ event: 'note', channel: '#server-to-user-7', data: 1 });
    flow.deliver({ event: 'note', channel: '#server-to-user-8', data: 2 });
    flow.deliver({ event: 'pusher_internal:x', channel: '#server-to-user-7', data: 3 });
    assert.deepEqual(events.slice(1), [['note', 1]]);
  });

  it("emits each watchlist event on user.watchlist, by name", () => {
    const { flow, user, events } = signin();
    const seen = [];
    user.watchlist.bind('online', (event) => seen.push(event));
    user.watchlist.bind('offline', (event) => seen.push(event));
    flow.watchlistEvents({ events: [{ name: 'online', user_ids: ['1'] }, { name: 'offline', user_ids: ['2', '3'] }] });
    flow.watchlistEvents({ events: 'garbled' });
    flow.watchlistEvents(null);
    flow.watchlistEvents({ events: [null, { user_ids: ['4'] }] });
    assert.deepEqual(seen, [{ name: 'online', user_ids: ['1'] }, { name: 'offline', user_ids: ['2', '3'] }]);
    assert.deepEqual(events, [], 'nothing on the user itself');
  });

  it('reports a failed authorization, or a 4009 answering the sign-in', async () => {
    const refused = signin({ reply: () => answer(200, { auth: 'k:sig' }) });
    refused.flow.start();
    await settle();
    assert.equal(refused.events[0][0], 'pusher:signin_error');
    assert.match(refused.events[0][1].message, /answered no "user_data" string/);

    const { flow, events } = signin();
    flow.serverError({ code: 4009, message: 'not yet' });
    assert.deepEqual(events, [], 'no sign-in was sent');
    flow.start();
    await settle();
    flow.serverError({ code: 4001, message: 'other' });
    flow.serverError({ code: 4009, message: 'refused' });
    assert.deepEqual(events, [['pusher:signin_error', { type: 'PusherError', data: { code: 4009, message: 'refused' } }]]);
  });
});
