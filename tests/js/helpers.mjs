// Shared parts of the realtime.js tests: real socket servers (`python -m
// realtime_core.server`) on free ports (one, or a test file's several as Servers), a
// channel/user authorization endpoint that signs with the official `pusher` Node SDK
// (the referee), the test-only Django site with the routers (DjangoServer, Browser),
// and waiting helpers.
//
// Environment (tests/js/test_realtime_js.py sets it; the defaults suit a checkout
// with .venv, so `node --experimental-websocket --test tests/js/` works directly):
//   REALTIME_JS_PYTHON   Python that can import realtime_core
//   REALTIME_JS_APP_ID, REALTIME_JS_KEY, REALTIME_JS_SECRET   the test app

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Pusher from 'pusher';

import { Realtime } from '../../realtime_core/static/realtime_core/realtime.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV_PYTHON = path.join(REPO, '.venv', 'bin', 'python');
export const PYTHON = process.env.REALTIME_JS_PYTHON || (existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3');
export const APP = {
  appId: process.env.REALTIME_JS_APP_ID || '4321',
  key: process.env.REALTIME_JS_KEY || 'js-test-key',
  secret: process.env.REALTIME_JS_SECRET || 'js-test-secret',
};
export const CSRF_TOKEN = 'csrf-token-for-tests';

const SERVER_START_TIMEOUT = 15000;

/** Server processes still running: killed when this test process exits, however it ends. */
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `predicate()` is truthy (polling); fails with `what` after `timeout` ms. */
export async function waitFor(predicate, what, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(10);
  }
}

export async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** One `python -m realtime_core.server` process for the test app. */
export class ServerProcess {
  /**
   * @param {{port?: number, clientEvents?: boolean, env?: Object<string, string>}} [options]
   *   `env`: more environment for the server (`REALTIME_REDIS_URL`, ...), over the defaults.
   * @returns {Promise<ServerProcess>} once it listens
   */
  static async start({ port, clientEvents = false, env = {} } = {}) {
    const server = new ServerProcess(port || (await freePort()), clientEvents, env);
    await server._started;
    return server;
  }

  constructor(port, clientEvents, env = {}) {
    this.port = port;
    this.output = '';
    this.process = spawn(PYTHON, ['-m', 'realtime_core.server'], {
      cwd: REPO,
      env: {
        ...process.env,
        REALTIME_APP_ID: APP.appId,
        REALTIME_KEY: APP.key,
        REALTIME_SECRET: APP.secret,
        REALTIME_HOST: '127.0.0.1',
        REALTIME_PORT: String(port),
        REALTIME_CLIENT_EVENTS: clientEvents ? 'true' : '',
        REALTIME_REDIS_URL: '',
        REALTIME_LOG_LEVEL: 'INFO',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.process);
    this.exited = new Promise((resolve) =>
      this.process.on('exit', (code, signal) => {
        running.delete(this.process);
        resolve({ code, signal });
      }),
    );
    this._started = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start on ${port} in time:\n${this.output}`)),
        SERVER_START_TIMEOUT,
      );
      const collect = (chunk) => {
        this.output += chunk;
        if (this.output.includes('Serving app')) {
          clearTimeout(timer);
          resolve();
        }
      };
      this.process.stdout.setEncoding('utf8').on('data', collect);
      this.process.stderr.setEncoding('utf8').on('data', collect);
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening:\n${this.output}`));
      });
    });
    this._started.catch(() => {});
    /** The official Node server SDK, publishing through this server's HTTP API. */
    this.sdk = new Pusher({ appId: APP.appId, key: APP.key, secret: APP.secret, host: '127.0.0.1', port, useTLS: false });
  }

  /** What `{% realtime_client %}` renders for the tornado_redis backend, plus `extra`. */
  config(auth, extra = {}) {
    return {
      backend: 'tornado_redis',
      key: APP.key,
      wsHost: '127.0.0.1',
      wsPort: this.port,
      wssPort: this.port,
      forceTLS: false,
      ...(auth ? auth.config() : {}),
      ...extra,
    };
  }

  /** Publish through the HTTP API; `data` as the SDK takes it (non-strings are JSON-encoded). */
  async publish(channels, event, data, params) {
    const response = await this.sdk.trigger(channels, event, data, params);
    assert.equal(response.status, 200);
  }

  /** Stop with `signal` and wait for the process to end. */
  async stop(signal = 'SIGTERM') {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }

  pause() {
    this.process.kill('SIGSTOP');
  }

  resume() {
    this.process.kill('SIGCONT');
  }
}

/**
 * The socket servers of one test file: `start()` starts one and keeps it, `stopAll()`
 * (in the file's `after`) stops every one still running, whatever a test left them in.
 */
export class Servers {
  /** @param {Object} [defaults] ServerProcess.start options for every server; `env` is merged under each call's. */
  constructor(defaults = {}) {
    this.defaults = defaults;
    this.all = [];
  }

