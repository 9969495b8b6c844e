// Generated from js/src/catch-up.js and the modules it imports (esbuild 0.28.2, typescript 5.9.3):
// edit those sources, then run `make js` and commit this file with them.
// js/src/catch-up.js

/**
 * `{epoch, offset}` of an `"epoch:offset"` string, or null.
 * @param {*} text
 * @returns {HistoryPosition|null}
 */
declare function parsePosition(text: any): HistoryPosition | null;
/**
 * Fetch what `channel` missed after `since` and hand each event to `onEvent(channel,
 * event, data, {position, replayed: true})`; with `until` (a position), only the events
 * up to it (the later ones arrive live).
 * @param {string} channel
 * @param {CatchUpOptions} [options]
 * @returns {Promise<CatchUpAnswer>} rejects with a {@link CatchUpError}
 */
declare function catchUp(channel: string, { endpoint, since, until, fetch, headers, onEvent }?: CatchUpOptions): Promise<CatchUpAnswer>;
/**
 * Catch up every channel `pusher` (a pusher-js 8 client) subscribes to again (see the
 * header). Returns `{position(channel), forget(channel), stop()}`.
 * @param {PusherClient} pusher
 * @param {ResumeOptions} [options]
 * @returns {Resumer}
 */
declare function resumeOnResubscribe(pusher: PusherClient, { endpoint, fetch, headers, onEvent, onReset }?: ResumeOptions): Resumer;
/**
 * Follow a switch of backends with pusher-js (see the header).
 * @param {PusherClient} pusher
 * @param {FollowOptions} options
 * @returns {Follower}
 */
declare function followDeployment(pusher: PusherClient, { config, onMove, interval, fetch, onError }?: FollowOptions): Follower;
/** The history endpoint refused or failed (`status` 0: it could not be reached). */
declare class CatchUpError extends Error {
    /**
     * @param {number} status
     * @param {string} [message]
     */
    constructor(status: number, message?: string);
    /** HTTP status (0 when the endpoint could not be reached). */
    status: number;
}
/**
 * A position of the history endpoint.
 */
type HistoryPosition = {
    epoch: string;
    offset: number;
};
/**
 * One event of the history endpoint's answer.
 */
type HistoryEvent = {
    channel: string;
    event: string;
    /**
     * As published (a string, JSON-decoded when given to `onEvent`).
     */
    data: any;
    position: string;
};
/**
 * What `catchUp()` resolves with.
 */
type CatchUpAnswer = {
    /**
     * The channel's position at the server.
     */
    position: string | null;
    /**
     * Whether the history reached back to `since`.
     */
    recovered: boolean;
    /**
     * The events handed to `onEvent`.
     */
    events: Array<HistoryEvent>;
};
/**
 * Called with each missed event, in order.
 */
type OnEvent = (channel: string, event: string, data: any, meta: {
    position: string;
    replayed: true;
}) => void;
/**
 * Options of `catchUp()`.
 */
type CatchUpOptions = {
    /**
     * The history URL (`{% url 'realtime_core:history' %}`).
     */
    endpoint: string;
    /**
     * The last position the client has.
     */
    since?: string | undefined;
    /**
     * Only the events up to this position (the later ones arrive live).
     */
    until?: string | undefined;
    /**
     * Default: the global fetch.
     */
    fetch?: FetchFunction | undefined;
    /**
     * Sent with every request.
     */
    headers?: {
        [x: string]: string;
    } | undefined;
    onEvent?: OnEvent | undefined;
};
/**
 * Options of `resumeOnResubscribe()`.
 */
type ResumeOptions = {
    /**
     * The history URL (`{% url 'realtime_core:history' %}`).
     */
    endpoint: string;
    /**
     * Default: the global fetch.
     */
    fetch?: FetchFunction | undefined;
    /**
     * Sent with every request.
     */
    headers?: {
        [x: string]: string;
    } | undefined;
    onEvent?: OnEvent | undefined;
    /**
     * Could not catch up: load the state again.
     */
    onReset?: ((channel: string, answer: CatchUpAnswer & {
        error?: CatchUpError;
    }) => void) | undefined;
};
/**
 * What `resumeOnResubscribe()` returns.
 */
type Resumer = {
    /**
     * The last position seen on `channel`.
     */
    position: (channel: string) => string | undefined;
    /**
     * Do not catch up `channel` when it is subscribed again.
     */
    forget: (channel: string) => boolean;
    /**
     * Stop following the client.
     */
    stop: () => void;
};
/**
 * Options of `followDeployment()`.
 */
type FollowOptions = {
    /**
     * The config the client was created with (`{% realtime_client %}`'s).
     */
    config: FollowedConfig;
    /**
     * Connect the page
     * with the new config (see the header).
     */
    onMove: (config: FollowedConfig, previous: string) => void;
    /**
     * ms between two periodic questions (default 300000; 0: none).
     */
    interval?: number | undefined;
    /**
     * Default: the global fetch.
     */
    fetch?: FetchFunction | undefined;
    /**
     * A question that failed (default: ignored).
     */
    onError?: ((error: Error) => void) | undefined;
};
/**
 * A connection config with its deployment, as `{% realtime_client %}` renders it.
 */
type FollowedConfig = {
    key: string;
    deployment?: {
        id: string;
        endpoint: string;
    } | undefined;
};
/**
 * What `followDeployment()` returns.
 */
type Follower = {
    /**
     * Ask now; resolves with whether `onMove` was called.
     */
    check: () => Promise<boolean>;
    /**
     * An answer of the library's endpoints
     * (a router call, say): asks when it names another deployment.
     */
    observe: (response: Response) => void;
    /**
     * Follow another
     * client and its config from now on (the one `onMove` created).
     */
    follow: (pusher: PusherClient, config: FollowedConfig) => void;
    /**
     * Stop following.
     */
    stop: () => void;
};
/**
 * The parts of a pusher-js 8 client this file uses (its connection and, an internal,
 * the connection's current transport).
 */
type PusherClient = {
    connection: PusherConnection;
};
type PusherConnection = {
    bind: (event: string, callback: () => void) => void;
    unbind: (event: string, callback: () => void) => void;
    connection?: {
        transport?: PusherTransport | null;
    } | null | undefined;
};
type PusherTransport = {
    bind: (event: string, callback: (message: {
        data: string;
    }) => void) => void;
    unbind: (event: string, callback: (message: {
        data: string;
    }) => void) => void;
};
/**
 * A fetch implementation: the global one, or a compatible one.
 */
type FetchFunction = (url: string, init?: RequestInit) => Promise<Response>;

export { CatchUpError, catchUp, followDeployment, parsePosition, resumeOnResubscribe };
export type { CatchUpAnswer, CatchUpOptions, FetchFunction, FollowOptions, FollowedConfig, Follower, HistoryEvent, HistoryPosition, OnEvent, PusherClient, PusherConnection, PusherTransport, ResumeOptions, Resumer };
