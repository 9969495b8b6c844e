import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { HttpClient, isSameOrigin } from '../src/http.js';

afterEach(() => {
  delete globalThis.location;
});

const PAGE = { protocol: 'https:', host: 'site.example', origin: 'https://site.example', href: 'https://site.example/list/' };
const CONFIG = { key: 'k', channelAuthorization: { endpoint: '/auth/', headers: { 'X-CSRFToken': 'token' } } };

/** An HttpClient whose fetch records [url, init]. */
function client(socketId = '1.2') {
  const requests = [];
  const http = new HttpClient(CONFIG, async (url, init) => { requests.push([url, init]); return new Response('{}'); }, () => socketId);
  return { http, requests };
}

describe('isSameOrigin', () => {
  it("compares with the page's origin (and is true outside a page)", () => {
    assert.equal(isSameOrigin('https://elsewhere.example/'), true);
    globalThis.location = PAGE;
    assert.equal(isSameOrigin('/items/'), true);
    assert.equal(isSameOrigin('https://site.example/items/'), true);
    assert.equal(isSameOrigin('https://elsewhere.example/'), false);
    assert.equal(isSameOrigin('http://[bad'), false);
  });
});

describe('HttpClient', () => {
  it('adds the CSRF header and X-Socket-ID on the same origin, and sends cookies', async () => {
    globalThis.location = PAGE;
    const { http, requests } = client();
    await http.fetch('/items/', { method: 'POST', headers: { 'X-CSRFToken': 'mine' } });
    const [url, init] = requests[0];
    assert.equal(url, '/items/');
    assert.equal(init.method, 'POST');
    assert.equal(init.credentials, 'same-origin');
    assert.equal(init.headers.get('X-CSRFToken'), 'mine', "the caller's header wins");
    assert.equal(init.headers.get('X-Socket-ID'), '1.2');
  });

  it('adds neither header elsewhere, nor the socket id when not connected', async () => {
    globalThis.location = PAGE;
    const { http, requests } = client();
    await http.fetch('https://elsewhere.example/');
    assert.equal(requests[0][1].headers.get('X-CSRFToken'), null);
    const offline = client(null);
    await offline.http.fetch('/items/');
    assert.equal(offline.requests[0][1].headers.get('X-Socket-ID'), null);
    assert.equal(offline.requests[0][1].headers.get('X-CSRFToken'), 'token');
  });

  it("reads a Request's URL and headers", async () => {
    globalThis.location = PAGE;
    const { http, requests } = client();
    const request = new Request('https://site.example/items/', { headers: { Accept: 'text/plain' } });
    await http.fetch(request);
    assert.equal(requests[0][0], request);
    assert.equal(requests[0][1].headers.get('Accept'), 'text/plain');
    assert.equal(requests[0][1].headers.get('X-Socket-ID'), '1.2');
  });

  it('falls back to the global fetch, and says so when there is none', async () => {
    const saved = globalThis.fetch;
    try {
      globalThis.fetch = async () => new Response('global');
      assert.equal(await (await new HttpClient(CONFIG, null, () => null).raw('/x', {})).text(), 'global');
      delete globalThis.fetch;
      assert.throws(() => new HttpClient(CONFIG, null, () => null).raw('/x', {}), /no fetch here; pass options.fetch/);
    } finally {
      globalThis.fetch = saved;
    }
  });
});
