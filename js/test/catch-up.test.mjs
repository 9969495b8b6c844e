import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { catchUp, CatchUpError, parsePosition, resumeOnResubscribe } from '../src/catch-up.js';
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
