// The two ways to load realtime.js: ES module named imports (through Node's CommonJS
// interop) and a classic <script>, which defines the global `Realtime` and nothing else.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import vm from 'node:vm';

import * as namespace from '../../realtime_core/static/realtime_core/realtime.js';
import { DataMapper, Realtime } from '../../realtime_core/static/realtime_core/realtime.js';

const FILE = new URL('../../realtime_core/static/realtime_core/realtime.js', import.meta.url);
const EXPORTS = ['AuthError', 'Channel', 'ConnectionError', 'DataMapper', 'LiveList', 'Members', 'PresenceChannel', 'Realtime', 'RouterError', 'User', 'VERSION'];

describe('loading realtime.js', () => {
  it('gives named ES module exports', () => {
    assert.equal(typeof Realtime, 'function');
    assert.equal(typeof DataMapper, 'function');
    assert.deepEqual(Object.keys(namespace).filter((name) => name !== 'default').sort(), EXPORTS);
    assert.equal(namespace.default.Realtime, Realtime);
  });

  it('is require()-able from CommonJS', () => {
    const required = createRequire(import.meta.url)(FILE.pathname);
    assert.equal(required.Realtime, Realtime);
    assert.equal(required.DataMapper, DataMapper);
  });

  it('as a classic script defines only the global Realtime, carrying the other classes', () => {
    const page = { console, setTimeout, clearTimeout };
    vm.createContext(page);
    const before = new Set(Object.getOwnPropertyNames(page));

    vm.runInContext(readFileSync(FILE, 'utf8'), page, { filename: 'realtime.js' });

    const added = Object.getOwnPropertyNames(page).filter((name) => !before.has(name));
    assert.deepEqual(added, ['Realtime']);
    assert.equal(typeof page.Realtime, 'function');
    for (const name of EXPORTS.filter((n) => n !== 'Realtime')) {
      assert.ok(page.Realtime[name] !== undefined, `Realtime.${name}`);
    }
    const mapper = new page.Realtime.DataMapper([]);
    mapper.apply('created', { id: 1 });
    assert.equal(mapper.items.length, 1);
    assert.equal(page.Realtime.VERSION, Realtime.VERSION);
  });

  it("reports the package's version (sent to the server in the socket URL)", () => {
    const pyproject = readFileSync(new URL('../../pyproject.toml', import.meta.url), 'utf8');
    assert.equal(Realtime.VERSION, pyproject.match(/^version = "(.+)"$/m)[1]);
  });
});
