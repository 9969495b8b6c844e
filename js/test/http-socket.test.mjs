import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { httpFallbacks, httpSessionUrl } from '../src/config.js';
import { HttpSocket } from '../src/http-socket.js';
import { VERSION } from '../src/protocol.js';

const URL_PARTS = { base: 'http://h:1/pusher/app/k', query: 'protocol=7' };

/** A stand-in fetch: each receive request gets the next of `answers` (text, or a stream of chunks). */
function fakeFetch(answers) {
  const requests = [];
  const fetch = async (url, init) => {
    requests.push({ url, init });
    if (url.includes('/xhr_send')) return new Response(null, { status: 204 });
    const answer = answers.shift();
    if (answer === undefined) {
      // Held open until aborted, as a poll with nothing to say.
      return new Promise((resolve, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
    if (typeof answer === 'number') return new Response('', { status: answer });
    if (Array.isArray(answer)) {
      const stream = new ReadableStream({
        start(controller) {
          for (const chunk of answer) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      });
      return new Response(stream, { status: 200 });
    }
    return new Response(answer, { status: 200 });
  };
  return { fetch, requests };
}

function tick() {
  return new Promise((resolve) => setTimeout(resolve, 10));
}

function watched(socket) {
  const seen = { frames: [], closes: [] };
  socket.onmessage = ({ data }) => seen.frames.push(data);
  socket.onclose = ({ code, reason }) => seen.closes.push([code, reason]);
  return seen;
}

describe('HttpSocket', () => {
  it('polls: o opens, a[...] hands each frame, sends are a JSON array of strings', async () => {
    const { fetch, requests } = fakeFetch(['o\n', 'a["{\\"event\\":\\"one\\"}","{\\"event\\":\\"two\\"}"]\n']);
    const socket = new HttpSocket(URL_PARTS, fetch, false);
    const seen = watched(socket);
    await tick();
    assert.equal(socket.readyState, 1);
    assert.deepEqual(seen.frames, ['{"event":"one"}', '{"event":"two"}']);
    const session = requests[0].url.match(/^http:\/\/h:1\/pusher\/app\/k\/(\d{1,3}\/[0-9a-v]{8})\/xhr\?protocol=7&t=\d+$/);
    assert.ok(session, requests[0].url);
    assert.equal(requests[1].url.split('?')[0], `http://h:1/pusher/app/k/${session[1]}/xhr`);

    socket.send('{"event":"pusher:ping"}');
    await tick();
    const send = requests.find((request) => request.url.includes('/xhr_send'));
    assert.match(send.url, /\/xhr_send\?t=\d+$/);
    assert.equal(send.init.body, '["{\\"event\\":\\"pusher:ping\\"}"]');
    assert.equal(send.init.headers['Content-Type'], 'text/plain;charset=UTF-8');
    socket.close();
    assert.deepEqual(seen.closes, []);
  });

  it('streams: lines split across chunks, the prelude and heartbeats ignored, c closes', async () => {
    const prelude = `${'h'.repeat(2048)}\n`;
    const { fetch } = fakeFetch([[prelude, 'o\na["{\\"ev', 'ent\\":1}"]\nh\n', 'c[4200,"bye"]\n']]);
    const socket = new HttpSocket(URL_PARTS, fetch, true);
    const seen = watched(socket);
    await tick();
    assert.deepEqual(seen.frames, ['{"event":1}']);
    assert.deepEqual(seen.closes, [[4200, 'bye']]);
    assert.equal(socket.readyState, 3);
  });

  it('a failed or refused receive request, or a streaming response that ends, is an abnormal close', async () => {
    for (const [answers, streaming] of [[[404], false], [[['o\n']], true]]) {
      const socket = new HttpSocket(URL_PARTS, fakeFetch(answers).fetch, streaming);
      const seen = watched(socket);
      await tick();
      assert.equal(seen.closes.length, 1);
      assert.equal(seen.closes[0][0], 1006);
    }
    const refused = new HttpSocket(URL_PARTS, async () => { throw new TypeError('network'); }, false);
    const seen = watched(refused);
    await tick();
    assert.deepEqual(seen.closes, [[1006, 'The HTTP session request failed']]);
  });

  it('a second o means the server lost the session', async () => {
    const socket = new HttpSocket(URL_PARTS, fakeFetch(['o\n', 'o\n']).fetch, false);
    const seen = watched(socket);
    await tick();
    assert.deepEqual(seen.closes, [[1006, 'The server lost the session']]);
  });

  it('sends nothing before it is open', async () => {
    const { fetch, requests } = fakeFetch([]);
    const socket = new HttpSocket(URL_PARTS, fetch, false);
    socket.send('{}');
    await tick();
    assert.equal(requests.filter((request) => request.url.includes('xhr_send')).length, 0);
    socket.close();
  });
});

describe('httpFallbacks and httpSessionUrl', () => {
  it('takes the HTTP fallbacks the config enables, streaming first', () => {
    assert.deepEqual(httpFallbacks({ key: 'k' }), []);
    assert.deepEqual(httpFallbacks({ key: 'k', enabledTransports: ['xhr_polling', 'ws', 'xhr_streaming', 'sockjs'] }), ['xhr_streaming', 'xhr_polling']);
  });

  it('goes to httpHost, else wsHost with its ports, else the cluster or the page', () => {
    const query = `protocol=7&client=realtime-js&version=${VERSION}`;
    assert.deepEqual(httpSessionUrl({ key: 'k', wsHost: 'ws.example', wsPort: 6001, wssPort: 6002 }, null, false), {
      base: 'http://ws.example:6001/pusher/app/k',
      query,
    });
    assert.equal(httpSessionUrl({ key: 'k', wsHost: 'ws.example', wssPort: 6002 }, null, true).base, 'https://ws.example:6002/pusher/app/k');
    const http = { key: 'k', wsHost: 'ws.example', wsPort: 6001, httpHost: 'h.example', httpPort: 8080, httpsPort: 8443, httpPath: '/x/' };
    assert.equal(httpSessionUrl(http, null, false).base, 'http://h.example:8080/x/app/k');
    assert.equal(httpSessionUrl(http, null, true).base, 'https://h.example:8443/x/app/k');
    assert.equal(httpSessionUrl({ key: 'k', cluster: 'eu' }, null, false).base, 'https://sockjs-eu.pusher.com:443/pusher/app/k');
    const page = { protocol: 'https:', host: 'site.example:8000' };
    assert.equal(httpSessionUrl({ key: 'k' }, page, false).base, 'https://site.example:8000/pusher/app/k');
    assert.throws(() => httpSessionUrl({ key: 'k' }, null, false), /neither httpHost, wsHost nor cluster/);
  });
});
