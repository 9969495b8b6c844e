// TypeScript code against the shipped declarations (realtime.d.ts, catch-up.d.ts), as
// an app would write it: `tsc -p js/tsconfig.json` (make lint) compiles it, so the
// declarations must give the public API its types and hide the internals.

import { catchUp, type CatchUpAnswer } from '../../realtime_core/static/realtime_core/catch-up.js';
import {
  type Channel,
  DataMapper,
  type DeploymentChange,
  type ListPage,
  type LiveList,
  Realtime,
  type RealtimeConfig,
} from '../../realtime_core/static/realtime_core/realtime.js';

const config: RealtimeConfig = { key: 'app-key', wsHost: 'ws.example.com', wssPort: 443 };
const realtime = new Realtime(config, { activityTimeout: 60000 });
const news: Channel = realtime.subscribe('news');
news.bind('created', (item: unknown) => console.log(item));
const routed: Promise<Channel> = realtime.subscribe('todo-item', { todo_list: 1 });
const page: Promise<ListPage> = realtime.getList('todo-item', { page: 1 });
const live: Promise<LiveList> = realtime.live('todo-item', { todo_list: 1 }, { key: 'id' });
const mapper: DataMapper = new Realtime.DataMapper([]);
mapper.bind(news);
realtime.ready().then((connected) => connected.socketId?.toUpperCase());
const count: number | null = news.subscriptionCount;
realtime.signin().watchlist.bind('online', (event: { user_ids: string[] }) => event.user_ids);
realtime.bind('deployment_change', (change: DeploymentChange) => console.log(change.current, change.config.key));
const moved: Promise<boolean> = realtime.checkDeployment();
const followed: RealtimeConfig = { ...config, deployment: { id: 'pusher:3f9a0c1b2d4e', endpoint: '/realtime/config/' } };
const caughtUp: Promise<CatchUpAnswer> = catchUp('news', { endpoint: '/realtime/history/' });
// @ts-expect-error the parts the facade composes are private
realtime._connection;
// @ts-expect-error what the modules use among themselves is not declared
news._handle;

export { caughtUp, count, followed, live, moved, page, routed };
