'use strict';
// Load generator for tests/benchmarks: many WebSocket subscribers, each of one channel.
//
// Usage: node client.js <ws-url> <pusher|bare>
// Commands arrive on stdin and replies leave on stdout, one JSON object per line.
// `open` names the channels: connection i subscribes to channels[i % channels.length].
// In "pusher" mode every connection waits for pusher:connection_established, sends
// pusher:subscribe and counts as open only after pusher_internal:subscription_succeeded;
// a private- or presence- channel's auth is asked of the benchmark (an `auth_request`
// line, answered by an `auth` command), which signs it with the app secret.
// In "bare" mode a connection opens <ws-url><channel> and is open once the WebSocket
// handshake is done.
//
// Every published message carries its sequence number and its publish time (Unix
// seconds) near the start of its text; latency is receive time minus publish time
// on the same machine clock.

const readline = require('node:readline');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');

const [url, mode] = process.argv.slice(2);
if (!url || !['pusher', 'bare'].includes(mode)) {
  process.stderr.write('usage: node client.js <ws-url> <pusher|bare>\n');
  process.exit(2);
}

// The stamp sits at the start of the event's data, whose JSON text is escaped inside the
// frame: {"event":...,"data":"{\"seq\":12,\"t\":1712345678.123456,...}"}.
const SEQ_MARK = Buffer.from('seq\\":');
const TIME_MARK_LENGTH = ',\\"t\\":'.length;
const DIGIT_0 = 48;
const OPEN_CONCURRENCY = 50;

const sockets = [];
const lastSeq = [];
let received = 0;
let gaps = 0;
let reordered = 0;
let unexpectedCloses = 0;
const closeCodes = {};
let recording = false;
let latencies = new Float64Array(1 << 16);
let latencyCount = 0;
// Per message (while recording), by channel and sequence number: latency of its first
// and of its last delivery.
const firstLast = new Map();
let closingAll = false;
let lastReportedMin = -1;
// Subscriptions waiting for their signature: request id -> [ws, channel].
const pendingAuth = new Map();
let authRequests = 0;

function reply(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

function nowSeconds() {
  return (performance.timeOrigin + performance.now()) / 1000;
}

function record(latency) {
  if (latencyCount === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2);
    bigger.set(latencies);
    latencies = bigger;
  }
  latencies[latencyCount++] = latency;
}

function onControlFrame(ws, channel, text, settle) {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    return;
  }
  if (frame.event === 'pusher:connection_established') {
    if (channel.startsWith('private-') || channel.startsWith('presence-')) {
      const socketId = JSON.parse(frame.data).socket_id;
      authRequests += 1;
      pendingAuth.set(authRequests, [ws, channel]);
      reply({ type: 'auth_request', id: authRequests, socket_id: socketId, channel });
    } else {
      ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel } }));
    }
  } else if (frame.event === 'pusher_internal:subscription_succeeded') {
    settle(true);
  } else if (frame.event === 'pusher:ping') {
    ws.send('{"event":"pusher:pong","data":"{}"}');
  } else if (frame.event === 'pusher:error' || frame.event === 'pusher:subscription_error') {
    process.stderr.write(`server said: ${text}\n`);
    settle(false);
  }
}

function onAuth(command) {
  const pending = pendingAuth.get(command.id);
  if (pending === undefined) return;
  pendingAuth.delete(command.id);
  const [ws, channel] = pending;
  const data = { channel, auth: command.auth };
  if (command.channel_data !== undefined) data.channel_data = command.channel_data;
  ws.send(JSON.stringify({ event: 'pusher:subscribe', data }));
}

