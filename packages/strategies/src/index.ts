/**
 * @hotsync/strategies: ways to sync: incremental, parallel, fast and adaptive, and the
 * download coordinator they share.
 *
 * @packageDocumentation
 */
export * from './incremental.js';
export * from './range-fetch.js';
