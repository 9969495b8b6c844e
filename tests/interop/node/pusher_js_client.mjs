// pusher-js 8 in Node, driven over stdin/stdout by tests/interop/test_pusher_js.py.
//
// Usage: node pusher_js_client.mjs '{"key": "...", "wsHost": "127.0.0.1", "wsPort": 6001,
//                                    "channels": ["a", "private-b"], "signin": false}'
// Optional config keys: "unavailableTimeout", "activityTimeout", "pongTimeout" (ms), and
// "enabledTransports" (default ["ws"]; "xhr_streaming" and "xhr_polling" are pusher-js's
// HTTP fallbacks, sent to the same host and port).
//
// Every line on stdout is one JSON object with a "type":
//   state                  {previous, current}            the state at start (previous null), then changes
//   connected              {socket_id}
//   message                {event, channel, data, user_id} every frame, as pusher-js decoded it
//   error                  {error}                        the connection's "error" events
//   auth_request           {kind: "channel"|"user", socket_id, channel?}
//   subscription_succeeded {channel, members?, count?, me?}
//   subscription_error     {channel, error}
//   member_added / member_removed {channel, id, info}
//   subscription_count     {channel, data, count}         pusher:subscription_count's data, and
//                                                         channel.subscriptionCount after it
//   event                  {channel, event, data}         what channel.bind_global() hands the app
//   cache_miss             {channel}                      channel.bind('pusher:cache_miss') fired
//   signed_in              {user_data}                    pusher.user.user_data after signin
//   signin_error           {error}
//   user_event             {event, data}                  what pusher.user.bind_global() hands the app
//   watchlist              {name, user_ids}               what pusher.user.watchlist's online
//                                                         and offline bindings get
//   triggered              {channel, event, ok}
//   exiting                {}
// Commands on stdin, one JSON object per line, with a "cmd":
//   subscribe {channel} | unsubscribe {channel} | signin
//   trigger {channel, event, data}
//   authorize {channel?, auth?: {...}, error?: "message"}  answers an auth_request
//     (no channel: answers the user signin request)
//   disconnect                                            then the process exits
// End of stdin disconnects too.

import readline from 'node:readline';
import Pusher from 'pusher-js';

const config = JSON.parse(process.argv[2]);

function emit(type, fields = {}) {
  process.stdout.write(JSON.stringify({ type, ...fields }) + '\n');
}

// Diagnostics for a failing test, kept off the protocol stream.
Pusher.logToConsole = false;
Pusher.log = (message) => process.stderr.write(`[pusher-js] ${message}\n`);

// Auth callbacks waiting for the test's answer: channel name, or '' for signin.
const pendingAuth = new Map();

function askForAuth(key, request, callback) {
  pendingAuth.set(key, callback);
  emit('auth_request', request);
}

const options = {
  cluster: 'local', // mandatory since pusher-js 8, unused once wsHost is set
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  httpHost: config.wsHost,
  httpPort: config.wsPort,
  forceTLS: false,
  enabledTransports: config.enabledTransports ?? ['ws'],
  channelAuthorization: {
    customHandler: ({ socketId, channelName }, callback) =>
      askForAuth(channelName, { kind: 'channel', socket_id: socketId, channel: channelName }, callback),
  },
  userAuthentication: {
    customHandler: ({ socketId }, callback) =>
      askForAuth('', { kind: 'user', socket_id: socketId }, callback),
  },
};
for (const name of ['unavailableTimeout', 'activityTimeout', 'pongTimeout']) {
  if (config[name] !== undefined) options[name] = config[name];
}

const pusher = new Pusher(config.key, options);
// The constructor starts connecting before anything can be bound: report where it is.
emit('state', { previous: null, current: pusher.connection.state });

pusher.connection.bind('state_change', ({ previous, current }) => emit('state', { previous, current }));
pusher.connection.bind('connected', () => emit('connected', { socket_id: pusher.connection.socket_id }));
pusher.connection.bind('error', (error) => emit('error', { error: plain(error) }));
pusher.connection.bind('message', (message) => {
  emit('message', {
    event: message.event,
    channel: message.channel,
    data: message.data,
    user_id: message.user_id,
  });
  // Bound after pusher-js's own handler, so user_data is already parsed and checked.
  if (message.event === 'pusher:signin_success') {
    emit('signed_in', { user_data: pusher.user.user_data });
  }
});
pusher.user.bind('pusher:signin_error', (error) => emit('signin_error', { error: plain(error) }));
pusher.user.bind_global((event, data) => emit('user_event', { event, data }));
for (const name of ['online', 'offline']) {
  pusher.user.watchlist.bind(name, (event) => emit('watchlist', { name: event.name, user_ids: event.user_ids }));
}

function membersOf(channel) {
  const members = {};
  channel.members.each((member) => {
    members[member.id] = member.info;
  });
  return members;
}

function subscribe(name) {
  const channel = pusher.subscribe(name);
  channel.unbind_all();
  channel.bind('pusher:subscription_succeeded', () => {
    const fields = { channel: name };
    if (channel.members) {
      fields.members = membersOf(channel);
      fields.count = channel.members.count;
      fields.me = channel.members.me;
    }
    emit('subscription_succeeded', fields);
  });
  channel.bind('pusher:subscription_error', (error) =>
    emit('subscription_error', { channel: name, error: plain(error) }),
  );
  channel.bind('pusher:member_added', (member) =>
    emit('member_added', { channel: name, id: member.id, info: member.info }),
  );
  channel.bind('pusher:member_removed', (member) =>
    emit('member_removed', { channel: name, id: member.id, info: member.info }),
  );
  channel.bind('pusher:cache_miss', () => emit('cache_miss', { channel: name }));
  channel.bind('pusher:subscription_count', (data) =>
    emit('subscription_count', { channel: name, data, count: channel.subscriptionCount }),
  );
  channel.bind_global((event, data) => {
    if (!event.startsWith('pusher:')) emit('event', { channel: name, event, data });
  });
}

// Errors may carry Error objects or sockets; keep what JSON can say.
function plain(value) {
  try {
    return JSON.parse(JSON.stringify(value, (key, item) => (item instanceof Error ? String(item) : item)));
  } catch {
    return String(value);
  }
}

let exiting = false;

function exit() {
  if (exiting) return;
  exiting = true;
  pusher.disconnect();
  emit('exiting');
  // pusher-js may leave retry timers behind; the process is done either way.
  setTimeout(() => process.exit(0), 50);
}

const commands = {
  subscribe: ({ channel }) => subscribe(channel),
  unsubscribe: ({ channel }) => pusher.unsubscribe(channel),
  signin: () => pusher.signin(),
  trigger: ({ channel, event, data }) => {
    const ok = pusher.channel(channel).trigger(event, data);
    emit('triggered', { channel, event, ok });
  },
  authorize: ({ channel = '', auth, error }) => {
    const callback = pendingAuth.get(channel);
    if (!callback) throw new Error(`no auth request pending for ${JSON.stringify(channel)}`);
    pendingAuth.delete(channel);
    if (error) callback(new Error(error), null);
    else callback(null, auth);
  },
  disconnect: exit,
};

const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  const handler = commands[command.cmd];
  if (!handler) {
    emit('command_error', { command, error: 'unknown command' });
    return;
  }
  try {
    handler(command);
  } catch (error) {
    emit('command_error', { command, error: String(error) });
  }
});
input.on('close', exit);

for (const name of config.channels || []) subscribe(name);
if (config.signin) pusher.signin();
