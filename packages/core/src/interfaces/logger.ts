/** Log levels, pino's names and order. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** A log method in pino's shape: a message, or structured fields then a message. */
export interface LogFn {
  (message: string): void;
  (fields: Readonly<Record<string, unknown>>, message?: string): void;
}

/**
 * The logger hotsync writes to. A pino logger satisfies it as is; hotsync is silent unless
 * one is passed in.
 */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Readonly<Record<string, unknown>>): Logger;
}

const noop: LogFn = () => {};

/** Discards everything (the default). */
export const silentLogger: Logger = Object.freeze({
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
});
