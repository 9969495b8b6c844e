import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { clientOptions } from '../src/config.js';
import { Connection } from '../src/connection.js';
import { FakeSocket, RecordingEmitter, settle } from './fakes.mjs';

const CONFIG = { key: 'k', wsHost: 'ws.example' };

/** A connection whose hooks record what they are told, in order, in `told`. */
function open(options = {}) {
  const client = new RecordingEmitter();
  const told = [];
  const hooks = {
    established: () => told.push(['established', connection.socketId]),
    lost: () => told.push(['lost']),
    frame: (frame) => told.push(['frame', frame.event]),
    serverError: (error) => told.push(['serverError', error.code]),
  };
  const connection = new Connection(client, CONFIG, clientOptions(CONFIG, { WebSocket: FakeSocket, ...options }), hooks);
  connection.connect();
  return { connection, client, told };
}

beforeEach(() => {
  FakeSocket.opened = [];
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
});
afterEach(() => mock.timers.reset());

describe('Connection', () => {
  it('connects: the hooks hear of it before the state changes and ready() resolves', async () => {
    const { connection, client, told } = open();
    assert.equal(connection.state, 'connecting');
    assert.match(FakeSocket.last.url, /^ws:\/\/ws\.example:80\/app\/k\?protocol=7/);
    const ready = connection.ready();
    client.bind('connected', () => told.push(['connected state']));
    FakeSocket.last.establish('1.2', { extensions: ['recovery', 7] });
    assert.deepEqual(told, [['established', '1.2'], ['connected state']]);
    assert.equal(await ready, client);
    assert.equal(connection.socketId, '1.2');
    assert.deepEqual(connection.extensions, ['recovery']);
    assert.ok(connection.recovers);
    assert.deepEqual(client.named('connected'), [{ previous: 'connecting', current: 'connected', socketId: '1.2' }]);
  });

  it('hands on the frames that are not its own, answers pings and reports bad JSON', () => {
    const { client, told } = open();
    const socket = FakeSocket.last;
    socket.establish();
    socket.receive({ event: 'pusher:ping', data: '{}' });
    socket.receive({ event: 'created', channel: 'news', data: '{"id":1}' });
    socket.receive('not json');
    assert.deepEqual(socket.sent, [{ event: 'pusher:pong', data: {} }]);
    assert.deepEqual(told.at(-1), ['frame', 'created']);
    assert.deepEqual(client.named('message').at(-1), { event: 'created', channel: 'news', data: { id: 1 } });
    assert.equal(client.named('error')[0].type, 'MessageParseError');
  });

  it('sends only on an established connection', () => {
    const { connection } = open();
    assert.equal(connection.send({ event: 'x' }), false);
    FakeSocket.last.establish();
    assert.equal(connection.send({ event: 'x' }), true);
    assert.deepEqual(FakeSocket.last.sent, [{ event: 'x' }]);
  });

  it('stops for good after a 4001-4099 close, with the error and a rejected ready()', async () => {
    const { connection, client, told } = open();
    const ready = connection.ready();
    FakeSocket.last.drop(4001, 'unknown app key');
    await assert.rejects(ready, { name: 'ConnectionError', code: 4001 });
    assert.equal(connection.state, 'disconnected');
    assert.deepEqual(client.named('error'), [{ type: 'PusherError', data: { code: 4001, message: 'unknown app key' } }]);
    assert.deepEqual(told, [['lost']]);
    mock.timers.tick(60000);
    assert.equal(FakeSocket.opened.length, 1, 'no retry');
  });

  it("explains an abnormal close by the handshake's pusher:error", async () => {
    const { connection, client, told } = open();
    FakeSocket.last.receive({ event: 'pusher:error', data: { code: 4001, message: 'no such key' } });
    FakeSocket.last.drop(1006);
    assert.equal(connection.state, 'disconnected');
    assert.deepEqual(told, [['serverError', 4001], ['lost']]);
    assert.equal(client.named('error').length, 1, 'the pusher:error only, not a second one');
  });

  it('reconnects at once after a 4200-4299 close, and the hooks hear of the loss', () => {
    const { connection, told } = open();
    FakeSocket.last.establish('1.1');
    FakeSocket.last.drop(4200);
    assert.equal(connection.state, 'connecting');
    assert.equal(connection.socketId, null);
    mock.timers.tick(0);
    assert.equal(FakeSocket.opened.length, 2);
    FakeSocket.last.establish('2.2');
    assert.deepEqual(told, [['established', '1.1'], ['lost'], ['established', '2.2']]);
  });

  it('retries once with TLS after a 4000 close', () => {
    open();
    FakeSocket.last.drop(4000);
    mock.timers.tick(0);
    assert.match(FakeSocket.last.url, /^wss:\/\/ws\.example:443\//);
  });

  it('backs off after a dropped network, and says "unavailable" after unavailableTimeout', () => {
    const { connection } = open({ unavailableTimeout: 5000 });
    FakeSocket.last.drop(1006);
    mock.timers.tick(499);
    assert.equal(FakeSocket.opened.length, 1, 'the first delay is at least half of a second');
    mock.timers.tick(501);
    assert.equal(FakeSocket.opened.length, 2);
    mock.timers.tick(4000);
    assert.equal(connection.state, 'unavailable');
  });

  it('pings after a silence and reconnects when no pong comes', () => {
    const { connection } = open({ activityTimeout: 1000, pongTimeout: 500 });
    const socket = FakeSocket.last;
    socket.establish();
    mock.timers.tick(1000);
    assert.deepEqual(socket.sent, [{ event: 'pusher:ping', data: {} }]);
    mock.timers.tick(500);
    assert.equal(socket.closedWith, 1000);
    assert.equal(connection.state, 'connecting');
    mock.timers.tick(0);
    assert.equal(FakeSocket.opened.length, 2);
  });

  it('disconnect() closes the socket, tells the hooks and rejects ready()', async () => {
    const { connection, told } = open();
    const ready = connection.ready();
    const socket = FakeSocket.last;
    connection.disconnect();
    await assert.rejects(ready, { name: 'ConnectionError', message: 'Realtime.disconnect() was called' });
    await assert.rejects(connection.ready(), { message: 'Realtime is disconnected' });
    assert.equal(socket.closedWith, 1000);
    assert.equal(connection.state, 'disconnected');
    assert.deepEqual(told, [['lost']]);
    await settle();
  });

  it('gives up on a URL the runtime refuses', async () => {
    class Refusing {
      constructor() {
        throw new SyntaxError('bad url');
      }
    }
    const { connection, client } = open({ WebSocket: Refusing });
    assert.equal(connection.state, 'disconnected');
    assert.equal(client.named('error')[0].type, 'WebSocketError');
  });
});

describe('Connection.reopen', () => {
  it('connects again at once where the changed config says, losing what was on the old socket', () => {
    const config = { key: 'k', wsHost: 'old.example' };
    const client = new RecordingEmitter();
    const told = [];
    const hooks = { established: () => told.push('established'), lost: () => told.push('lost'), frame: () => {}, serverError: () => {} };
    const connection = new Connection(client, config, clientOptions(config, { WebSocket: FakeSocket }), hooks);
    connection.connect();
    const old = FakeSocket.last;
    old.establish('1.1');
    config.wsHost = 'new.example';
    connection.reopen();
    assert.equal(old.closedWith, 1000);
    assert.equal(old.onclose, null, 'the old socket says nothing more');
    assert.deepEqual(told, ['established', 'lost']);
    assert.equal(connection.state, 'connecting');
    assert.match(FakeSocket.last.url, /^ws:\/\/new\.example:80\//);
    FakeSocket.last.establish('2.2');
    assert.deepEqual(told, ['established', 'lost', 'established']);
    assert.deepEqual(client.named('state_change').map(({ current }) => current), ['connecting', 'connected', 'connecting', 'connected']);
  });

  it('only changes the URL when no connection is wanted', () => {
    const config = { key: 'k', wsHost: 'old.example' };
    const connection = new Connection(new RecordingEmitter(), config, clientOptions(config, { WebSocket: FakeSocket }), { established() {}, lost() {}, frame() {}, serverError() {} });
    config.wsHost = 'new.example';
    connection.reopen();
    assert.equal(FakeSocket.opened.length, 0);
    assert.match(connection.url, /new\.example/);
  });
});
