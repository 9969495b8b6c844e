import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Channel } from '../src/channel.js';

/** The channel's host: records frames sent and resubscriptions asked for. */
function host({ recovers = true } = {}) {
  return { sent: [], requested: [], recovers, userId: null, send(frame) { this.sent.push(frame); return true; }, request(channel) { this.requested.push(channel.name); } };
}

/** A channel subscribed at `position`, recording the events given to its callbacks. */
function subscribed(name, position, options) {
  const subscriptions = host(options);
  const channel = new Channel(name, subscriptions);
  const events = [];
  channel.bindGlobal((event, data) => events.push([event, data]));
  channel._handle({ event: 'pusher_internal:subscription_succeeded', channel: name, data: {}, position });
  events.length = 0;
  return { channel, subscriptions, events };
}

const event = (position, data = position) => ({ event: 'created', channel: 'news', data, position });

describe('Channel', () => {
  it('is subscribed once the server says so, and knows which channels need authorization', () => {
    const channel = new Channel('news', host());
    assert.equal(channel.subscribed, false);
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {} });
    assert.equal(channel.subscribed, true);
    assert.equal(channel.requiresAuth, false);
    assert.ok(new Channel('private-a', host()).requiresAuth);
    assert.ok(new Channel('presence-a', host()).requiresAuth);
  });

  it('triggers client events on subscribed private channels only', () => {
    const subscriptions = host();
    const channel = new Channel('private-a', subscriptions);
    assert.throws(() => channel.trigger('typing', {}), /must start with "client-"/);
    assert.equal(channel.trigger('client-typing', {}), false);
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {} });
    assert.equal(channel.trigger('client-typing', { who: 'ada' }), true);
    assert.deepEqual(subscriptions.sent, [{ event: 'client-typing', channel: 'private-a', data: { who: 'ada' } }]);
    assert.equal(subscribed('news', 'e:0').channel.trigger('client-x', 1), false);
  });

  it('gives events with the sender as metadata and keeps pusher_internal ones to itself', () => {
    const channel = new Channel('presence-a', host({ recovers: false }));
    const calls = [];
    channel.bind('client-x', (data, metadata) => calls.push([data, metadata]));
    channel.bind('pusher:subscription_count', (data) => calls.push(['count', data]));
    channel._handle({ event: 'client-x', data: 1, user_id: '7' });
    channel._handle({ event: 'client-x', data: 2 });
    channel._handle({ event: 'pusher_internal:subscription_count', data: { subscription_count: 3 } });
    channel._handle({ event: 'pusher_internal:anything', data: 4 });
    assert.deepEqual(calls, [[1, { user_id: '7' }], [2, {}], ['count', { subscription_count: 3 }]]);
  });

  it("gives a cache channel's replayed event and pusher:cache_miss to its bindings, moving no position", () => {
    const { channel, events } = subscribed('cache-scores', 'e:4');
    channel._handle({ event: 'goal', channel: 'cache-scores', data: { home: 2 } });
    assert.equal(channel.position, 'e:4');
    channel._handle({ event: 'goal', channel: 'cache-scores', data: { home: 3 }, position: 'e:5' });
    assert.deepEqual(events, [['goal', { home: 2 }], ['goal', { home: 3 }]]);
    assert.equal(channel.position, 'e:5');
    const empty = subscribed('cache-empty', 'e:0');
    empty.channel._handle({ event: 'pusher:cache_miss', channel: 'cache-empty' });
    assert.deepEqual(empty.events, [['pusher:cache_miss', undefined]]);
    assert.equal(empty.channel.position, 'e:0');
  });

  it('keeps the subscription count it was last told', () => {
    const channel = new Channel('news', host({ recovers: false }));
    assert.equal(channel.subscriptionCount, null);
    const counts = [];
    channel.bind('pusher:subscription_count', (data) => counts.push([data, channel.subscriptionCount]));
    channel._handle({ event: 'pusher_internal:subscription_count', data: { subscription_count: 120 } });
    channel._handle({ event: 'pusher_internal:subscription_count', data: { subscription_count: 'many' } });
    assert.deepEqual(counts, [
      [{ subscription_count: 120 }, 120],
      [{ subscription_count: 'many' }, 120],
    ]);
  });

  it('moves its position with each event and drops what it has seen', () => {
    const { channel, events } = subscribed('news', 'e:4');
    assert.equal(channel.position, 'e:4');
    channel._handle(event('e:5'));
    channel._handle(event('e:5'));
    channel._handle(event('e:3'));
    channel._handle({ event: 'pusher_internal:position', channel: 'news', position: 'e:6' });
    channel._handle(event('e:7'));
    assert.deepEqual(events, [['created', 'e:5'], ['created', 'e:7']]);
    assert.equal(channel.position, 'e:7');
  });

  it('subscribes again after a gap, holding the events until the answer', () => {
    const { channel, subscriptions, events } = subscribed('news', 'e:1');
    channel._handle(event('e:3'));
    channel._handle(event('e:4'));
    assert.deepEqual(subscriptions.requested, ['news']);
    assert.deepEqual(events, []);
    // The server recovered: the replay follows, with what was held.
    channel._recoveryFrom = 'e:1';
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {}, position: 'e:4', recovered: true });
    assert.deepEqual(events, [['realtime:recovery', { recovered: true, position: 'e:4', from: 'e:1' }]]);
    for (const position of ['e:2', 'e:3', 'e:4']) channel._handle(event(position));
    assert.deepEqual(events.slice(1).map(([, data]) => data), ['e:2', 'e:3', 'e:4']);
  });

  it('gives the held events once when the resubscription does not recover', () => {
    const { channel, events } = subscribed('news', 'e:1');
    channel._handle(event('e:3'));
    channel._handle(event('e:3'));
    channel._handle(event('e:4'));
    channel._recoveryFrom = 'e:1';
    channel._handle({ event: 'pusher_internal:subscription_succeeded', data: {}, position: 'e:9', recovered: false });
    assert.deepEqual(events, [
      ['created', 'e:3'],
      ['created', 'e:4'],
      ['realtime:recovery', { recovered: false, position: 'e:9', from: 'e:1' }],
    ]);
    assert.equal(channel.position, 'e:9');
  });

  it('after a refused resubscription, gives what was held and says it did not recover', () => {
    const { channel, events } = subscribed('news', 'e:1');
    channel._handle(event('e:3'));
    channel._handle({ event: 'pusher:subscription_error', data: { type: 'AuthError', status: 403 } });
    assert.deepEqual(events.map(([name]) => name), ['created', 'pusher:subscription_error', 'realtime:recovery']);
    assert.deepEqual(events[2][1], { recovered: false, position: 'e:3', from: 'e:1' });
  });

  it('starts a new epoch from its first event, or subscribes again to get the ones before', () => {
    const fresh = subscribed('news', 'e:5');
    fresh.channel._handle(event('f:1'));
    assert.equal(fresh.channel.position, 'f:1');
    const late = subscribed('news', 'e:5');
    late.channel._handle(event('f:3'));
    assert.equal(late.channel.position, 'f:0');
    assert.deepEqual(late.subscriptions.requested, ['news']);
  });

  it('keeps no position without the recovery extension, and forgets the request on reset', () => {
    const { channel, events } = subscribed('news', 'e:5', { recovers: false });
    assert.equal(channel.position, null);
    channel._handle(event('e:5'));
    channel._handle(event('e:5'));
    assert.equal(events.length, 2, 'without recovery nothing is dropped');
    channel._requested = true;
    channel._reset();
    assert.deepEqual([channel.subscribed, channel._requested], [false, false]);
  });
});
