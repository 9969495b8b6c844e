// Stand-ins the unit tests hand the modules: a scripted WebSocket, fetch answers, and
// an emitter that records what is emitted on it.

import { Emitter } from '../src/emitter.js';

/** A WebSocket the test drives: `establish()`, `receive(frame)`, `drop(code)`. */
export class FakeSocket {
  /** @type {Array<FakeSocket>} every socket opened, newest last */
  static opened = [];

  static get last() {
    return FakeSocket.opened.at(-1);
  }

  constructor(url) {
    this.url = url;
    this.readyState = 1;
    this.sent = [];
    this.closedWith = null;
    this.onmessage = null;
    this.onclose = null;
    this.onerror = null;
    FakeSocket.opened.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code) {
    this.closedWith = code;
    this.readyState = 3;
  }

  receive(frame) {
    this.onmessage({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  establish(socketId = '1.1', extra = {}) {
    this.receive({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: socketId, activity_timeout: 120, ...extra }) });
  }

  drop(code, reason = '') {
    this.readyState = 3;
    this.onclose({ code, reason });
  }
}

/** A fetch Response with a JSON (or text) body. */
export function answer(status, body) {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
}

/** An Emitter that records every event emitted on it, as [event, data]. */
export class RecordingEmitter extends Emitter {
  constructor() {
    super();
    this.events = [];
    this.bindGlobal((event, data) => this.events.push([event, data]));
  }

  named(event) {
    return this.events.filter(([name]) => name === event).map(([, data]) => data);
  }
}

/** Resolves after the pending promise callbacks ran. */
export function settle() {
  return new Promise((resolve) => setImmediate(resolve));
}
