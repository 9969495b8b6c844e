// Generated from js/src/console.js and the modules it imports (esbuild 0.28.2, typescript 5.9.3):
// edit those sources, then run `make js` and commit this file with them.
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
(function (root) {
'use strict';

// src/console.js
var MAX_LOG_ROWS = 500;
function channelMatcher(pattern) {
  if (!pattern) return () => true;
  const escaped = pattern.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const regex = new RegExp(`^${escaped.join(".*")}$`);
  return (channel) => regex.test(channel);
}
function recordChannels(record) {
  if (record.channels) return record.channels;
  return record.channel === void 0 ? [] : [record.channel];
}
function recordMatches(record, matches) {
  const channels = recordChannels(record);
  return channels.length === 0 || channels.some(matches);
}
function dataText(record) {
  if (record.encrypted) return "end-to-end encrypted: not shown";
  if (record.data === void 0 || record.data === null) return record.truncated ? "(too large to show)" : "";
  return record.truncated ? `${record.data}…` : record.data;
}
function describeRecord(record) {
  const channels = recordChannels(record);
  const more = (record.channel_count || channels.length) - channels.length;
  const listed = channels.join(", ") + (more > 0 ? ` and ${more} more` : "");
  const details = [];
  switch (record.kind) {
    case "publish":
      details.push(`${record.event} (${record.bytes} bytes)`);
      if (record.socket_id) details.push(`not to socket ${record.socket_id}`);
      details.push(dataText(record));
      break;
    case "client_event":
      details.push(`${record.event} from socket ${record.socket_id}`);
      if (record.user_id) details.push(`user ${record.user_id}`);
      details.push(dataText(record));
      break;
    case "member_added":
    case "member_removed":
      details.push(`user ${record.user_id}`);
      break;
    case "subscription_count":
      details.push(`${record.subscription_count} subscriptions`);
      break;
    case "webhook":
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
    details: details.filter(Boolean).join(" · ")
  };
}
function count(value, why) {
  if (value !== null) return String(value);
  return why ? `unknown (${why})` : "unknown";
}
function snapshotTables(inspection, matches) {
  const unknown = inspection.unknown;
  const nodes = inspection.nodes === null ? unknown.nodes || "This backend does not tell its servers." : inspection.nodes.map((node) => [
    node.id,
    count(node.connections, unknown.connections),
    String(node.channels),
    node.last_heartbeat === null ? "this process" : `${node.last_heartbeat.toFixed(1)} s ago`
  ]);
  const shown = inspection.channels.filter((channel) => matches(channel.name));
  const channels = shown.map((channel) => [
    channel.name,
    channel.subscriptions === null ? "unknown" : String(channel.subscriptions),
    channel.users === null ? "" : String(channel.users)
  ]);
  const members = Object.keys(inspection.members).sort().filter(matches).map((channel) => {
    const infos = inspection.members[channel];
    const users = Object.keys(infos).sort().map((user) => {
      const info = infos[user];
      return info === null || info === void 0 ? user : `${user}: ${JSON.stringify(info)}`;
    });
    return [channel, users];
  });
  const notes = [...inspection.notes];
  if (inspection.truncated) notes.push("More channels are occupied than listed: narrow the filter to see them.");
  const presence = shown.filter((channel) => channel.users !== null).length;
  if (presence > members.length) {
    notes.push(`Members are listed for the first ${members.length} presence channels: narrow the filter to see the others'.`);
  }
  for (const field of ["subscriptions", "member_info"]) {
    if (unknown[field]) notes.push(unknown[field]);
  }
  return { nodes, channels, members, notes };
}
function element(document2, id) {
  const found = document2.getElementById(id);
  if (!found) throw new Error(`the console page has no #${id}`);
  return found;
}
function fillRows(body, rows) {
  const document2 = body.ownerDocument;
  body.replaceChildren(...rows.map((cells) => {
    const row = document2.createElement("tr");
    for (const text of cells) {
      const cell = document2.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  }));
}
function startConsole(document2, { Realtime, fetch }) {
  const config = JSON.parse(
    /** @type {string} */
    element(document2, "realtime-console-config").textContent
  );
  const filter = (
    /** @type {HTMLInputElement} */
    element(document2, "console-filter")
  );
  const status = element(document2, "console-status");
  const log = element(document2, "console-log");
  const records = [];
  let matches = channelMatcher(filter.value);
  const logRow = (record) => {
    const { time, kind, channels, details } = describeRecord(record);
    const row = document2.createElement("tr");
    row.dataset.kind = kind;
    for (const text of [time, kind, channels, details]) {
      const cell = document2.createElement("td");
      cell.textContent = text;
      row.append(cell);
    }
    return row;
  };
  const drawLog = () => log.replaceChildren(...records.filter((r) => recordMatches(r, matches)).map(logRow));
  const draw = (inspection) => {
    const tables = snapshotTables(inspection, matches);
    const nodes = element(document2, "console-nodes");
    const nodesTable = element(document2, "console-nodes-table");
    if (typeof tables.nodes === "string") {
      nodes.textContent = tables.nodes;
      nodesTable.hidden = true;
    } else {
      nodes.textContent = tables.nodes.length ? "" : "No socket server is running.";
      nodesTable.hidden = !tables.nodes.length;
      fillRows(element(document2, "console-nodes-body"), tables.nodes);
    }
    fillRows(element(document2, "console-channels-body"), tables.channels);
    element(document2, "console-channels-empty").hidden = tables.channels.length > 0;
    element(document2, "console-members").replaceChildren(...tables.members.map(([channel2, users]) => {
      const group = document2.createElement("div");
      const title = document2.createElement("h3");
      title.textContent = `${channel2} (${users.length})`;
      const list = document2.createElement("ul");
      list.replaceChildren(...users.map((user) => {
        const item = document2.createElement("li");
        item.textContent = user;
        return item;
      }));
      group.append(title, list);
      return group;
    }));
    if (!tables.members.length) element(document2, "console-members").textContent = "No presence channel is occupied.";
    element(document2, "console-notes").replaceChildren(...tables.notes.map((note) => {
      const item = document2.createElement("li");
      item.textContent = note;
      return item;
    }));
  };
  const error = element(document2, "console-error");
  const refresh = async () => {
    const url = `${config.snapshot}?channel=${encodeURIComponent(filter.value)}`;
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) throw new Error(body.error || `the snapshot answered ${response.status}`);
      error.textContent = "";
      draw(body.inspection);
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    }
  };
  let stopped = false;
  let timer;
  const poll = () => {
    const next = () => {
      if (!stopped) timer = setTimeout(poll, config.refresh);
    };
    if (document2.visibilityState === "hidden") next();
    else refresh().then(next);
  };
  filter.addEventListener("input", () => {
    matches = channelMatcher(filter.value);
    drawLog();
    refresh();
  });
  element(document2, "console-clear").addEventListener("click", () => {
    records.length = 0;
    drawLog();
  });
  poll();
  const stopPolling = () => {
    stopped = true;
    clearTimeout(timer);
  };
  if (!config.live) return stopPolling;
  if (!Realtime) throw new Error("the console page needs realtime.js ({% realtime_client %}) before console.js");
  const realtime = Realtime.connect();
  const channel = realtime.subscribe(config.channel);
  const add = (record) => {
    var _a;
    records.unshift(record);
    records.length = Math.min(records.length, MAX_LOG_ROWS);
    if (recordMatches(record, matches)) log.prepend(logRow(record));
    while (log.childElementCount > MAX_LOG_ROWS) (_a = log.lastElementChild) == null ? void 0 : _a.remove();
  };
  for (const kind of config.kinds) channel.bind(kind, add);
  status.textContent = "Live log: connecting…";
  channel.bind("pusher:subscription_succeeded", () => {
    status.textContent = "Live log: on, records appear below as they happen.";
  });
  channel.bind("pusher:subscription_error", (failure) => {
    const reason = failure && (failure.message || failure.error);
    status.textContent = `Live log: the subscription was refused${reason ? ` (${reason})` : ""}.`;
  });
  realtime.bind("state_change", (change) => {
    if (change.current !== "connected") status.textContent = `Live log: ${change.current}…`;
  });
  return () => {
    stopPolling();
    realtime.disconnect();
  };
}
if (typeof document !== "undefined" && document.getElementById("realtime-console-config")) {
  const globals = {
    Realtime: (
      /** @type {{connect(): Realtime}|undefined} */
      /** @type {*} */
      globalThis.Realtime
    ),
    fetch: globalThis.fetch.bind(globalThis)
  };
  const start = () => startConsole(document, globals);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}

// A static object literal: Node reads these names, so ES modules can import them by name.
if (typeof module === 'object' && module && module.exports) {
  module.exports = { MAX_LOG_ROWS, channelMatcher, describeRecord, recordChannels, recordMatches, snapshotTables, startConsole };
} else {
  root.RealtimeConsole = { MAX_LOG_ROWS, channelMatcher, describeRecord, recordChannels, recordMatches, snapshotTables, startConsole };
}
})(typeof globalThis !== 'undefined' ? globalThis : this);
