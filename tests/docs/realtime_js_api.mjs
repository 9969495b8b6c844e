// Prints the public API of realtime.js as JSON, for tests/docs/test_realtime_js_page.py.
//
//   node realtime_js_api.mjs path/to/realtime.js
//
// {"exports": [...], "classes": {Name: {"base", "methods", "static", "attributes"}}}:
// every exported class and the classes it extends, each with what it defines itself:
// public prototype methods, static functions, and attributes (prototype getters and the
// properties its constructor sets on instances, beyond its base class's). Public means
// not starting with "_". Instances are built with a WebSocket that never connects.

import { pathToFileURL } from 'node:url';

const api = await import(pathToFileURL(process.argv[2]).href);
const exported = Object.keys(api).filter((name) => name !== 'default');
const exportedValues = new Set(exported.map((name) => api[name]));
/** A class's name: the one it is exported under (a bundler may rename the class itself). */
const nameOf = (cls) => exported.find((name) => api[name] === cls) || cls.name;

class IdleSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
  }

  send() {}

  close() {}
}

const client = new api.Realtime({ key: 'app-key', wsHost: 'localhost' }, { WebSocket: IdleSocket });
const channel = client.subscribe('news');
const examples = new Map([
  [api.Realtime, client],
  [api.Channel, channel],
  [api.PresenceChannel, client.subscribe('presence-room')],
  [api.Members, new api.Members()],
  [api.User, client.user],
  [api.DataMapper, new api.DataMapper([])],
  [api.LiveList, new api.LiveList(client, 'todo-item', {}, {}, channel, 'id')],
  [api.AuthError, new api.AuthError(403, 'refused')],
  [api.ConnectionError, new api.ConnectionError('refused', 4001)],
  [api.RouterError, new api.RouterError(400, 'invalid', {})],
]);
client.disconnect();

const isPublic = (name) => !name.startsWith('_') && name !== 'constructor';
const isClass = (value) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));

/** An instance of `cls`: the example, or a fresh one for a base class taking no arguments. */
function instanceOf(cls) {
  if (examples.has(cls)) return examples.get(cls);
  return new cls();
}

function publicKeys(object) {
  return object ? Object.keys(object).filter(isPublic) : [];
}

const classes = {};
function describe(cls) {
  if (classes[nameOf(cls)] || cls === Error || cls === Object || !isClass(cls)) return;
  const base = Object.getPrototypeOf(cls);
  const baseName = isClass(base) && base !== Error ? nameOf(base) : null;
  const methods = [];
  const attributes = [];
  for (const [name, property] of Object.entries(Object.getOwnPropertyDescriptors(cls.prototype))) {
    if (!isPublic(name)) continue;
    if (property.get) attributes.push(name);
    else if (typeof property.value === 'function') methods.push(name);
  }
  const inherited = new Set(baseName ? publicKeys(instanceOf(base)) : []);
  // `name` is what every Error sets: the class's name, not an attribute of its own.
  const own = publicKeys(instanceOf(cls)).filter((name) => !inherited.has(name) && !(cls.prototype instanceof Error && name === 'name'));
  attributes.push(...own);
  const statics = Object.getOwnPropertyNames(cls).filter(
    (name) => isPublic(name) && typeof cls[name] === 'function' && !exportedValues.has(cls[name]),
  );
  classes[nameOf(cls)] = { base: baseName, methods: methods.sort(), static: statics.sort(), attributes: attributes.sort() };
  if (baseName) describe(base);
}

for (const name of exported) describe(api[name]);
process.stdout.write(JSON.stringify({ exports: exported.sort(), classes }, null, 1));
