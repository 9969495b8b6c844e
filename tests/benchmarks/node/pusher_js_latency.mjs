// N pusher-js 8 clients on one transport, for tests/benchmarks/http_fallback.py.
//
// Usage: node pusher_js_latency.mjs '{"port": 6001, "key": "...", "transport": "ws",
//                                     "clients": 50, "channel": "bench"}'
// Prints {"ready": true} once every client is subscribed. Each event's data carries
// "t", the publisher's Date.now(); the client keeps now - t. A line on stdin asks for
// {"latencies": [...]} (ms, every delivery so far), then the clients disconnect and
// the process exits.

import readline from 'node:readline';
import Pusher from '../../interop/node/node_modules/pusher-js/dist/node/pusher.js';

const config = JSON.parse(process.argv[2]);
const latencies = [];
let subscribed = 0;
const clients = [];

for (let n = 0; n < config.clients; n += 1) {
  const pusher = new Pusher(config.key, {
    cluster: 'local',
    wsHost: '127.0.0.1',
    wsPort: config.port,
    httpHost: '127.0.0.1',
    httpPort: config.port,
    forceTLS: false,
    enabledTransports: [config.transport],
  });
  const channel = pusher.subscribe(config.channel);
  channel.bind('pusher:subscription_succeeded', () => {
    subscribed += 1;
    if (subscribed === config.clients) process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  });
  channel.bind('bench', (data) => latencies.push(Date.now() - data.t));
  clients.push(pusher);
}

readline.createInterface({ input: process.stdin }).once('line', () => {
  process.stdout.write(`${JSON.stringify({ latencies })}\n`);
  for (const pusher of clients) pusher.disconnect();
  process.exit(0);
});
