/**
 * console.js: the page script of django-realtime-core's debug console (`realtime_core:console`).
 *
 * The console page renders `{% realtime_client %}`, this script, and its own config as
 * JSON in `<script id="realtime-console-config">`: `{snapshot, channel, kinds, live,
 * refresh}`. The script reads the snapshot URL every `refresh` milliseconds (not while
 * the tab is hidden) and draws the socket servers, the occupied channels and the
 * presence members it answers; with `live` true it subscribes to the console's private
 * channel through realtime.js (the global `Realtime`, connected as every page of the
 * site connects) and adds each record published there to the live log, newest first.
 * The filter field holds a channel pattern, `*` standing for any characters, applied to
 * both. Everything is written into the page as text, never as HTML: records carry what
 * browsers sent.
 *
 * No API: the functions it exports are the parts its tests check.
 */

/** @typedef {import('./realtime.js').Realtime} Realtime */

/**
 * The page's config (`#realtime-console-config`).
 * @typedef {Object} ConsoleConfig
 * @property {string} snapshot The snapshot URL.
 * @property {string} channel The live log's channel.
 * @property {Array<string>} kinds The record kinds: the event names bound on the channel.
 * @property {boolean} live Whether records are published (`REALTIME_CONSOLE`).
 * @property {number} refresh Milliseconds between snapshots.
 */

/**
 * A record of the live log (see realtime_core/console_feed.py for its fields).
 * @typedef {Object} ConsoleRecord
 * @property {string} kind
 * @property {number} time Milliseconds since the epoch.
 * @property {string} [channel]
 * @property {Array<string>} [channels]
 * @property {number} [channel_count]
 * @property {string} [event]
 * @property {string|null} [data]
 * @property {boolean} [truncated]
 * @property {boolean} [encrypted]
 * @property {number} [bytes]
 * @property {string|null} [socket_id]
 * @property {string} [user_id]
 * @property {number} [subscription_count]
 * @property {number} [status]
 * @property {string} [detail]
 * @property {number} [events]
 */

/**
 * A snapshot's inspection (realtime_core/inspection.py's `Inspection`, as JSON).
 * @typedef {Object} Inspection
 * @property {Array<{id: string, connections: number|null, channels: number, last_heartbeat: number|null}>|null} nodes
 * @property {Array<{name: string, subscriptions: number|null, users: number|null}>} channels
 * @property {boolean} truncated
 * @property {Object<string, Object<string, *>>} members
 * @property {Object<string, string>} unknown
 * @property {Array<string>} notes
 */

/** The most records the live log keeps (the oldest go first). */
export const MAX_LOG_ROWS = 500;

/**
 * A test of channel names against `pattern`: `*` stands for any characters, the rest
 * for itself; an empty pattern matches every channel.
 * @param {string} pattern
 * @returns {(channel: string) => boolean}
 */
export function channelMatcher(pattern) {
  if (!pattern) return () => true;
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RegExp(`^${escaped.join('.*')}$`);
  return (channel) => regex.test(channel);
}

/**
 * The channels a record concerns.
 * @param {ConsoleRecord} record
 * @returns {Array<string>}
 */
export function recordChannels(record) {
  if (record.channels) return record.channels;
  return record.channel === undefined ? [] : [record.channel];
}

/**
 * Whether the live log shows `record` under a filter: records about no channel (a
 * webhook refused before it was read) always show.
 * @param {ConsoleRecord} record
 * @param {(channel: string) => boolean} matches
 * @returns {boolean}
 */
export function recordMatches(record, matches) {
  const channels = recordChannels(record);
  return channels.length === 0 || channels.some(matches);
}

/**
 * `data` as a record shows it: the preview, marked when cut.
 * @param {ConsoleRecord} record
 * @returns {string}
 */
function dataText(record) {
  if (record.encrypted) return 'end-to-end encrypted: not shown';
  if (record.data === undefined || record.data === null) return record.truncated ? '(too large to show)' : '';
  return record.truncated ? `${record.data}…` : record.data;
}

/**
 * A record as the live log's cells: time, kind, channels, details.
 * @param {ConsoleRecord} record
 * @returns {{time: string, kind: string, channels: string, details: string}}
 */
