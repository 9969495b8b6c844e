// The routers from the browser: getList/getSingle/create/update/delete, subscribe(route,
// params), excludeSelf and live(), against the real Django views and the real socket
// server (tests/js/django_site served by `manage.py realtime_server` on the memory
// backend). Nothing is mocked; each browser signs in through a test-only view and
// sends its own cookies.
//
// The test app's rules (tests/testapp/routers.py): a todo list belongs to the user it
// is named after; its items are read and written by that user only; lists are written
// with the Django permission testapp.change_todolist. Item pages hold 2 by default, 3
// at most.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Channel, Realtime, RouterError } from '../../realtime_core/static/realtime_core/realtime.js';
import { Clients, DjangoServer, freePort, record, sleep, waitFor } from './helpers.mjs';

const ITEMS = '/realtime/routes/todo-item/';
const CHANGES = ['created', 'updated', 'deleted'];

let server;
let ann; // a browser of ann, who may also create lists
let annAgain; // a second browser (tab) of ann
let bob;
const clients = new Clients();

before(async () => {
  server = await DjangoServer.start();
  [ann, annAgain, bob] = await Promise.all([
    server.login('ann', ['testapp.change_todolist']),
    server.login('ann'),
    server.login('bob'),
  ]);
});

after(async () => {
  clients.closeAll();
  await server?.stop();
});

/** A connected client of `browser`. */
function connect(browser, options = {}) {
  return clients.connected(browser.realtimeConfig(), browser.options(options));
}

/** A new list named after ann, so hers. */
async function annsList(client) {
  return (await client.create('todo-list', { name: 'ann' })).id;
}

/** The promise's RouterError (failing if it resolves or rejects with something else). */
async function failure(promise) {
  const error = await promise.then(
    (value) => assert.fail(`expected a RouterError, got ${JSON.stringify(value)}`),
    (reason) => reason,
  );
  assert.ok(error instanceof RouterError, `expected a RouterError, got ${error && error.stack}`);
  return error;
}

/** Items by id, for comparing lists whatever their order. */
function byId(items) {
  return [...items].sort((a, b) => a.id - b.id);
}

/** Every object of a list, through the API. */
async function stored(client, listId) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const answer = await client.getList('todo-item', { todo_list: listId, page, page_size: 3 });
    items.push(...answer.results);
    if (!answer.has_next) return byId(items);
  }
}

/** The change events `client`'s socket received on `channel`, in order. */
function framesOn(client, channel) {
  return client.frames.filter((frame) => frame.channel === channel && CHANGES.includes(frame.event));
}

