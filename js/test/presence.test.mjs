import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Members, PresenceChannel } from '../src/presence.js';

const host = (userId = null) => ({ sent: [], recovers: false, userId, send() { return true; }, request() {} });

describe('Members', () => {
  it('counts distinct users and finds them by id', () => {
    const members = new Members();
    members.myID = '1';
    members._set({ hash: { 1: { name: 'ada' }, 2: null } });
    assert.equal(members.count, 2);
    assert.deepEqual(members.me, { id: '1', info: { name: 'ada' } });
    assert.deepEqual(members.get(2), { id: '2', info: null });
    assert.equal(members.get('toString'), null, 'no inherited names');
    members._add(3, 'x');
    members._add('3', 'y');
    assert.equal(members.count, 3);
    assert.deepEqual(members._remove(2), { id: '2', info: null });
    assert.equal(members._remove(2), null);
    const seen = [];
    members.each((member) => seen.push(member.id));
    assert.deepEqual(seen, ['1', '3']);
    members._reset();
    assert.deepEqual([members.count, members.me, members.myID], [0, null, '1']);
  });
});

describe('PresenceChannel', () => {
  it("names this connection's member from channel_data, else from the signed-in user", () => {
    const channel = new PresenceChannel('presence-room', host('9'));
    channel._authorized({ auth: 'k:s', channel_data: JSON.stringify({ user_id: 4 }) });
    assert.equal(channel.members.myID, '4');
    channel._authorized({ auth: 'k:s' });
    assert.equal(channel.members.myID, '9');
  });

  it('passes the members on success and announces who comes and goes', () => {
    const channel = new PresenceChannel('presence-room', host());
    const events = [];
    channel.bindGlobal((event, data) => events.push([event, data]));
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: { presence: { hash: { 1: 'a' } } } });
    channel._handle({ event: 'pusher_internal:member_added', data: { user_id: 2, user_info: 'b' } });
    channel._handle({ event: 'pusher_internal:member_added', data: { user_info: 'nobody' } });
    channel._handle({ event: 'pusher_internal:member_removed', data: { user_id: '1' } });
    channel._handle({ event: 'pusher_internal:member_removed', data: { user_id: '1' } });
    assert.deepEqual(events, [
      ['pusher:subscription_succeeded', channel.members],
      ['pusher:member_added', { id: '2', info: 'b' }],
      ['pusher:member_removed', { id: '1', info: 'a' }],
    ]);
    assert.equal(channel.members.count, 1);
    channel._reset();
    assert.equal(channel.members.count, 0);
  });
});