  /** ServerProcess.start with the defaults under `options`. @returns {Promise<ServerProcess>} */
  async start(options = {}) {
    const env = { ...this.defaults.env, ...options.env };
    const server = await ServerProcess.start({ ...this.defaults, ...options, env });
    this.all.push(server);
    return server;
  }

  /** SIGKILL (no graceful shutdown to wait for) every server started, and wait for them to end. */
  async stopAll() {
    await Promise.all(this.all.splice(0).map((server) => server.stop('SIGKILL')));
  }
}

/** What `/user` signs for a user of the AuthServer's `users`. */
function userData(user) {
  const data = { id: user.user_id, user_info: user.user_info };
  if (user.watchlist) data.watchlist = user.watchlist;
  return data;
}

/**
 * The application's authorization endpoints, as a Django view built on the official
 * SDK would answer. Who asks is said by the `X-Test-User` header (a session cookie in
 * real life); `users` maps those names to presence/user data.
 *
 * Paths: `/channel` and `/user` sign (`/user` answers 403 to an unknown user; a user's
 * `watchlist`, when it has one, goes in its user data);
 * `/refuse` answers 403; `/forge` answers a well-formed but wrong signature (for
 * channels and users alike). Every request is kept in `requests`.
 */
export class AuthServer {
  static async start(users = {}) {
    const auth = new AuthServer(users);
    await new Promise((resolve) => auth.http.listen(0, '127.0.0.1', resolve));
    auth.url = `http://127.0.0.1:${auth.http.address().port}`;
    return auth;
  }

  constructor(users) {
    this.users = users;
    this.requests = [];
    this.sdk = new Pusher({ appId: APP.appId, key: APP.key, secret: APP.secret });
    this.http = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => this._answer(request, body, response));
    });
  }

  _answer(request, body, response) {
    const params = Object.fromEntries(new URLSearchParams(body));
    const record = { method: request.method, path: request.url, headers: request.headers, body, params };
    this.requests.push(record);
    const user = this.users[request.headers['x-test-user']];
    const reply = (status, answer) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(answer));
    };
    if (request.url === '/refuse') {
      reply(403, { detail: 'You may not join this channel' });
    } else if (request.url === '/forge') {
      reply(200, { auth: `${APP.key}:${'0'.repeat(64)}`, user_data: '{"id":"1"}' });
    } else if (request.url === '/channel') {
      const presence = params.channel_name.startsWith('presence-');
      reply(200, this.sdk.authorizeChannel(params.socket_id, params.channel_name, presence ? user : undefined));
    } else if (request.url === '/user') {
      if (user) reply(200, this.sdk.authenticateUser(params.socket_id, userData(user)));
      else reply(403, { detail: 'Not signed in' });
    } else {
      reply(404, { detail: 'not found' });
    }
  }

  /** The auth part of the config; `as` is the user the requests speak for. */
  config(as = 'ann', paths = { channel: '/channel', user: '/user' }) {
    const headers = { 'X-CSRFToken': CSRF_TOKEN, 'X-Test-User': as };
    return {
      channelAuthorization: { endpoint: this.url + paths.channel, headers },
      userAuthentication: { endpoint: this.url + paths.user, headers },
    };
  }

  requestsFor(channel) {
    return this.requests.filter((r) => r.params.channel_name === channel);
  }

  close() {
    this.http.closeAllConnections();
    return new Promise((resolve) => this.http.close(resolve));
  }
}

/** Creates clients and disconnects them all at the end of a test file. */
export class Clients {
  constructor() {
    this.all = [];
  }

  /** A connected-or-connecting Realtime that records its state changes and errors. */
  open(config, options) {
    const client = new Realtime(config, options);
    client.states = [client.state];
    client.errors = [];
    client.frames = [];
    client.bind('state_change', ({ current }) => client.states.push(current));
    client.bind('error', (error) => client.errors.push(error));
    client.bind('message', (frame) => client.frames.push(frame));
    this.all.push(client);
    return client;
  }

  /** Like open(), resolved once connected. */
  async connected(config, options) {
    const client = this.open(config, options);
    await withTimeout(client.ready(), 5000, 'ready()');
    return client;
  }

