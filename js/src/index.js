/**
 * realtime.js: the browser client of django-realtime-core.
 *
 * It speaks the Pusher Channels protocol (version 7), so the same page code works
 * against the self-hosted server (embedded or Tornado + Redis) and against hosted
 * Pusher; only the connection config differs, and `{% realtime_client %}` renders it.
 * One file, no build step for its users, no dependencies, and no secret: every
 * signature comes from the Django authorization endpoints. (It is built from the ES
 * modules of js/src/ in django-realtime-core's repository; realtime.d.ts beside it
 * declares its types for TypeScript.)
 *
 * As a classic script (what `{% realtime_client %}` renders), it defines the global
 * `Realtime`, which also carries the other classes (`Realtime.DataMapper`, ...):
 *
 *     {% load realtime %}
 *     {% realtime_client %}
 *     <script>
 *       const realtime = Realtime.connect();  // reads <script id="realtime-config">
 *       realtime.subscribe('todo.todoitem').bind('created', (item) => console.log(item));
 *     </script>
 *
 * From ES modules, bundlers and Node (a CommonJS file with static named exports):
 *
 *     import { Realtime, DataMapper } from './realtime.js';
 *     const realtime = new Realtime({ key: 'app-key', wsHost: 'ws.example.com', wssPort: 443 });
 *
 * (Node 20 has a global WebSocket with --experimental-websocket; elsewhere pass
 * `new Realtime(config, { WebSocket, fetch })`. Keep the file out of a package whose
 * package.json says "type": "module": it is a CommonJS file for Node.)
 *
 * In short: `realtime.ready()`, `.state`, `.socketId`, `.bind('state_change' | 'connected'
 * | 'error', fn)`, `.subscribe(name)` → Channel (`bind`, `unbind`, `trigger`, `subscribed`,
 * `subscriptionCount`, `members` on presence channels), `.unsubscribe(name)`, `.signin()`
 * → `realtime.user` (its `watchlist` emits `online` and `offline`), `.fetch(url, init)`
 * (adds X-Socket-ID and the CSRF header), `.disconnect()`, `.connect()`; and
 * `new DataMapper(items).bind(channel)`.
 *
 * Routers (django-realtime-core's `ModelRouter`s, at the URLs of `config.routers`), all
 * returning promises that reject with a `RouterError` (`status`, `message`, `errors` by
 * field):
 *
 *     await realtime.getList('todo-item', {todo_list: 1, ordering: 'order', page: 1, page_size: 50});
 *                                        // → {results, count, page, page_size, has_next}
 *     await realtime.getSingle('todo-item', 7);
 *     await realtime.create('todo-item', {todo_list: 1, text: 'Milk'});  // → the object
 *     await realtime.update('todo-item', 7, {done: true});               // partial
 *     await realtime.delete('todo-item', 7);
 *     const channel = await realtime.subscribe('todo-item', {todo_list: 1});  // once subscribed
 *     realtime.unsubscribe('todo-item', {todo_list: 1});
 *     const live = await realtime.live('todo-item', {todo_list: 1, ordering: 'order'});
 *                                        // → LiveList {items, mapper, channel, refresh(), close()}
 *
 * They go through `fetch()` (CSRF header, cookies, X-Socket-ID). Writes take
 * `{excludeSelf: true}`: the server then does not send the change back to this
 * connection (header `X-Realtime-Exclude-Self: 1`), for a page that applies the answer
 * itself. `live()` subscribes first, then loads every page and applies the events that
 * arrived meanwhile, and loads again after a reconnect (unless the server recovered
 * the missed events).
 *
 * Message recovery: a server that announces the "recovery" extension (`realtime.extensions`;
 * the self-hosted one does, hosted Pusher does not) numbers each channel's events; the
 * client keeps `channel.position`, sends it when it subscribes again, drops duplicates
 * and asks again when an event is missing, and emits `realtime:recovery`
 * (`{recovered, position, from}`) on the channel after each attempt. Without the
 * extension nothing of this happens: events sent while disconnected are lost.
 *
 * Switching backends: the config names its deployment; when the library's endpoints
 * answer with another one (or on a reconnect, or every few minutes), the client fetches
 * the current config, emits `deployment_change` and moves there, subscribing again and
 * reloading `live()` lists.
 *
 * Connection state, channels, presence members, client events, user sign-in and
 * reconnection follow pusher-js's behaviour and event names (`pusher:subscription_succeeded`,
 * `pusher:member_added`, ...), so code written for pusher-js reads the same here.
 */

// The module API: the bundle's named exports and the classes the global `Realtime` carries.
export { AuthError, ConnectionError, RouterError } from './errors.js';
export { Channel } from './channel.js';
export { DataMapper } from './datamapper.js';
export { LiveList } from './livelist.js';
export { Members, PresenceChannel } from './presence.js';
export { Realtime } from './realtime.js';
export { User } from './user.js';
export { VERSION } from './protocol.js';

// The types of the public API, for realtime.d.ts.
/** @typedef {import('./config.js').AuthEndpoint} AuthEndpoint */
/** @typedef {import('./config.js').RealtimeConfig} RealtimeConfig */
/** @typedef {import('./config.js').RealtimeOptions} RealtimeOptions */
/** @typedef {import('./config.js').RouterEndpoints} RouterEndpoints */
/** @typedef {import('./connection.js').ConnectionState} ConnectionState */
/** @typedef {import('./config.js').DeploymentInfo} DeploymentInfo */
/** @typedef {import('./datamapper.js').DataChange} DataChange */
/** @typedef {import('./deployment.js').DeploymentChange} DeploymentChange */
/** @typedef {import('./emitter.js').EventCallback} EventCallback */
/** @typedef {import('./emitter.js').GlobalCallback} GlobalCallback */
/** @typedef {import('./presence.js').Member} Member */
/** @typedef {import('./recovery.js').RecoveryOutcome} RecoveryOutcome */
/** @typedef {import('./routers.js').ListPage} ListPage */
/** @typedef {import('./routers.js').LiveOptions} LiveOptions */
/** @typedef {import('./routers.js').RouteParams} RouteParams */
/** @typedef {import('./routers.js').WriteOptions} WriteOptions */
