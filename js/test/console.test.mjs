import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Emitter } from '../src/emitter.js';
import {
  MAX_LOG_ROWS,
  channelMatcher,
  describeRecord,
  recordMatches,
  snapshotTables,
  startConsole,
} from '../src/console.js';
import { settle } from './fakes.mjs';

/** The few DOM nodes the console uses: children, text, attributes, listeners. */
class FakeElement {
  constructor(document, tag) {
    this.ownerDocument = document;
    this.tagName = tag;
    this.children = [];
    this.parent = null;
    this.hidden = false;
    this.dataset = {};
    this.value = '';
    this.listeners = {};
    this._text = '';
  }

  get textContent() {
    return this._text + this.children.map((child) => child.textContent).join('');
  }

  set textContent(text) {
    this._text = String(text);
    this.children = [];
  }

  get childElementCount() {
    return this.children.length;
  }

  get lastElementChild() {
    return this.children.at(-1) || null;
  }

  append(...nodes) {
    for (const node of nodes) node.parent = this;
    this.children.push(...nodes);
  }

  prepend(node) {
    node.parent = this;
    this.children.unshift(node);
  }

  replaceChildren(...nodes) {
    this.children = [];
    this.append(...nodes);
  }

  remove() {
    this.parent.children = this.parent.children.filter((child) => child !== this);
  }

  addEventListener(type, listener) {
    this.listeners[type] = listener;
  }

  /** The text of each row's cells (for a tbody). */
  rows() {
    return this.children.map((row) => row.children.map((cell) => cell.textContent));
  }
}

const IDS = [
  'console-filter', 'console-status', 'console-log', 'console-error', 'console-notes',
  'console-nodes', 'console-nodes-table', 'console-nodes-body', 'console-channels-body',
  'console-channels-empty', 'console-members', 'console-clear',
];

function page(config) {
  const document = { visibilityState: 'visible', elements: {} };
  document.createElement = (tag) => new FakeElement(document, tag);
  document.getElementById = (id) => document.elements[id] || null;
  for (const id of IDS) document.elements[id] = new FakeElement(document, 'div');
  const script = new FakeElement(document, 'script');
  script.textContent = JSON.stringify({
    snapshot: '/realtime/console/snapshot/', channel: 'private-realtime-console',
    kinds: ['publish', 'webhook'], live: true, refresh: 60000, ...config,
  });
  document.elements['realtime-console-config'] = script;
  return document;
}

const INSPECTION = {
  nodes: [{ id: 'abc', connections: 3, channels: 2, last_heartbeat: 1.2 }],
  channels: [
    { name: 'news', subscriptions: 2, users: null },
    { name: 'presence-room', subscriptions: 2, users: 1 },
  ],
  truncated: false,
  members: { 'presence-room': { 7: { name: 'Ada' } } },
  unknown: {},
  notes: [],
};

function snapshots(answers) {
  const asked = [];
  const fetch = async (url) => {
    asked.push(url);
    const [status, body] = answers.length > 1 ? answers.shift() : answers[0];
    return { ok: status === 200, status, json: async () => body };
  };
  return { fetch, asked };
}

class FakeRealtime extends Emitter {
  constructor() {
    super();
    this.channels = {};
  }

  static connect() {
    FakeRealtime.last = new FakeRealtime();
    return FakeRealtime.last;
  }

  subscribe(name) {
    this.channels[name] = new Emitter();
    return this.channels[name];
  }

  disconnect() {
    this.disconnected = true;
  }
}

const publish = (fields = {}) => ({
  kind: 'publish', time: Date.UTC(2025, 0, 1, 12, 30, 5, 250), event: 'created',
  channels: ['news'], channel_count: 1, socket_id: null, bytes: 8, data: '{"id":1}', truncated: false,
  ...fields,
});

describe('channelMatcher', () => {
  it('matches whole names, * standing for any characters', () => {
    const matches = channelMatcher('presence-*-room');
    assert.equal(matches('presence-a-room'), true);
    assert.equal(matches('presence--room'), true);
    assert.equal(matches('presence-a-room-2'), false);
    assert.equal(channelMatcher('news')('newsroom'), false);
    assert.equal(channelMatcher('a.b')('axb'), false, 'other characters stand for themselves');
  });

  it('matches everything when empty', () => {
    assert.equal(channelMatcher('')('anything'), true);
  });
});

describe('recordMatches', () => {
  it('shows a record when one of its channels matches, or when it has none', () => {
    const matches = channelMatcher('private-*');
    assert.equal(recordMatches(publish({ channels: ['news', 'private-a'] }), matches), true);
    assert.equal(recordMatches(publish(), matches), false);
    assert.equal(recordMatches({ kind: 'member_added', time: 0, channel: 'private-b' }, matches), true);
    assert.equal(recordMatches({ kind: 'webhook', time: 0, channels: [], status: 401 }, matches), true);
  });
});