  closeAll() {
    for (const client of this.all) client.disconnect();
    this.all = [];
  }
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Every event of `names` on `emitter`, in order, as `{event, data, metadata}`. */
export function record(emitter, names) {
  const seen = [];
  for (const event of names) emitter.bind(event, (data, metadata) => seen.push({ event, data, metadata }));
  return seen;
}

/** Resolves with the data of the next `event` on `emitter`. */
export function next(emitter, event, timeout = 5000) {
  return withTimeout(
    new Promise((resolve) => {
      const once = (data) => {
        emitter.unbind(event, once);
        resolve(data);
      };
      emitter.bind(event, once);
    }),
    timeout,
    event,
  );
}

/** Subscribe and wait for the subscription to succeed; returns the channel. */
export async function subscribed(client, name) {
  const channel = client.subscribe(name);
  if (!channel.subscribed) {
    const outcome = await withTimeout(
      new Promise((resolve) => {
        channel.bind('pusher:subscription_succeeded', () => resolve(null));
        channel.bind('pusher:subscription_error', (error) => resolve(error));
      }),
      5000,
      `subscription to ${name}`,
    );
    assert.equal(outcome, null, `subscribing to ${name} failed: ${JSON.stringify(outcome)}`);
  }
  return channel;
}

/**
 * The test-only Django site (tests/js/django_site) served by `manage.py realtime_server`
 * on the memory backend: the real router views, auth endpoints and socket server on
 * one port, over a fresh SQLite file. `login(name)` gives a {@link Browser}.
 */
export class DjangoServer {
  /** @returns {Promise<DjangoServer>} once it answers HTTP */
  static async start() {
    const server = new DjangoServer(await freePort());
    try {
      await server._started;
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  constructor(port) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.output = '';
    this.directory = mkdtempSync(path.join(os.tmpdir(), 'realtime-js-django-'));
    this.process = spawn(PYTHON, ['-m', 'tests.js.django_site.serve', '--port', String(port)], {
      cwd: REPO,
      env: {
        ...process.env,
        DJANGO_SETTINGS_MODULE: 'tests.js.django_site.settings',
        REALTIME_JS_DB: path.join(this.directory, 'db.sqlite3'),
        PYTHONUNBUFFERED: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this.process);
    const collect = (chunk) => {
      this.output += chunk;
    };
    this.process.stdout.setEncoding('utf8').on('data', collect);
    this.process.stderr.setEncoding('utf8').on('data', collect);
    this.exited = new Promise((resolve) =>
      this.process.on('exit', (code, signal) => {
        running.delete(this.process);
        resolve({ code, signal });
      }),
    );
    this._started = this._answering();
    this._started.catch(() => {});
  }

  async _answering() {
    const deadline = Date.now() + SERVER_START_TIMEOUT;
    let exited = null;
    this.exited.then((outcome) => {
      exited = outcome;
    });
    for (;;) {
      if (exited) throw new Error(`the Django server exited (${exited.code ?? exited.signal}):\n${this.output}`);
      try {
        const response = await fetch(`${this.url}/realtime/routes/todo-list/`);
        if (response.status === 200) return;
      } catch (error) {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`the Django server did not answer on ${this.port} in time:\n${this.output}`);
      await sleep(50);
    }
  }

  /**
   * Sign a new browser in as `username` (created if new), with Django `permissions`.
   * @returns {Promise<Browser>}
   */
  async login(username, permissions = []) {
    const response = await fetch(`${this.url}/test-only/login/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, permissions }),
    });
    assert.equal(response.status, 200, `login as ${username} failed; the server said:\n${this.output.slice(-3000)}`);
    const cookies = {};
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair.indexOf('=');
      cookies[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    assert.ok(cookies.sessionid && cookies.csrftoken, `login set no session or CSRF cookie: ${JSON.stringify(cookies)}`);
    return new Browser(this, await response.json(), cookies);
  }

  async stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGTERM');
    await this.exited;
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/**
 * One signed-in browser of a {@link DjangoServer}: the config its page would render
 * (`{% realtime_client %}`'s, CSRF token included) and a `fetch` that does what a
 * browser does (resolves URLs against the page, sends the cookies). Every request is
 * kept in `requests` (`{method, url, headers}`, header names in lower case); `hold`,
 * when set, is awaited with `(request, response)` before a response is handed over.
 */
export class Browser {
  constructor(server, config, cookies) {
    this.server = server;
    /** What `{% realtime_client %}` rendered for this browser. */
    this.config = config;
    this.cookies = cookies;
    this.requests = [];
    this.hold = null;
    this.fetch = async (url, init = {}) => {
      const target = new URL(String(url), server.url);
      const headers = new Headers(init.headers);
      headers.set('Cookie', Object.entries(this.cookies).map(([name, value]) => `${name}=${value}`).join('; '));
      const request = { method: init.method || 'GET', url: target.pathname + target.search, headers: Object.fromEntries(headers) };
      this.requests.push(request);
      const response = await fetch(target, { ...init, headers });
      if (this.hold) await this.hold(request, response);
      return response;
    };
  }

  /** The CSRF token the page config carries (the header realtime.js sends). */
  get csrfToken() {
    return Object.values(this.config.channelAuthorization.headers)[0];
  }

  /**
   * The page config with the socket address a page would take from its own location
   * (the embedded server serves the sockets on the site's host and port), plus `extra`.
   */
  realtimeConfig(extra = {}) {
    const port = this.server.port;
    return { ...this.config, wsHost: '127.0.0.1', wsPort: port, wssPort: port, forceTLS: false, ...extra };
  }

  /** Realtime options: this browser's fetch, plus `extra`. */
  options(extra = {}) {
    return { fetch: this.fetch, ...extra };
  }
}
