import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';

import { clientOptions, pageConfig, pageLocation, socketUrl } from '../src/config.js';
import { VERSION } from '../src/protocol.js';

const QUERY = `?protocol=7&client=realtime-js&version=${VERSION}`;

afterEach(() => {
  delete globalThis.location;
  delete globalThis.document;
});

describe('clientOptions', () => {
  it('needs a config with the app key', () => {
    assert.throws(() => clientOptions(null), /needs a config object/);
    assert.throws(() => clientOptions({}), /config.key must be the app key/);
  });

  it('fills in the defaults and keeps what is given', () => {
    const options = clientOptions({ key: 'k' }, { pongTimeout: 5 });
    assert.equal(options.pongTimeout, 5);
    assert.equal(options.activityTimeout, 120000);
    assert.equal(options.WebSocket, null);
  });

  it('refuses unknown options and warns about unknown config keys', () => {
    assert.throws(() => clientOptions({ key: 'k' }, { pingTimeout: 1 }), /unknown options pingTimeout; known: WebSocket, fetch/);
    const warn = mock.method(console, 'warn', () => {});
    try {
      clientOptions({ key: 'k', newKey: 1 });
      assert.deepEqual(warn.mock.calls.map((call) => call.arguments[0]), ['Realtime: ignoring unknown config keys: newKey']);
    } finally {
      warn.mock.restore();
    }
  });
});

describe('socketUrl', () => {
  it('goes to wsHost on wsPort, or wssPort with TLS, under wsPath', () => {
    assert.equal(socketUrl({ key: 'k', wsHost: 'ws.example', wsPort: 8080 }, null, false), `ws://ws.example:8080/app/k${QUERY}`);
    assert.equal(socketUrl({ key: 'k', wsHost: 'ws.example', forceTLS: true, wsPath: '/rt/' }, null, false), `wss://ws.example:443/rt/app/k${QUERY}`);
    assert.equal(socketUrl({ key: 'k', wsHost: 'ws.example' }, null, true), `wss://ws.example:443/app/k${QUERY}`);
  });

  it('brackets IPv6 hosts and escapes the key', () => {
    assert.equal(socketUrl({ key: 'a b', wsHost: '::1' }, null, false), `ws://[::1]:80/app/a%20b${QUERY}`);
  });

  it("goes to Pusher's cluster with TLS unless it is turned off", () => {
    assert.equal(socketUrl({ key: 'k', cluster: 'eu' }, null, false), `wss://ws-eu.pusher.com:443/app/k${QUERY}`);
    assert.equal(socketUrl({ key: 'k', cluster: 'eu', forceTLS: false }, null, false), `ws://ws-eu.pusher.com:80/app/k${QUERY}`);
  });

  it("goes to the page's own host for the embedded server", () => {
    const page = { protocol: 'https:', host: 'site.example:8443' };
    assert.equal(socketUrl({ key: 'k' }, page, false), `wss://site.example:8443/app/k${QUERY}`);
    assert.throws(() => socketUrl({ key: 'k' }, null, false), /neither wsHost nor cluster/);
  });
});

describe('the page', () => {
  it('has a location only with a host', () => {
    assert.equal(pageLocation(), null);
    globalThis.location = { protocol: 'http:', host: '' };
    assert.equal(pageLocation(), null);
    globalThis.location = { protocol: 'http:', host: 'site' };
    assert.equal(pageLocation(), globalThis.location);
  });

  it('holds the config the template tag rendered', () => {
    assert.throws(() => pageConfig(), /no <script id="realtime-config">/);
    globalThis.document = { getElementById: (id) => (id === 'realtime-config' ? { textContent: '{"key":"k"}' } : null) };
    assert.deepEqual(pageConfig(), { key: 'k' });
  });
});
