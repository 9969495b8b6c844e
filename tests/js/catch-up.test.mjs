// catch-up.js: real pusher-js 8.6.0 against the test-only Django site served by
// `manage.py realtime_server` (memory backend: the history endpoint, the auth
// endpoint and the socket server on one port), catching up after a reconnect.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Pusher from 'pusher-js';

import { catchUp, CatchUpError, resumeOnResubscribe } from '../../realtime_core/static/realtime_core/catch-up.js';
import { DjangoServer, waitFor, withTimeout } from './helpers.mjs';

const HISTORY = '/realtime/history/';

function pusherJs(server, browser) {
  return new Pusher(browser.config.key, {
    cluster: 'mt1',
    wsHost: '127.0.0.1',
    wsPort: server.port,
    wssPort: server.port,
    forceTLS: false,
    enabledTransports: ['ws'],
    // The real Django endpoint, with this browser's session and CSRF token.
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        browser
          .fetch('/realtime/auth/channel/', {
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-CSRFToken': browser.csrfToken },
            body: new URLSearchParams({ socket_id: socketId, channel_name: channelName }),
          })
          .then(async (response) => {
            if (response.ok) callback(null, await response.json());
            else callback(new Error(`auth ${response.status}`), null);
          }, (error) => callback(error, null));
      },
    },
  });
}

function subscribed(channel) {
  if (channel.subscribed) return Promise.resolve(channel);
  return withTimeout(
    new Promise((resolve, reject) => {
      channel.bind('pusher:subscription_succeeded', () => resolve(channel));
      channel.bind('pusher:subscription_error', (error) => reject(new Error(JSON.stringify(error))));
    }),
    5000,
    `pusher-js subscribing to ${channel.name}`,
  );
}

async function publish(browser, channel) {
  const response = await browser.fetch(`/publish/${encodeURIComponent(channel)}/`);
  assert.equal(response.status, 200);
}

describe('catch-up.js with pusher-js', () => {
  let server;
  let browser;
  let pusher;

  before(async () => {
    server = await DjangoServer.start();
    browser = await server.login('ann');
  });

  after(async () => {
    if (pusher) pusher.disconnect();
    await server.stop();
  });

  it('hands over the events missed while disconnected, once, and live ones keep coming', async () => {
    const name = 'private-lobby';
    pusher = pusherJs(server, browser);
    const replayed = [];
    const resets = [];
    const live = [];
    // Before the history is read, one more event is published and arrives live: the
    // answer then holds it too, and catch-up.js must not hand it over a second time.
    let raceOnce = false;
    const historyRequests = [];
    const racingFetch = async (url, init) => {
      historyRequests.push(url);
      if (raceOnce) {
        raceOnce = false;
        const before = live.length;
        await publish(browser, name);
        await waitFor(() => live.length === before + 1, 'the live event racing the catch-up');
      }
      return browser.fetch(url, init);
    };
    const resume = resumeOnResubscribe(pusher, {
      endpoint: HISTORY,
      fetch: racingFetch,
      onEvent: (channel, event, data, meta) => replayed.push({ channel, event, data, meta }),
      onReset: (channel, answer) => resets.push({ channel, answer }),
    });
    const channel = pusher.subscribe(name);
    channel.bind('from-view', (data, metadata) => live.push({ data, metadata }));
    await subscribed(channel);
    const start = resume.position(name);
    const [epoch, offset] = start.split(':');
    assert.match(epoch, /^[0-9a-f]+$/);

    await publish(browser, name);
    await waitFor(() => live.length === 1, 'the first live event');
    // What pusher-js gives its handlers carries no position: why catch-up.js reads raw frames.
    assert.deepEqual(live[0].metadata, {});
    assert.equal(resume.position(name), `${epoch}:${Number(offset) + 1}`);

    pusher.disconnect();
    await waitFor(() => pusher.connection.state === 'disconnected', 'disconnected');
    await publish(browser, name);
    await publish(browser, name);
    assert.deepEqual(historyRequests, [], 'no catch-up on the first subscription');
    raceOnce = true;
    const wasSubscribed = new Promise((resolve) => channel.bind('pusher:subscription_succeeded', resolve));
    pusher.connect();
    await withTimeout(wasSubscribed, 5000, 'the new subscription');
    await waitFor(() => replayed.length >= 2, 'the two missed events');
    await new Promise((resolve) => setTimeout(resolve, 200)); // nothing else may come

    const base = Number(offset);
    assert.deepEqual(
      replayed.map(({ channel: c, event, data, meta }) => [c, event, data, meta]),
      [2, 3].map((n) => [name, 'from-view', { path: `/publish/${name}/` }, { position: `${epoch}:${base + n}`, replayed: true }]),
    );
    assert.equal(live.length, 2, 'the missed events did not reach the live handlers');
    assert.equal(historyRequests.length, 1);
    const asked = new URL(historyRequests[0], server.url);
    assert.equal(asked.searchParams.get('since'), `${epoch}:${base + 1}`);
    assert.deepEqual(live[1].data, { path: `/publish/${name}/` });
    assert.equal(resume.position(name), `${epoch}:${base + 4}`);
    assert.deepEqual(resets, []);
    resume.stop();
  });

  it('says when it cannot recover, and refuses channels the session may not read', async () => {
    const answer = await catchUp('private-lobby', { endpoint: HISTORY, since: 'deadbeef:1', fetch: browser.fetch });
    assert.equal(answer.recovered, false);
    assert.deepEqual(answer.events, []);
    assert.match(answer.position, /^[0-9a-f]+:[0-9]+$/);

    await assert.rejects(
      catchUp('private-todo-list-999999', { endpoint: HISTORY, since: 'deadbeef:1', fetch: browser.fetch }),
      (error) => error instanceof CatchUpError && error.status === 403 && /Not authorized/.test(error.message),
    );
    await assert.rejects(
      catchUp('news', { endpoint: HISTORY, since: 'not-a-position', fetch: browser.fetch }),
      (error) => error instanceof CatchUpError && error.status === 400,
    );
  });
});
