// A scripted Pusher socket server for the realtime.js tests: a minimal WebSocket
// server (RFC 6455 text frames, no extensions; tests/js has no `ws` package) on a free
// port that sends `pusher:connection_established` and then only what a test tells it
// to, recording every frame the client sends. The test plays the server's part frame
// by frame, so what the client does with each one is deterministic.
//
//     const server = await FakePusher.start({ extensions: ['recovery'] });
//     const client = new Realtime(server.config());
//     const socket = await server.nextConnection();
//     const subscribe = await socket.nextFrame('pusher:subscribe');
//     socket.send(succeeded('news', 'e1:0'));
//     socket.send(event('news', 'created', { id: 1 }, 'e1:1'));
//     socket.close(4200, 'restarting');

import { createHash } from 'node:crypto';
import http from 'node:http';

import { withTimeout } from './helpers.mjs';

const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A channel event as the server publishes it; `position` left out when undefined. */
export function event(channel, name, data, position) {
  const frame = { event: name, channel, data: JSON.stringify(data) };
  if (position !== undefined) frame.position = position;
  return frame;
}

/** `pusher_internal:subscription_succeeded`, with the recovery fields given. */
export function succeeded(channel, position, recovered, data = {}) {
  const frame = { event: 'pusher_internal:subscription_succeeded', channel, data: JSON.stringify(data) };
  if (position !== undefined) frame.position = position;
  if (recovered !== undefined) frame.recovered = recovered;
  return frame;
}

/** One client connection to the fake server. */
export class FakeConnection {
  constructor(server, socket, url) {
    this.server = server;
    this.socket = socket;
    /** The path and query the client connected to. */
    this.url = url;
    /** Every frame the client sent, parsed (`data` as sent: an object). */
    this.received = [];
    this.closed = false;
    this.socketId = `${server.connections.length + 1}.${1000 + server.connections.length}`;
    this._buffer = Buffer.alloc(0);
    this._waiters = [];
    socket.on('data', (chunk) => this._read(chunk));
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => {});
  }

  /** Send one frame (an object, JSON-encoded here, or a string as it is). */
  send(frame) {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this._write(0x1, Buffer.from(text, 'utf8'));
  }

  /** Close with `code` (a close frame, then the TCP connection). */
  close(code = 1000, reason = '') {
    if (this.closed) return;
    const reasonBytes = Buffer.from(reason, 'utf8');
    const payload = Buffer.alloc(2 + reasonBytes.length);
    payload.writeUInt16BE(code, 0);
    reasonBytes.copy(payload, 2);
    this._write(0x8, payload);
    this.socket.end();
    this.closed = true;
  }

  /**
   * Resolves with the first frame from now on (or already received and not yet
   * taken) whose event is `name` and for which `match(frame)` holds.
   */
  nextFrame(name, match = () => true, timeout = 3000) {
    const taken = this._taken || (this._taken = new Set());
    const found = this.received.find((frame) => !taken.has(frame) && frame.event === name && match(frame));
    if (found) {
      taken.add(found);
      return Promise.resolve(found);
    }
    return withTimeout(
      new Promise((resolve) => this._waiters.push({ name, match, resolve })),
      timeout,
      `the client's ${name}`,
    );
  }

  /** Every frame of the client with event `name` so far. */
  framesOf(name) {
    return this.received.filter((frame) => frame.event === name);
  }

  _write(opcode, payload) {
    let header;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    if (!this.socket.destroyed) this.socket.write(Buffer.concat([header, payload]));
  }

  _read(chunk) {
    this._buffer = Buffer.concat([this._buffer, chunk]);
    for (;;) {
      const buffer = this._buffer;
      if (buffer.length < 2) return;
      const opcode = buffer[0] & 0x0f;
      let length = buffer[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        at = 10;
      }
      const masked = (buffer[1] & 0x80) !== 0;
      const mask = masked ? buffer.subarray(at, at + 4) : null;
      if (masked) at += 4;
      if (buffer.length < at + length) return;
      const payload = Buffer.from(buffer.subarray(at, at + length));
      if (mask) for (let i = 0; i < payload.length; i += 1) payload[i] ^= mask[i % 4];
      this._buffer = buffer.subarray(at + length);
      if (opcode === 0x1) this._frame(payload.toString('utf8'));
      else if (opcode === 0x8) this.close(payload.length >= 2 ? payload.readUInt16BE(0) : 1000);
      else if (opcode === 0x9) this._write(0xa, payload);
    }
  }

  _frame(text) {
    const frame = JSON.parse(text);
    this.received.push(frame);
    if (frame.event === 'pusher:ping') this.send({ event: 'pusher:pong', data: '{}' });
    const taken = this._taken || (this._taken = new Set());
    const index = this._waiters.findIndex((waiter) => waiter.name === frame.event && waiter.match(frame));
    if (index !== -1) {
      const [waiter] = this._waiters.splice(index, 1);
      taken.add(frame);
      waiter.resolve(frame);
    }
  }
}

/** The fake server: `connections` in order; `extensions` announced in every handshake. */
export class FakePusher {
  /**
   * @param {{extensions?: Array<string>|undefined}} [options] `extensions` undefined:
   *   the handshake has no such field (what hosted Pusher sends).
   */
  static async start({ extensions } = {}) {
    const server = new FakePusher(extensions);
    await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    server.port = server.http.address().port;
    return server;
  }

  constructor(extensions) {
    this.extensions = extensions;
    this.connections = [];
    this._waiters = [];
    this.http = http.createServer((request, response) => {
      response.writeHead(426).end();
    });
    this.http.on('upgrade', (request, socket) => this._upgrade(request, socket));
  }

  /** The config of a client of this server, plus `extra`. */
  config(extra = {}) {
    return { key: 'fake-key', wsHost: '127.0.0.1', wsPort: this.port, wssPort: this.port, forceTLS: false, ...extra };
  }

  /** The `index`th connection (0-based; default: the next one not yet taken), once it is open. */
  nextConnection(timeout = 5000) {
    const index = this._next === undefined ? 0 : this._next;
    this._next = index + 1;
    if (this.connections[index]) return Promise.resolve(this.connections[index]);
    return withTimeout(new Promise((resolve) => this._waiters.push({ index, resolve })), timeout, `connection #${index + 1}`);
  }

  close() {
    for (const connection of this.connections) connection.socket.destroy();
    return new Promise((resolve) => this.http.close(resolve));
  }

  _upgrade(request, socket) {
    const key = request.headers['sec-websocket-key'];
    const accept = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
    socket.setNoDelay(true);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const connection = new FakeConnection(this, socket, request.url);
    this.connections.push(connection);
    const data = { socket_id: connection.socketId, activity_timeout: 120 };
    if (this.extensions !== undefined) data.extensions = this.extensions;
    connection.send({ event: 'pusher:connection_established', data: JSON.stringify(data) });
    const index = this.connections.length - 1;
    for (const waiter of this._waiters.filter((w) => w.index === index)) waiter.resolve(connection);
    this._waiters = this._waiters.filter((w) => w.index !== index);
  }
}
