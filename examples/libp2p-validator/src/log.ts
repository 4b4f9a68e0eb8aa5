import type { Logger } from '@hotsync/core';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { LogLevelName } from './ipc.js';

/*
 * Logging, pino all the way: a validator process writes pino's JSON lines to stdout
 * (synchronously, so nothing is lost at exit); its parent turns each line into readable
 * text with pino-pretty's formatter and prints it above the progress view. One format for
 * every process, and the JSON is still there for tools (`--log-json`).
 */

/** The logger of a validator process: JSON lines on stdout, tagged with the validator's name. */
export function processLogger(name: string, level: LogLevelName): Logger {
  return pino({ level, base: { name } }, pino.destination({ dest: 1, sync: true }));
}

export interface LinePrinter {
  /** Formats one line a child printed (pino JSON, or anything else as it is). */
  format(line: string): string;
}

/** pino-pretty's formatter for JSON lines: `12:00:01.123 INFO (v3): message key=value`. */
export function prettyLines(options: { readonly colorize: boolean; readonly json?: boolean }): LinePrinter {
  if (options.json) return { format: (line) => line };
  const format = pretty.prettyFactory({
    colorize: options.colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    singleLine: true,
  });
  return {
    format(line) {
      if (!line.startsWith('{')) return line;
      try {
        return format(line).trimEnd();
      } catch {
        return line;
      }
    },
  };
}

/** A logger for the parent process itself, written through `print` (the progress view's log). */
export function parentLogger(
  name: string,
  level: LogLevelName,
  printer: LinePrinter,
  print: (text: string) => void,
): Logger {
  return pino(
    { level, base: { name } },
    {
      write(chunk: string) {
        print(printer.format(chunk.trimEnd()));
      },
    },
  );
}
