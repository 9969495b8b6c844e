/**
 * Following a switch of backends. The config `{% realtime_client %}` renders names the
 * deployment it connects to (`config.deployment.id`: the backend's name and a hash of
 * where browsers connect) and where the current config is served
 * (`config.deployment.endpoint`). The library's endpoints (authorization, routers,
 * history) answer with the current deployment in the `X-Realtime-Deployment` header.
 * When an answer names another deployment, when the connection drops or stays
 * unavailable, and every `deploymentCheckInterval` ms, the client asks the endpoint for
 * the current config; when that names another deployment, the client moves to it.
 */

import { checkConfig } from './config.js';
import { Timers } from './timers.js';

/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/**
 * What fetches the config endpoint.
 * @typedef {(url: string, init: RequestInit) => Promise<Response>} ConfigFetch
 */

/** The header of the endpoints' answers (the current deployment) and of the page's requests. */
export const DEPLOYMENT_HEADER = 'X-Realtime-Deployment';

/**
 * What the client's `deployment_change` event passes, once it is moving.
 * @typedef {Object} DeploymentChange
 * @property {string} previous The deployment the page was connected to.
 * @property {string} current The one it connects to now.
 * @property {RealtimeConfig} config The new connection config (`realtime.config`).
 */

/**
 * Random delay in [0.8, 1.2] of `delay`: pages opened together ask at different times.
 * @param {number} delay
 * @returns {number}
 */
function spread(delay) {
  return delay * (0.8 + Math.random() * 0.4);
}

/** Asks for the current deployment when there is a reason to, and moves to it. */
export class DeploymentWatch {
  /**
   * @param {RealtimeConfig} config The config followed (by its `deployment`, if any).
   * @param {ConfigFetch} fetch Fetches the config endpoint.
   * @param {number} interval ms between two periodic checks; 0 for none.
   * @param {(config: RealtimeConfig) => void} move Takes the new config.
   * @param {(error: Error) => void} failed A check that could not be made or read.
   */
  constructor(config, fetch, interval, move, failed) {
    /** @private */
    this._config = config;
    /** @private */
    this._fetch = fetch;
    /** @private */
    this._interval = interval;
    /** @private */
    this._move = move;
    /** @private */
    this._failed = failed;
    /** @private */
    this._timers = new Timers();
    /**
     * @private the check under way, else null
     * @type {Promise<boolean>|null}
     */
    this._checking = null;
    /** @private between start() and stop() */
    this._running = false;
  }

  /**
   * The deployment of the current config, else null (a config without one is not followed).
   * @returns {string|null}
   */
  get id() {
    const deployment = this._config.deployment;
    return deployment && typeof deployment.id === 'string' ? deployment.id : null;
  }

  /** Check every `interval` ms from now on, until `stop()`. */
  start() {
    this._running = true;
    this._schedule();
  }

  /** No more periodic checks. */
  stop() {
    this._running = false;
    this._timers.clearAll();
  }

  /** @private */
  _schedule() {
    if (!this._running || this._interval <= 0 || this.id === null) return;
    this._timers.set('periodic', spread(this._interval), () => {
      this.check().then(() => this._schedule());
    });
  }

  /**
   * An answer of one of the client's requests: check when it names another deployment.
   * @param {Response} response
   */
  observed(response) {
    const named = response.headers && response.headers.get(DEPLOYMENT_HEADER);
    if (named && this.id !== null && named !== this.id) this.check();
  }

  /**
   * Ask the config endpoint for the current config, and move to it when it names
   * another deployment. One check at a time: a second call shares the first's answer.
   * @returns {Promise<boolean>} whether the client moved; never rejects (a failure
   *   goes to `failed`).
   */
  check() {
    if (this._checking === null) {
      this._checking = this._ask().finally(() => {
        this._checking = null;
      });
    }
    return this._checking;
  }

  /**
   * @private
   * @returns {Promise<boolean>}
   */
  async _ask() {
    const asked = this.id;
    const deployment = this._config.deployment;
    if (asked === null || !deployment || typeof deployment.endpoint !== 'string') return false;
    /** @type {*} */
    let fresh;
    try {
      const response = await this._fetch(deployment.endpoint, {
        headers: { Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok) throw new Error(`${deployment.endpoint} answered ${response.status}`);
      fresh = await response.json();
      checkConfig(fresh);
      if (!fresh.deployment || typeof fresh.deployment.id !== 'string') {
        throw new Error(`${deployment.endpoint} answered a config without deployment.id`);
      }
    } catch (error) {
      this._failed(/** @type {Error} */ (error));
      return false;
    }
    // Moved meanwhile, or still where the endpoint says: nothing to do.
    if (this.id !== asked || fresh.deployment.id === asked) return false;
    this._move(fresh);
    return true;
  }
}