export function describeRecord(record) {
  const channels = recordChannels(record);
  const more = (record.channel_count || channels.length) - channels.length;
  const listed = channels.join(', ') + (more > 0 ? ` and ${more} more` : '');
  /** @type {Array<string>} */
  const details = [];
  switch (record.kind) {
    case 'publish':
      details.push(`${record.event} (${record.bytes} bytes)`);
      if (record.socket_id) details.push(`not to socket ${record.socket_id}`);
      details.push(dataText(record));
      break;
    case 'client_event':
      details.push(`${record.event} from socket ${record.socket_id}`);
      if (record.user_id) details.push(`user ${record.user_id}`);
      details.push(dataText(record));
      break;
    case 'member_added':
    case 'member_removed':
      details.push(`user ${record.user_id}`);
      break;
    case 'subscription_count':
      details.push(`${record.subscription_count} subscriptions`);
      break;
    case 'webhook':
      details.push(`${record.events} event(s), answered ${record.status}`);
      if (record.detail) details.push(record.detail);
      break;
    default:
      break;
  }
  return {
    time: new Date(record.time).toISOString().slice(11, 23),
    kind: record.kind,
    channels: listed,
    details: details.filter(Boolean).join(' · '),
  };
}

/**
 * A count, or why it is missing.
 * @param {number|null} value
 * @param {string} [why] The backend's reason, when it said one.
 * @returns {string}
 */
function count(value, why) {
  if (value !== null) return String(value);
  return why ? `unknown (${why})` : 'unknown';
}

/**
 * A snapshot's tables as rows of text, filtered by `matches`.
 * @param {Inspection} inspection
 * @param {(channel: string) => boolean} matches
 * @returns {{nodes: Array<Array<string>>|string, channels: Array<Array<string>>, members: Array<[string, Array<string>]>, notes: Array<string>}}
 */
export function snapshotTables(inspection, matches) {
  const unknown = inspection.unknown;
  const nodes = inspection.nodes === null
    ? unknown.nodes || 'This backend does not tell its servers.'
    : inspection.nodes.map((node) => [
      node.id,
      count(node.connections, unknown.connections),
      String(node.channels),
      node.last_heartbeat === null ? 'this process' : `${node.last_heartbeat.toFixed(1)} s ago`,
    ]);
  const shown = inspection.channels.filter((channel) => matches(channel.name));
  const channels = shown.map((channel) => [
    channel.name,
    channel.subscriptions === null ? 'unknown' : String(channel.subscriptions),
    channel.users === null ? '' : String(channel.users),
  ]);
  /** @type {Array<[string, Array<string>]>} */
  const members = Object.keys(inspection.members).sort().filter(matches).map((channel) => {
    const infos = inspection.members[channel];
    const users = Object.keys(infos).sort().map((user) => {
      const info = infos[user];
      return info === null || info === undefined ? user : `${user}: ${JSON.stringify(info)}`;
    });
    return [channel, users];
  });
  const notes = [...inspection.notes];
  if (inspection.truncated) notes.push('More channels are occupied than listed: narrow the filter to see them.');
  const presence = shown.filter((channel) => channel.users !== null).length;
  if (presence > members.length) {
    notes.push(`Members are listed for the first ${members.length} presence channels: narrow the filter to see the others'.`);
  }
  for (const field of ['subscriptions', 'member_info']) {
    if (unknown[field]) notes.push(unknown[field]);
  }
  return { nodes, channels, members, notes };
}

// The page -------------------------------------------------------------------------------

/**
 * The element with `id`, which the console's template renders.
 * @param {Document} document
 * @param {string} id
 * @returns {HTMLElement}
 */
function element(document, id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the console page has no #${id}`);
  return found;
}

/**
 * Fill `body` with one row of text cells per entry of `rows`.
 * @param {HTMLElement} body A `<tbody>`.
 * @param {Array<Array<string>>} rows
 */