describe('router verbs', () => {
  it('takes the config {% realtime_client %} renders, routers included, without a warning', async () => {
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.join(' '));
    try {
      await connect(ann);
    } finally {
      console.warn = warn;
    }
    assert.deepEqual(ann.config.routers, { objects: '/realtime/routes/', subscriptions: '/realtime/subscriptions/' });
    assert.deepEqual(warnings, []);
  });

  it('getList, getSingle, create, update and delete answer the objects', async () => {
    const client = await connect(ann);
    const list = await annsList(client);

    const created = [];
    for (const [text, order] of [['Milk', 2], ['Eggs', 1], ['Tea', 3]]) {
      created.push(await client.create('todo-item', { todo_list: list, text, order }));
    }
    assert.deepEqual(created[0], { id: created[0].id, todo_list: list, text: 'Milk', done: false, order: 2, tags: [] });

    const first = await client.getList('todo-item', { todo_list: list, ordering: '-order', page_size: 2 });
    assert.deepEqual(first, { results: [created[2], created[0]], count: 3, page: 1, page_size: 2, has_next: true });
    const second = await client.getList('todo-item', { todo_list: list, ordering: '-order', page: 2, page_size: 2 });
    assert.deepEqual(second, { results: [created[1]], count: 3, page: 2, page_size: 2, has_next: false });
    const undone = await client.getList('todo-item', { todo_list: list, done: false, ordering: 'text', page_size: 3 });
    assert.deepEqual(undone.results.map((item) => item.text), ['Eggs', 'Milk', 'Tea']);

    assert.deepEqual(await client.getSingle('todo-item', created[1].id), created[1]);
    assert.deepEqual(await client.getSingle('todo-item', String(created[1].id)), created[1]);

    const updated = await client.update('todo-item', created[0].id, { done: true });
    assert.deepEqual(updated, { ...created[0], done: true }, 'a partial update answers the whole object');
    assert.deepEqual(await client.getSingle('todo-item', created[0].id), updated);

    assert.deepEqual(await client.delete('todo-item', created[0].id), { id: created[0].id });
    assert.equal((await failure(client.getSingle('todo-item', created[0].id))).status, 404);
    assert.equal((await client.getList('todo-item', { todo_list: list })).count, 2);
  });

  it('failures reject with a RouterError: 400 with the errors by field, 403, 404', async () => {
    assert.equal(Realtime.RouterError, RouterError);
    const client = await connect(ann);
    const intruder = await connect(bob);
    const list = await annsList(client);
    const milk = await client.create('todo-item', { todo_list: list, text: 'Milk' });

    const invalid = await failure(client.create('todo-item', { todo_list: list, done: 'maybe' }));
    assert.equal(invalid.status, 400);
    assert.equal(invalid.message, 'Invalid data.');
    assert.equal(invalid.name, 'RouterError');
    assert.deepEqual(Object.keys(invalid.errors).sort(), ['done', 'text']);
    assert.deepEqual(invalid.errors.text, ['This field is required.']);

    const badUpdate = await failure(client.update('todo-item', milk.id, { text: '' }));
    assert.equal(badUpdate.status, 400);
    assert.ok(badUpdate.errors.text.length, JSON.stringify(badUpdate.errors));

    const badFilter = await failure(client.getList('todo-item', { todo_list: list, colour: 'red' }));
    assert.equal(badFilter.status, 400);
    assert.deepEqual(Object.keys(badFilter.errors), ['colour']);

    // bob may neither read nor write ann's items.
    for (const refused of [
      () => intruder.create('todo-item', { todo_list: list, text: 'Beer' }),
      () => intruder.update('todo-item', milk.id, { done: true }),
      () => intruder.delete('todo-item', milk.id),
      () => intruder.getSingle('todo-item', milk.id),
      () => intruder.getList('todo-item', { todo_list: list }),
      () => intruder.subscribe('todo-item', { todo_list: list }),
    ]) {
      const error = await failure(refused());
      assert.equal(error.status, 403);
      assert.equal(error.message, "Not allowed on route 'todo-item'.");
      assert.deepEqual(error.errors, {});
    }
    assert.deepEqual(await client.getSingle('todo-item', milk.id), milk, 'nothing changed');

    for (const missing of [
      () => client.getSingle('todo-item', 999999),
      () => client.update('todo-item', 999999, { done: true }),
      () => client.delete('todo-item', 999999),
      () => client.getList('no-such-route'),
      () => client.subscribe('no-such-route', {}),
    ]) {
      assert.equal((await failure(missing())).status, 404);
    }

    const noChannel = await failure(client.subscribe('todo-item', { done: true }));
    assert.equal(noChannel.status, 400);
    assert.match(noChannel.message, /no channel for the filters \[done\]/);

    // No answer at all: status 0.
    const port = await freePort();
    const routers = { objects: `http://127.0.0.1:${port}/routes/`, subscriptions: `http://127.0.0.1:${port}/subscriptions/` };
    const unreachable = await clients.connected(ann.realtimeConfig({ routers }), ann.options());
    const gone = await failure(unreachable.getList('todo-item'));
    assert.equal(gone.status, 0);
    assert.match(gone.message, /Could not reach/);

    // Mistakes in the call itself reject with a TypeError, before any request.
    await assert.rejects(client.getSingle('todo-item', null), TypeError);
    await assert.rejects(client.create('todo-item', {}, { excludeMe: true }), /unknown options excludeMe/);
    await assert.rejects(client.getList('todo-item', { todo_list: [1, 2] }), TypeError);
  });

  it('sends X-Socket-ID, the CSRF header and JSON; without the CSRF token writes are refused', async () => {
    const client = await connect(annAgain);
    const list = await annsList(await connect(ann));
    annAgain.requests.length = 0;

    const milk = await client.create('todo-item', { todo_list: list, text: 'Milk' });
    await client.update('todo-item', milk.id, { done: true }, { excludeSelf: true });
    await client.getList('todo-item', { todo_list: list, ordering: 'order' });
    await client.delete('todo-item', milk.id);

    const [create, update, read, remove] = annAgain.requests;
    assert.deepEqual(
      annAgain.requests.map((request) => `${request.method} ${request.url}`),
      [
        `POST ${ITEMS}`,
        `PATCH ${ITEMS}${milk.id}/`,
        `GET ${ITEMS}?todo_list=${list}&ordering=order`,
        `DELETE ${ITEMS}${milk.id}/`,
      ],
    );
    for (const request of annAgain.requests) {
      assert.equal(request.headers['x-socket-id'], client.socketId);
      assert.equal(request.headers['x-csrftoken'], annAgain.csrfToken);
      assert.equal(request.headers.accept, 'application/json');
    }
    assert.equal(create.headers['content-type'], 'application/json');
    assert.equal(update.headers['content-type'], 'application/json');
    assert.equal(read.headers['content-type'], undefined);
    assert.equal(remove.headers['content-type'], undefined);
    assert.equal(update.headers['x-realtime-exclude-self'], '1');
    assert.equal(create.headers['x-realtime-exclude-self'], undefined);

    // The same browser, with a page config that lacks the token: Django's CSRF check refuses.
    const tokenless = await clients.connected(
      annAgain.realtimeConfig({ channelAuthorization: { endpoint: annAgain.config.channelAuthorization.endpoint } }),
      annAgain.options(),
    );
    const refused = await failure(tokenless.create('todo-item', { todo_list: list, text: 'Tea' }));
    assert.equal(refused.status, 403);
    assert.equal(refused.message, 'POST /realtime/routes/todo-item/ answered 403 (not JSON)', "Django's CSRF page is not quoted");
  });
});