function openOne(channel) {
  return new Promise((resolve) => {
    const index = sockets.length;
    // The generator must cost as little as possible per message so that the servers,
    // not it, are measured: no compression, no UTF-8 validation, no string decoding.
    const target = mode === 'bare' ? url + encodeURIComponent(channel) : url;
    const ws = new WebSocket(target, { perMessageDeflate: false, skipUTF8Validation: true });
    sockets.push(ws);
    lastSeq.push(0);
    let settled = false;
    const settle = (ok) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    ws.on('open', () => {
      if (mode === 'bare') settle(true);
    });
    ws.on('message', (data) => {
      const mark = data.indexOf(SEQ_MARK);
      if (mark === -1) {
        onControlFrame(ws, channel, data.toString(), settle);
        return;
      }
      let at = mark + SEQ_MARK.length;
      let seq = 0;
      for (let digit = data[at] - DIGIT_0; digit >= 0 && digit <= 9; digit = data[++at] - DIGIT_0) {
        seq = seq * 10 + digit;
      }
      const last = lastSeq[index];
      if (seq > last + 1 && last !== 0) gaps += seq - last - 1;
      if (seq <= last) reordered += 1;
      lastSeq[index] = seq;
      received += 1;
      if (recording) {
        const start = at + TIME_MARK_LENGTH;
        const sent = parseFloat(data.toString('latin1', start, start + 24));
        const latency = (nowSeconds() - sent) * 1000;
        record(latency);
        const key = `${channel}\n${seq}`;
        const seen = firstLast.get(key);
        if (seen === undefined) firstLast.set(key, [latency, latency]);
        else seen[1] = latency;
      }
    });
    ws.on('error', (error) => {
      process.stderr.write(`socket ${index}: ${error.message}\n`);
      settle(false);
    });
    ws.on('close', (code) => {
      lastSeq[index] = Infinity;
      if (!closingAll) {
        unexpectedCloses += 1;
        closeCodes[code] = (closeCodes[code] || 0) + 1;
      }
      settle(false);
    });
  });
}

async function open(count, channels) {
  const started = performance.now();
  let ok = 0;
  let failed = 0;
  let next = 0;
  async function worker() {
    while (next < count) {
      const channel = channels[sockets.length % channels.length];
      next += 1;
      if (await openOne(channel)) ok += 1;
      else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  lastReportedMin = -1;
  reply({ type: 'opened', ok, failed, ms: Math.round(performance.now() - started) });
}

async function closeAll() {
  closingAll = true;
  const pending = sockets.filter((ws) => ws.readyState !== WebSocket.CLOSED);
  await Promise.all(
    pending.map(
      (ws) =>
        new Promise((resolve) => {
          ws.once('close', resolve);
          ws.close(1000);
          setTimeout(() => {
            ws.terminate();
            resolve();
          }, 3000).unref();
        }),
    ),
  );
  sockets.length = 0;
  lastSeq.length = 0;
  closingAll = false;
  reply({ type: 'closed' });
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

function stats() {
  const sorted = latencies.slice(0, latencyCount).sort();
  const perMessage = [...firstLast.values()];
  reply({
    type: 'stats',
    received,
    gaps,
    reordered,
    unexpected_closes: unexpectedCloses,
    close_codes: closeCodes,
    latency_ms: {
      count: latencyCount,
      p50: percentile(sorted, 0.5),
      p90: percentile(sorted, 0.9),
      p99: percentile(sorted, 0.99),
      p999: percentile(sorted, 0.999),
      max: latencyCount ? sorted[latencyCount - 1] : null,
    },
    first_delivery_ms: summary(perMessage.map(([first]) => first)),
    spread_ms: summary(perMessage.map(([first, last]) => last - first)),
  });
}

// Progress for the publisher's flow control: the highest sequence number every open
// connection has received. Sent only when it changes.
setInterval(() => {
  let min = Infinity;
  for (let i = 0; i < lastSeq.length; i += 1) if (lastSeq[i] < min) min = lastSeq[i];
  if (min !== Infinity && min !== lastReportedMin) {
    lastReportedMin = min;
    reply({ type: 'progress', min_seq: min, received });
  }
}, 5);

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line);
  if (command.cmd === 'open') {
    open(command.count, command.channels);
  } else if (command.cmd === 'auth') {
    onAuth(command);
  } else if (command.cmd === 'reset') {
    received = 0;
    gaps = 0;
    reordered = 0;
    latencyCount = 0;
    firstLast.clear();
    recording = Boolean(command.record);
    reply({ type: 'reset' });
  } else if (command.cmd === 'stats') {
    stats();
  } else if (command.cmd === 'close_all') {
    closeAll();
  } else if (command.cmd === 'exit') {
    process.exit(0);
  }
});