function fillRows(body, rows) {
  const document = body.ownerDocument;
  body.replaceChildren(...rows.map((cells) => {
    const row = document.createElement('tr');
    for (const text of cells) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
}

/**
 * Run the console in `document`: snapshots, and the live log when it is on.
 * @param {Document} document
 * @param {{Realtime: {connect(): Realtime}|undefined, fetch: typeof fetch}} globals
 * @returns {() => void} Stops it: no more snapshots, the connection closed.
 */
export function startConsole(document, { Realtime, fetch }) {
  /** @type {ConsoleConfig} */
  const config = JSON.parse(/** @type {string} */ (element(document, 'realtime-console-config').textContent));
  const filter = /** @type {HTMLInputElement} */ (element(document, 'console-filter'));
  const status = element(document, 'console-status');
  const log = element(document, 'console-log');
  /** @type {Array<ConsoleRecord>} newest first */
  const records = [];
  let matches = channelMatcher(filter.value);

  const logRow = (/** @type {ConsoleRecord} */ record) => {
    const { time, kind, channels, details } = describeRecord(record);
    const row = document.createElement('tr');
    row.dataset.kind = kind;
    for (const text of [time, kind, channels, details]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  };
  const drawLog = () => log.replaceChildren(...records.filter((r) => recordMatches(r, matches)).map(logRow));

  const draw = (/** @type {Inspection} */ inspection) => {
    const tables = snapshotTables(inspection, matches);
    const nodes = element(document, 'console-nodes');
    const nodesTable = element(document, 'console-nodes-table');
    if (typeof tables.nodes === 'string') {
      nodes.textContent = tables.nodes;
      nodesTable.hidden = true;
    } else {
      nodes.textContent = tables.nodes.length ? '' : 'No socket server is running.';
      nodesTable.hidden = !tables.nodes.length;
      fillRows(element(document, 'console-nodes-body'), tables.nodes);
    }
    fillRows(element(document, 'console-channels-body'), tables.channels);
    element(document, 'console-channels-empty').hidden = tables.channels.length > 0;
    element(document, 'console-members').replaceChildren(...tables.members.map(([channel, users]) => {
      const group = document.createElement('div');
      const title = document.createElement('h3');
      title.textContent = `${channel} (${users.length})`;
      const list = document.createElement('ul');
      list.replaceChildren(...users.map((user) => {
        const item = document.createElement('li');
        item.textContent = user;
        return item;
      }));
      group.append(title, list);
      return group;
    }));
    if (!tables.members.length) element(document, 'console-members').textContent = 'No presence channel is occupied.';
    element(document, 'console-notes').replaceChildren(...tables.notes.map((note) => {
      const item = document.createElement('li');
      item.textContent = note;
      return item;
    }));
  };

  const error = element(document, 'console-error');
  const refresh = async () => {
    const url = `${config.snapshot}?channel=${encodeURIComponent(filter.value)}`;
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || `the snapshot answered ${response.status}`);
      error.textContent = '';
      draw(body.inspection);
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    }
  };
  let stopped = false;
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const poll = () => {
    const next = () => {
      if (!stopped) timer = setTimeout(poll, config.refresh);
    };
    if (document.visibilityState === 'hidden') next();
    else refresh().then(next);
  };

  filter.addEventListener('input', () => {
    matches = channelMatcher(filter.value);
    drawLog();
    refresh();
  });
  element(document, 'console-clear').addEventListener('click', () => {
    records.length = 0;
    drawLog();
  });
  poll();
  const stopPolling = () => {
    stopped = true;
    clearTimeout(timer);
  };

  if (!config.live) return stopPolling;
  if (!Realtime) throw new Error('the console page needs realtime.js ({% realtime_client %}) before console.js');
  const realtime = Realtime.connect();
  const channel = realtime.subscribe(config.channel);
  const add = (/** @type {ConsoleRecord} */ record) => {
    records.unshift(record);
    records.length = Math.min(records.length, MAX_LOG_ROWS);
    if (recordMatches(record, matches)) log.prepend(logRow(record));
    while (log.childElementCount > MAX_LOG_ROWS) log.lastElementChild?.remove();
  };
  for (const kind of config.kinds) channel.bind(kind, add);
  status.textContent = 'Live log: connecting…';
  channel.bind('pusher:subscription_succeeded', () => {
    status.textContent = 'Live log: on, records appear below as they happen.';
  });
  channel.bind('pusher:subscription_error', (/** @type {*} */ failure) => {
    const reason = failure && (failure.message || failure.error);
    status.textContent = `Live log: the subscription was refused${reason ? ` (${reason})` : ''}.`;
  });
  realtime.bind('state_change', (/** @type {{current: string}} */ change) => {
    if (change.current !== 'connected') status.textContent = `Live log: ${change.current}…`;
  });
  return () => {
    stopPolling();
    realtime.disconnect();
  };
}

if (typeof document !== 'undefined' && document.getElementById('realtime-console-config')) {
  const globals = {
    Realtime: /** @type {{connect(): Realtime}|undefined} */ (/** @type {*} */ (globalThis).Realtime),
    fetch: globalThis.fetch.bind(globalThis),
  };
  const start = () => startConsole(document, globals);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