describe('subscribe(route, params)', () => {
  it("resolves once subscribed to the filters' channel, which hears another client's writes", async () => {
    const reader = await connect(ann);
    const writer = await connect(annAgain);
    const list = await annsList(reader);

    const channel = await reader.subscribe('todo-item', { todo_list: list, ordering: 'order', page: 2 });
    assert.ok(channel instanceof Channel);
    assert.equal(channel.name, `private-todo-item;todo_list=${list}`);
    assert.equal(channel.subscribed, true);
    assert.equal(await reader.subscribe('todo-item', { todo_list: list }), channel, 'the same filters, the same channel');
    const seen = record(channel, CHANGES);

    const milk = await writer.create('todo-item', { todo_list: list, text: 'Milk' });
    const done = await writer.update('todo-item', milk.id, { done: true });
    await writer.delete('todo-item', milk.id);

    await waitFor(() => seen.length === 3, 'created, updated and deleted');
    assert.deepEqual(seen.map(({ event, data }) => [event, data]), [
      ['created', milk],
      ['updated', done],
      ['deleted', { id: milk.id }],
    ]);

    const unfiltered = await reader.subscribe('todo-list', {});
    assert.equal(unfiltered.name, 'private-todo-list');
    const sync = reader.subscribe('news');
    assert.ok(sync instanceof Channel && !(sync instanceof Promise), 'subscribe(name) stays synchronous');
    assert.equal(sync.name, 'news');
  });

  it('unsubscribe(route, params) leaves that channel only', async () => {
    const reader = await connect(ann);
    const writer = await connect(annAgain);
    const list = await annsList(reader);
    const all = await reader.subscribe('todo-item', { todo_list: list });
    const open = await reader.subscribe('todo-item', { todo_list: list, done: false });
    assert.equal(open.name, `private-todo-item;done=false;todo_list=${list}`);
    const seenOpen = record(open, CHANGES);

    reader.unsubscribe('todo-item', { todo_list: list, ordering: 'text' });
    assert.equal(reader.channel(all.name), undefined);
    assert.equal(all.subscribed, false);

    await writer.create('todo-item', { todo_list: list, text: 'Milk' });
    await writer.create('todo-item', { todo_list: list, text: 'Eggs' });
    // Sent in order on one socket: after the second event, the first would have come.
    await waitFor(() => seenOpen.length === 2, 'both events on the channel still subscribed');
    assert.deepEqual(framesOn(reader, all.name), [], 'the server sent nothing on the channel left');

    // Unsubscribing while the channel name is still being asked for.
    const pending = reader.subscribe('todo-item', { todo_list: list });
    reader.unsubscribe('todo-item', { todo_list: list });
    await assert.rejects(pending, /unsubscribe\('todo-item', \.\.\.\) came before/);
    assert.equal(reader.channel(all.name), undefined);
    reader.unsubscribe('todo-item', { todo_list: 12345 }); // never subscribed: nothing to do
  });

  it('excludeSelf keeps the change from the writer while the others get it', async () => {
    const writer = await connect(ann);
    const other = await connect(annAgain);
    const list = await annsList(writer);
    const [mine, theirs] = await Promise.all(
      [writer, other].map((client) => client.subscribe('todo-item', { todo_list: list })),
    );
    const seenByWriter = record(mine, CHANGES);
    const seenByOther = record(theirs, CHANGES);

    const milk = await writer.create('todo-item', { todo_list: list, text: 'Milk' }, { excludeSelf: true });
    await writer.update('todo-item', milk.id, { text: 'Oat milk' }, { excludeSelf: true });
    await writer.delete('todo-item', milk.id, { excludeSelf: true });
    const marker = await writer.create('todo-item', { todo_list: list, text: 'Marker' });

    await waitFor(() => seenByOther.length === 4, "the other client's four events");
    // One socket delivers in order: the marker arriving means nothing before it is coming.
    await waitFor(() => seenByWriter.length === 1, "the writer's own marker");
    assert.deepEqual(seenByOther.map(({ event, data }) => [event, data.text]), [
      ['created', 'Milk'],
      ['updated', 'Oat milk'],
      ['deleted', undefined],
      ['created', 'Marker'],
    ]);
    assert.deepEqual(seenByWriter.map(({ event, data }) => [event, data]), [['created', marker]]);
    assert.deepEqual(framesOn(writer, mine.name).map((frame) => frame.data.text), ['Marker']);
  });
});