describe('describeRecord', () => {
  it('describes a publish: time (UTC), channels, event, size and data', () => {
    assert.deepEqual(describeRecord(publish({ socket_id: '1.2' })), {
      time: '12:30:05.250',
      kind: 'publish',
      channels: 'news',
      details: 'created (8 bytes) · not to socket 1.2 · {"id":1}',
    });
  });

  it('marks cut data and channel lists, and hides encrypted data', () => {
    const cut = describeRecord(publish({ channels: ['a', 'b'], channel_count: 12, data: '"abc', truncated: true }));
    assert.equal(cut.channels, 'a, b and 10 more');
    assert.equal(cut.details, 'created (8 bytes) · "abc…');
    assert.equal(describeRecord(publish({ data: null, truncated: true })).details, 'created (8 bytes) · (too large to show)');
    assert.equal(
      describeRecord(publish({ data: null, encrypted: true })).details,
      'created (8 bytes) · end-to-end encrypted: not shown',
    );
  });

  it('describes lifecycle events and webhooks', () => {
    const at = { time: 0, channel: 'presence-room' };
    assert.equal(describeRecord({ kind: 'member_added', user_id: '7', ...at }).details, 'user 7');
    assert.equal(describeRecord({ kind: 'subscription_count', subscription_count: 3, ...at }).details, '3 subscriptions');
    assert.equal(describeRecord({ kind: 'channel_occupied', ...at }).details, '');
    assert.equal(
      describeRecord({ kind: 'client_event', event: 'client-typing', socket_id: '1.2', user_id: '7', data: '{}', ...at }).details,
      'client-typing from socket 1.2 · user 7 · {}',
    );
    const webhook = describeRecord({ kind: 'webhook', time: 0, status: 401, detail: 'bad signature', events: 0, channels: [], channel_count: 0 });
    assert.deepEqual([webhook.channels, webhook.details], ['', '0 event(s), answered 401 · bad signature']);
  });
});

describe('snapshotTables', () => {
  it('gives the rows of each table, filtered', () => {
    const tables = snapshotTables(INSPECTION, channelMatcher('presence-*'));
    assert.deepEqual(tables.nodes, [['abc', '3', '2', '1.2 s ago']]);
    assert.deepEqual(tables.channels, [['presence-room', '2', '1']]);
    assert.deepEqual(tables.members, [['presence-room', ['7: {"name":"Ada"}']]]);
    assert.deepEqual(tables.notes, []);
  });

  it('says what the backend cannot tell, in its words', () => {
    const tables = snapshotTables({
      ...INSPECTION,
      nodes: null,
      channels: [{ name: 'news', subscriptions: null, users: null }],
      members: { 'presence-room': { 7: null } },
      truncated: true,
      unknown: { nodes: 'Pusher does not say.', subscriptions: 'Counting is off.', member_info: 'Ids only.' },
      notes: ['A note.'],
    }, channelMatcher(''));
    assert.equal(tables.nodes, 'Pusher does not say.');
    assert.deepEqual(tables.channels, [['news', 'unknown', '']]);
    assert.deepEqual(tables.members, [['presence-room', ['7']]]);
    assert.deepEqual(tables.notes, [
      'A note.',
      'More channels are occupied than listed: narrow the filter to see them.',
      'Counting is off.',
      'Ids only.',
    ]);
  });

  it('says when presence channels are listed without their members', () => {
    const channels = [1, 2, 3].map((n) => ({ name: `presence-${n}`, subscriptions: 1, users: 1 }));
    const members = { 'presence-1': { 7: null }, 'presence-2': { 8: null } };
    const tables = snapshotTables({ ...INSPECTION, channels, members }, channelMatcher(''));
    assert.deepEqual(tables.notes, [
      "Members are listed for the first 2 presence channels: narrow the filter to see the others'.",
    ]);
  });

  it('shows a node that does not count its connections as unknown', () => {
    const node = { id: 'old', connections: null, channels: 0, last_heartbeat: null };
    const tables = snapshotTables({ ...INSPECTION, nodes: [node], unknown: { connections: 'An older version.' } }, channelMatcher(''));
    assert.deepEqual(tables.nodes, [['old', 'unknown (An older version.)', '0', 'this process']]);
  });
});

