// Clients of the fault suite (tests/faults), in one Node process driven over stdin/stdout.
//
// Usage: node --experimental-websocket clients.mjs '{"key": "...", "authUsers": {...}}'
//
// realtime.js (realtime_core/static/realtime_core/realtime.js) and pusher-js 8.6.0 (from
// tests/js/node_modules) connect wherever a command says (the balancer, or one node),
// subscribe, and record every event they hand the application. Commands on stdin, one
// JSON object per line:
//   open {group, kind: "realtime"|"pusher", count, host, port, channels, user?}
//        opens `count` clients; each says `subscribed` once per channel
//   report                      answers {type: "report", clients: [...]}
//   quit                        disconnects everything, then the process exits
// Lines on stdout, one JSON object each, with a "type": ready, subscribed {id, channel,
// at}, report {clients}, error {message}. Each client in a report:
//   {id, group, kind, user, connections, channels: {name: {events: [n...], subscribedAt,
//    recoveries: [{recovered, position, from, at}], removed: [{user_id, at}],
//    added: [{user_id, at}]}}, errors}
// where `events` are the `n` of every `tick` event the application was given, in order.

import { createRequire } from 'node:module';
import readline from 'node:readline';

import { AuthServer } from '../js/helpers.mjs';
import { Realtime } from '../../realtime_core/static/realtime_core/realtime.js';

const require = createRequire(new URL('../js/package.json', import.meta.url));
const Pusher = require('pusher-js');

const config = JSON.parse(process.argv[2]);
const clients = [];
let auth = null;

function emit(type, fields = {}) {
  process.stdout.write(JSON.stringify({ type, ...fields }) + '\n');
}

function dataOf(data) {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** What one client recorded of one channel. */
function channelRecord() {
  return { events: [], subscribedAt: null, recoveries: [], removed: [], added: [] };
}

function record(client, name, channel, kind) {
  const seen = (client.channels[name] = channelRecord());
  channel.bind('tick', (data) => seen.events.push(dataOf(data).n));
  channel.bind('pusher:subscription_succeeded', () => {
    if (seen.subscribedAt === null) {
      seen.subscribedAt = Date.now();
      emit('subscribed', { id: client.id, channel: name, at: seen.subscribedAt });
    }
  });
  channel.bind('pusher:subscription_error', (error) => client.errors.push(`${name}: ${JSON.stringify(error).slice(0, 300)}`));
  if (kind === 'realtime') {
    channel.bind('realtime:recovery', (info) => seen.recoveries.push({ ...info, at: Date.now() }));
  }
}

function openRealtime(client, { host, port, channels, user }) {
  const options = { maxReconnectDelay: 300, unavailableTimeout: 60000 };
  const settings = { backend: 'tornado_redis', key: config.key, wsHost: host, wsPort: port, wssPort: port, forceTLS: false, ...(auth ? auth.config(user || 'ann') : {}) };
  const socket = new Realtime(settings, options);
  socket.bind('error', (error) => client.errors.push(JSON.stringify(error).slice(0, 300)));
  socket.bind('state_change', ({ current }) => {
    if (current === 'connected') client.connections += 1;
  });
  socket.bind('message', (frame) => {
    if (!frame || !frame.channel || !client.channels[frame.channel]) return;
    const seen = client.channels[frame.channel];
    if (frame.event === 'pusher_internal:member_removed' || frame.event === 'pusher_internal:member_added') {
      const list = frame.event.endsWith('removed') ? seen.removed : seen.added;
      list.push({ user_id: String(dataOf(frame.data).user_id), at: Date.now() });
    }
  });
  for (const name of channels) record(client, name, socket.subscribe(name), 'realtime');
  return socket;
}

function openPusher(client, { host, port, channels, user }) {
  const socket = new Pusher(config.key, {
    wsHost: host,
    wsPort: port,
    wssPort: port,
    forceTLS: false,
    enabledTransports: ['ws'],
    disableStats: true,
    cluster: 'unused',
    ...(auth ? { channelAuthorization: { endpoint: auth.url + '/channel', transport: 'ajax', headers: { 'X-Test-User': user || 'ann' } } } : {}),
  });
  socket.connection.bind('error', (error) => client.errors.push(JSON.stringify(error).slice(0, 300)));
  socket.connection.bind('state_change', ({ current }) => {
    if (current === 'connected') client.connections += 1;
  });
  for (const name of channels) record(client, name, socket.subscribe(name), 'pusher');
  return socket;
}

function open(command) {
  for (let index = 0; index < command.count; index += 1) {
    const client = {
      id: `${command.group}-${command.kind}-${index}`,
      group: command.group,
      kind: command.kind,
      user: command.user || null,
      connections: 0,
      channels: {},
      errors: [],
    };
    client.socket = command.kind === 'realtime' ? openRealtime(client, command) : openPusher(client, command);
    clients.push(client);
  }
}

function report() {
  emit('report', {
    clients: clients.map(({ socket, ...fields }) => fields),
  });
}

function quit() {
  for (const client of clients) client.socket.disconnect();
  const closing = auth ? auth.close() : Promise.resolve();
  closing.finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

async function main() {
  if (config.authUsers) auth = await AuthServer.start(config.authUsers);
  const lines = readline.createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let command;
    try {
      command = JSON.parse(line);
      if (command.cmd === 'open') open(command);
      else if (command.cmd === 'report') report();
      else if (command.cmd === 'quit') quit();
      else emit('error', { message: `unknown command ${line}` });
    } catch (error) {
      emit('error', { message: `${line}: ${error.stack || error}` });
    }
  });
  lines.on('close', quit);
  emit('ready');
}

main().catch((error) => {
  emit('error', { message: String(error.stack || error) });
  process.exit(1);
});
