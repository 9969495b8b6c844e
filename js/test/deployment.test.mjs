import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { DEPLOYMENT_HEADER, DeploymentWatch } from '../src/deployment.js';
import { answer, settle } from './fakes.mjs';

const OLD = { id: 'tornado_redis:aaaaaaaaaaaa', endpoint: '/realtime/config/' };
const NEW_CONFIG = { backend: 'pusher', key: 'hosted', cluster: 'eu', deployment: { id: 'pusher:bbbbbbbbbbbb', endpoint: '/realtime/config/' } };

/** A watch over a config of OLD whose endpoint answers `answers` in turn (the last one again). */
function watch(answers, { interval = 0, config = { key: 'k', wsHost: 'old.example', deployment: OLD } } = {}) {
  const asked = [];
  const moved = [];
  const failures = [];
  const fetch = async (url, init) => {
    asked.push([url, init]);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    return typeof next === 'function' ? next() : next;
  };
  const deployment = new DeploymentWatch(config, fetch, interval, (fresh) => moved.push(fresh), (error) => failures.push(error));
  return { deployment, asked, moved, failures, config };
}

function withHeader(id) {
  return new Response('{}', { headers: { [DEPLOYMENT_HEADER]: id } });
}

describe('DeploymentWatch', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('follows the config it was given, and none without a deployment', async () => {
    const { deployment } = watch([answer(200, NEW_CONFIG)]);
    assert.equal(deployment.id, OLD.id);
    const none = watch([answer(200, NEW_CONFIG)], { config: { key: 'k', wsHost: 'h' } });
    assert.equal(none.deployment.id, null);
    assert.equal(await none.deployment.check(), false);
    assert.deepEqual(none.asked, [], 'nothing to ask without deployment.endpoint');
  });

  it('moves when the endpoint names another deployment', async () => {
    const { deployment, asked, moved } = watch([answer(200, NEW_CONFIG)]);
    assert.equal(await deployment.check(), true);
    assert.deepEqual(moved, [NEW_CONFIG]);
    const [url, init] = asked[0];
    assert.equal(url, '/realtime/config/');
    assert.equal(init.cache, 'no-store');
    assert.equal(init.credentials, 'same-origin');
  });

  it('stays when the endpoint names the same deployment', async () => {
    const { deployment, moved } = watch([answer(200, { key: 'k', wsHost: 'old.example', deployment: OLD })]);
    assert.equal(await deployment.check(), false);
    assert.deepEqual(moved, []);
  });

  it('asks once for checks made while one is under way', async () => {
    let release;
    const slow = () => new Promise((resolve) => { release = () => resolve(answer(200, NEW_CONFIG)); });
    const { deployment, asked, moved } = watch([slow]);
    const first = deployment.check();
    const second = deployment.check();
    await settle();
    release();
    assert.deepEqual(await Promise.all([first, second]), [true, true]);
    assert.equal(asked.length, 1);
    assert.equal(moved.length, 1);
  });

  it('reports an endpoint that fails or answers no config, and stays', async () => {
    const cases = [
      () => answer(503, 'down'),
      () => answer(200, 'not json'),
      () => answer(200, { key: 'k' }),
      () => { throw new TypeError('Failed to fetch'); },
    ];
    for (const respond of cases) {
      const { deployment, moved, failures } = watch([respond]);
      assert.equal(await deployment.check(), false);
      assert.deepEqual(moved, []);
      assert.equal(failures.length, 1);
    }
    const failed = watch([() => answer(503, 'down')]);
    await failed.deployment.check();
    assert.match(failed.failures[0].message, /\/realtime\/config\/ answered 503/);
    const bare = watch([() => answer(200, { key: 'k' })]);
    await bare.deployment.check();
    assert.match(bare.failures[0].message, /without deployment\.id/);
  });

  it('checks when an answer names another deployment, not its own or none', async () => {
    const { deployment, asked } = watch([answer(200, NEW_CONFIG)]);
    deployment.observed(withHeader(OLD.id));
    deployment.observed(new Response('{}'));
    assert.equal(asked.length, 0);
    deployment.observed(withHeader('pusher:bbbbbbbbbbbb'));
    await settle();
    assert.equal(asked.length, 1);
  });

  it('checks every interval, spread, until stopped', async () => {
    const same = () => answer(200, { key: 'k', wsHost: 'old.example', deployment: OLD });
    const { deployment, asked, failures } = watch([same], { interval: 1000 });
    deployment.start();
    mock.timers.tick(799);
    assert.equal(asked.length, 0, 'never before 0.8 of the interval');
    mock.timers.tick(401);
    await settle();
    assert.equal(asked.length, 1, 'by 1.2 of it');
    mock.timers.tick(1200);
    await settle();
    assert.equal(asked.length, 2);
    deployment.stop();
    mock.timers.tick(5000);
    await settle();
    assert.equal(asked.length, 2);
    assert.deepEqual(failures, []);
  });

  it('does not check periodically with an interval of 0', async () => {
    const { deployment, asked } = watch([answer(200, NEW_CONFIG)], { interval: 0 });
    deployment.start();
    mock.timers.tick(3600000);
    await settle();
    assert.equal(asked.length, 0);
  });
});