describe('startConsole', () => {
  it('draws the snapshot, and reads it again for the filter', async () => {
    const document = page({});
    const { fetch, asked } = snapshots([[200, { backend: 'memory', inspection: INSPECTION }]]);
    const stop = startConsole(document, { Realtime: FakeRealtime, fetch });
    await settle();
    assert.deepEqual(asked, ['/realtime/console/snapshot/?channel=']);
    assert.deepEqual(document.elements['console-nodes-body'].rows(), [['abc', '3', '2', '1.2 s ago']]);
    assert.equal(document.elements['console-nodes-table'].hidden, false);
    assert.deepEqual(document.elements['console-channels-body'].rows().map((row) => row[0]), ['news', 'presence-room']);
    assert.equal(document.elements['console-channels-empty'].hidden, true);
    assert.equal(document.elements['console-members'].textContent, 'presence-room (1)7: {"name":"Ada"}');

    const filter = document.elements['console-filter'];
    filter.value = 'new*';
    filter.listeners.input();
    await settle();
    assert.equal(asked.at(-1), '/realtime/console/snapshot/?channel=new*');
    assert.deepEqual(document.elements['console-channels-body'].rows().map((row) => row[0]), ['news']);
    assert.equal(document.elements['console-members'].textContent, 'No presence channel is occupied.');
    stop();
    assert.equal(FakeRealtime.last.disconnected, true);
  });

  it('shows what the snapshot answered when it failed', async () => {
    const document = page({});
    const { fetch } = snapshots([[503, { backend: 'tornado_redis', error: 'Redis is down' }]]);
    const stop = startConsole(document, { Realtime: FakeRealtime, fetch });
    await settle();
    assert.equal(document.elements['console-error'].textContent, 'Redis is down');
    stop();
  });

  it('adds each record of the live log, newest first, under the filter', async () => {
    const document = page({});
    const { fetch } = snapshots([[200, { backend: 'memory', inspection: INSPECTION }]]);
    const stop = startConsole(document, { Realtime: FakeRealtime, fetch });
    const channel = FakeRealtime.last.channels['private-realtime-console'];
    assert.ok(channel, 'subscribed to the console channel');
    const status = document.elements['console-status'];
    assert.equal(status.textContent, 'Live log: connecting…');
    channel._emit('pusher:subscription_succeeded', {});
    assert.match(status.textContent, /^Live log: on/);

    channel._emit('publish', publish({ event: 'first' }));
    channel._emit('webhook', { kind: 'webhook', time: 0, status: 200, detail: '', events: 1, channels: ['sports'], channel_count: 1 });
    channel._emit('publish', publish({ event: 'second', channels: ['<b>html</b>'] }));
    const log = document.elements['console-log'];
    assert.deepEqual(log.rows().map((row) => row[2]), ['<b>html</b>', 'sports', 'news'], 'as text, newest first');

    const filter = document.elements['console-filter'];
    filter.value = 'news';
    filter.listeners.input();
    assert.deepEqual(log.rows().map((row) => row[3].split(' ')[0]), ['first']);
    channel._emit('publish', publish({ event: 'elsewhere', channels: ['sports'] }));
    assert.equal(log.childElementCount, 1, 'a record the filter hides is kept, not shown');
    filter.value = '';
    filter.listeners.input();
    assert.equal(log.childElementCount, 4);

    document.elements['console-clear'].listeners.click();
    assert.equal(log.childElementCount, 0);
    stop();
  });

  it('keeps the newest records only', () => {
    const document = page({});
    const stop = startConsole(document, { Realtime: FakeRealtime, fetch: snapshots([[200, { inspection: INSPECTION }]]).fetch });
    const channel = FakeRealtime.last.channels['private-realtime-console'];
    for (let number = 0; number <= MAX_LOG_ROWS; number += 1) channel._emit('publish', publish({ event: `e${number}` }));
    const log = document.elements['console-log'];
    assert.equal(log.childElementCount, MAX_LOG_ROWS);
    assert.equal(log.rows()[0][3].split(' ')[0], `e${MAX_LOG_ROWS}`);
    stop();
  });

  it('says when the subscription is refused or the connection is lost', () => {
    const document = page({});
    const stop = startConsole(document, { Realtime: FakeRealtime, fetch: snapshots([[200, { inspection: INSPECTION }]]).fetch });
    const channel = FakeRealtime.last.channels['private-realtime-console'];
    channel._emit('pusher:subscription_error', { type: 'AuthError', error: 'Not authorized', status: 403 });
    assert.equal(document.elements['console-status'].textContent, 'Live log: the subscription was refused (Not authorized).');
    FakeRealtime.last._emit('state_change', { previous: 'connected', current: 'unavailable' });
    assert.equal(document.elements['console-status'].textContent, 'Live log: unavailable…');
    stop();
  });

  it('connects nothing while the live log is off', () => {
    FakeRealtime.last = null;
    const document = page({ live: false });
    const stop = startConsole(document, { Realtime: undefined, fetch: snapshots([[200, { inspection: INSPECTION }]]).fetch });
    assert.equal(FakeRealtime.last, null);
    stop();
  });
});
