import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { catchUp, CatchUpError, followDeployment, parsePosition, resumeOnResubscribe } from '../src/catch-up.js';
import { answer, settle } from './fakes.mjs';

const HISTORY = {
  position: 'ab:3',
  recovered: true,
  events: [
    { channel: 'news', event: 'created', data: '{"id":1}', position: 'ab:2' },
    { channel: 'news', event: 'created', data: 'text', position: 'ab:3' },
  ],
};

/** A pusher-js 8 stand-in whose transport the test feeds raw frames. */
function pusher() {
  const bindings = { connection: new Map(), transport: new Map() };
  const on = (map) => ({ bind: (event, fn) => map.set(event, fn), unbind: (event) => map.delete(event) });
  const transport = on(bindings.transport);
  const client = { connection: { ...on(bindings.connection), connection: { transport } } };
  const frame = (data) => bindings.transport.get('message')({ data: JSON.stringify(data) });
  return { client, bindings, frame };
}

describe('catch-up', () => {
  it('parses the history positions strictly (hex epochs, no leading zeros)', () => {
    assert.deepEqual(parsePosition('ab:3'), { epoch: 'ab', offset: 3 });
    for (const text of ['AB:3', 'ab:03', 'ab:', 'x:1', undefined]) assert.equal(parsePosition(text), null, String(text));
  });

  it('fetches the missed events, decoded, up to `until`', async () => {
    const requests = [];
    const events = [];
    const result = await catchUp('news', {
      endpoint: '/realtime/history/',
      since: 'ab:1',
      until: 'ab:2',
      headers: { 'X-Test': '1' },
      fetch: async (url, init) => { requests.push([url, init.headers]); return answer(200, HISTORY); },
      onEvent: (...args) => events.push(args),
    });
    assert.deepEqual(requests, [['/realtime/history/?channel=news&since=ab%3A1', { Accept: 'application/json', 'X-Test': '1' }]]);
    assert.deepEqual(events, [['news', 'created', { id: 1 }, { position: 'ab:2', replayed: true }]]);
    assert.deepEqual(result, { position: 'ab:3', recovered: true, events: [HISTORY.events[0]] });
  });

  it('rejects with a CatchUpError', async () => {
    await assert.rejects(catchUp('news', {}), TypeError);
    await assert.rejects(catchUp('news', { endpoint: '/h/', fetch: async () => answer(501, { error: 'no history' }) }),
      (error) => error instanceof CatchUpError && error.status === 501 && error.message === 'no history');
    await assert.rejects(catchUp('news', { endpoint: '/h/', fetch: async () => { throw new Error('offline'); } }),
      { name: 'CatchUpError', status: 0, message: 'history request failed: offline' });
  });

  it('catches a channel up when pusher-js subscribes to it again', async () => {
    const { client, bindings, frame } = pusher();
    const missed = [];
    const resets = [];
    const resume = resumeOnResubscribe(client, {
      endpoint: '/h/',
      fetch: async () => answer(200, HISTORY),
      onEvent: (channel, event, data) => missed.push(data),
      onReset: (channel, result) => resets.push([channel, result.recovered]),
    });
    frame({ event: 'pusher_internal:subscription_succeeded', channel: 'news', position: 'ab:1' });
    frame({ event: 'created', channel: 'news', position: 'ab:1' });
    assert.equal(resume.position('news'), 'ab:1');
    frame({ event: 'pusher_internal:subscription_succeeded', channel: 'news', position: 'ab:3' });
    await settle();
    assert.deepEqual(missed, [{ id: 1 }, 'text']);
    assert.deepEqual(resets, []);
    resume.forget('news');
    assert.equal(resume.position('news'), undefined);
    resume.stop();
    assert.equal(bindings.transport.has('message'), false);
    assert.equal(bindings.connection.has('connected'), false);
  });
});

describe('followDeployment', () => {
  const OLD = { key: 'old', wsHost: 'old.example', deployment: { id: 'tornado_redis:aaaaaaaaaaaa', endpoint: '/realtime/config/' } };
  const NEW = { key: 'new', cluster: 'eu', deployment: { id: 'pusher:bbbbbbbbbbbb', endpoint: '/realtime/config/' } };

  /** followDeployment over a stand-in whose config endpoint answers `current()`. */
  function following(current, options = {}) {
    const { client, bindings } = pusher();
    const moves = [];
    const asked = [];
    const follower = followDeployment(client, {
      config: OLD,
      interval: 0,
      fetch: async (url) => { asked.push(url); return answer(200, current()); },
      onMove: (config, previous) => moves.push([config, previous]),
      ...options,
    });
    return { client, bindings, follower, moves, asked };
  }

  it('needs the config and onMove', () => {
    assert.throws(() => followDeployment(pusher().client, { onMove() {} }), /needs the config/);
    assert.throws(() => followDeployment(pusher().client, { config: OLD }), /needs onMove/);
  });

  it('asks after a reconnect, not the first connection, and hands over the new config', async () => {
    const { bindings, moves, asked } = following(() => NEW);
    bindings.connection.get('connected')();
    await settle();
    assert.deepEqual(asked, [], 'the first connection is where the page was rendered');
    bindings.connection.get('connected')();
    await settle();
    assert.deepEqual(asked, ['/realtime/config/']);
    assert.deepEqual(moves, [[NEW, OLD.deployment.id]]);
  });

  it('asks when the connection is unavailable, on check(), and on an answer naming another deployment', async () => {
    const { bindings, follower, moves, asked } = following(() => OLD);
    bindings.connection.get('unavailable')();
    await settle();
    assert.equal(await follower.check(), false);
    follower.observe(new Response('{}', { headers: { 'X-Realtime-Deployment': OLD.deployment.id } }));
    follower.observe(new Response('{}', { headers: { 'X-Realtime-Deployment': NEW.deployment.id } }));
    await settle();
    assert.equal(asked.length, 3);
    assert.deepEqual(moves, []);
  });

  it('follows the client onMove created, and stops', async () => {
    let current = NEW;
    const { bindings, follower, moves } = following(() => current);
    const next = pusher();
    assert.equal(await follower.check(), true);
    follower.follow(next.client, NEW);
    assert.equal(bindings.connection.size, 0, 'the old client is left alone');
    assert.equal(await follower.check(), false, 'NEW is where it is now');
    current = OLD;
    assert.equal(await follower.check(), true, 'and back, should the switch be undone');
    assert.deepEqual(moves.map(([config, previous]) => [config.key, previous]), [['new', OLD.deployment.id], ['old', NEW.deployment.id]]);
    follower.stop();
    assert.equal(next.bindings.connection.size, 0);
  });
});