describe('live()', () => {
  it("keeps two clients' lists in sync through add, edit, delete and a move to another list", async () => {
    const first = await connect(ann);
    const second = await connect(annAgain);
    const groceries = await annsList(first);
    const chores = await annsList(first);
    for (let order = 1; order <= 5; order += 1) {
      await first.create('todo-item', { todo_list: groceries, text: `Item ${order}`, order });
    }

    const a = await first.live('todo-item', { todo_list: groceries, ordering: '-order', page: 9 });
    const b = await second.live('todo-item', { todo_list: groceries });
    const c = await second.live('todo-item', { todo_list: chores });
    assert.deepEqual(a.items.map((item) => item.order), [5, 4, 3, 2, 1], 'every page (of 2), in order');
    assert.deepEqual(byId(b.items), byId(a.items));
    assert.deepEqual(c.items, []);
    assert.equal(a.mapper.items, a.items);
    assert.equal(a.channel.name, `private-todo-item;todo_list=${groceries}`);
    const itemsArray = a.items;

    const inSync = async (what) => {
      const expected = await stored(first, groceries);
      await waitFor(
        () => JSON.stringify(byId(a.items)) === JSON.stringify(expected) && JSON.stringify(byId(b.items)) === JSON.stringify(expected),
        what,
      );
    };

    const tea = await first.create('todo-item', { todo_list: groceries, text: 'Tea', order: 6 });
    await inSync('the added item');
    await second.update('todo-item', tea.id, { text: 'Green tea', done: true });
    await inSync('the edit');
    await first.delete('todo-item', a.items.find((item) => item.order === 1).id);
    await inSync('the deletion');

    await second.update('todo-item', tea.id, { todo_list: chores });
    await inSync('the item moved away');
    await waitFor(() => c.items.length === 1, 'the item arriving in the other list');
    assert.deepEqual(c.items, [{ ...tea, text: 'Green tea', done: true, todo_list: chores }]);
    assert.ok(!a.items.some((item) => item.id === tea.id) && !b.items.some((item) => item.id === tea.id));
    assert.equal(a.items, itemsArray, 'the same array throughout');

    b.close();
    assert.equal(second.channel(b.channel.name), undefined);
    const frozen = JSON.stringify(b.items);
    await first.create('todo-item', { todo_list: groceries, text: 'After close', order: 7 });
    await waitFor(() => a.items.some((item) => item.text === 'After close'), 'a still following');
    assert.equal(JSON.stringify(b.items), frozen, 'a closed list changes no more');
  });

  it('subscribes before loading: the events sent during the load are applied to it', async () => {
    const client = await connect(ann);
    const writer = await connect(annAgain);
    const list = await annsList(writer);
    const kept = await writer.create('todo-item', { todo_list: list, text: 'Kept', order: 1 });
    const gone = await writer.create('todo-item', { todo_list: list, text: 'Gone', order: 2 });
    const channel = `private-todo-item;todo_list=${list}`;

    let added;
    let held = false;
    ann.hold = async (request) => {
      if (held || request.method !== 'GET' || !request.url.startsWith(ITEMS)) return;
      held = true;
      // The list was read (the answer is in hand, without what follows); now change it
      // and let the events reach this client's socket before the answer is handed over.
      added = await writer.create('todo-item', { todo_list: list, text: 'Added', order: 3 });
      await writer.update('todo-item', kept.id, { done: true });
      await writer.delete('todo-item', gone.id);
      await waitFor(() => framesOn(client, channel).length === 3, 'the three events, on a socket subscribed before the load');
    };
    try {
      // One page (page_size 3): loaded once, so only the events can bring the changes.
      const live = await client.live('todo-item', { todo_list: list, ordering: 'order', page_size: 3 });
      assert.ok(held, 'the load was held');
      assert.deepEqual(byId(live.items), [{ ...kept, done: true }, added]);
      assert.deepEqual(byId(live.items), await stored(client, list));
    } finally {
      ann.hold = null;
    }
  });

  it('loads a multi-page list again when it changed between pages', async () => {
    const client = await connect(ann);
    const writer = await connect(annAgain);
    const list = await annsList(writer);
    const items = [];
    for (let order = 1; order <= 4; order += 1) {
      items.push(await writer.create('todo-item', { todo_list: list, text: `Item ${order}`, order }));
    }

    let held = false;
    ann.hold = async (request) => {
      if (held || request.method !== 'GET' || !request.url.startsWith(`${ITEMS}?todo_list=${list}`)) return;
      held = true;
      // After page 1 (items 1 and 2): deleting item 1 makes page 2 start at item 4, so
      // item 3, which no event mentions, would be skipped.
      await writer.delete('todo-item', items[0].id);
      await waitFor(() => client.frames.some((frame) => frame.event === 'deleted' && frame.data.id === items[0].id), 'the deletion');
    };
    try {
      const live = await client.live('todo-item', { todo_list: list, ordering: 'order' });
      assert.ok(held);
      assert.deepEqual(live.items.map((item) => item.text), ['Item 2', 'Item 3', 'Item 4']);
    } finally {
      ann.hold = null;
    }
  });

  it('catches up after a reconnect through the replayed events, without reloading', async () => {
    // Sockets of this client connect to a dead port while `down` is set.
    const deadPort = await freePort();
    const sockets = [];
    let down = false;
    class Network extends WebSocket {
      constructor(url) {
        super(down ? url.replace(/:\d+\//, `:${deadPort}/`) : url);
        sockets.push(this);
      }
    }
    // WebSockets only: the HTTP fallbacks would reach the server while the sockets cannot.
    const client = await clients.connected(
      { ...ann.realtimeConfig(), enabledTransports: ['ws'] },
      ann.options({ WebSocket: Network, maxReconnectDelay: 200 }),
    );
    const writer = await connect(annAgain);
    const list = await annsList(writer);
    const milk = await writer.create('todo-item', { todo_list: list, text: 'Milk', order: 1 });
    const eggs = await writer.create('todo-item', { todo_list: list, text: 'Eggs', order: 2 });
    const live = await client.live('todo-item', { todo_list: list });
    const changes = [];
    live.mapper.onChange(({ action }) => changes.push(action));

    down = true;
    sockets.at(-1).close();
    await waitFor(() => client.state === 'connecting', 'the dropped connection');
    const tea = await writer.create('todo-item', { todo_list: list, text: 'Tea', order: 3 });
    await writer.update('todo-item', milk.id, { done: true });
    await writer.delete('todo-item', eggs.id);
    await sleep(300); // a failed attempt or two
    assert.deepEqual(byId(live.items), [milk, eggs], 'nothing arrived while disconnected');
    down = false;

    await waitFor(() => client.state === 'connected' && live.channel.subscribed, 'the reconnection', 5000);
    const recovered = { ...milk, done: true };
    await waitFor(
      () => JSON.stringify(byId(live.items)) === JSON.stringify([recovered, tea]),
      'the missed created/updated/deleted applied',
    );
    assert.ok(!changes.includes('reset'), 'a complete recovery needs no reload');

    await writer.update('todo-item', tea.id, { text: 'Green tea' });
    await waitFor(() => live.items.some((item) => item.text === 'Green tea'), 'events again after the reload');
    live.close();
  });
});
