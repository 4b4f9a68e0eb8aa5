// First, before libp2p loads: Node 20 lacks Promise.withResolvers (TOOLCHAIN.md).
import '@hotsync/network/polyfill';
import type { Logger } from '@hotsync/core';
import type { FromValidator, ToValidator } from './ipc.js';
import { processLogger } from './log.js';
import { Validator } from './validator.js';

/*
 * The entry of one validator process (forked by `ValidatorProcess`). It does what its parent
 * says over IPC: `start` (open stores, listen), `connect` (dial peers, start consensus and
 * the sync coordinator), `isolate`/`heal`, `stop`; and reports back: where it listens,
 * mode changes, sync progress while it syncs, a measured report of each sync, and its
 * status (heights, who signed the QCs it committed). Logs are pino JSON lines on stdout.
 * If the parent goes away (the IPC channel closes) it shuts down cleanly.
 */

let validator: Validator | undefined;
let logger: Logger | undefined;
let timers: NodeJS.Timeout[] = [];
let queue: Promise<void> = Promise.resolve();
let exiting = false;

function send(message: FromValidator): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

async function handle(message: ToValidator): Promise<void> {
  switch (message.type) {
    case 'start': {
      const { config } = message;
      logger = processLogger(config.name, config.logLevel);
      const v = await Validator.open(config, logger);
      validator = v;
      v.coordinator.on('mode', ({ to, reason }) => {
        // The last reading of a sync first, so a progress view ends on what was reached.
        if (to === 'participating') void send({ type: 'sync-progress', progress: v.progress() });
        void send({ type: 'mode', to, reason, height: v.engine.committedHeight() });
      });
      v.episodes.onReport((report) => void send({ type: 'sync-report', report }));
      await send({
        type: 'listening',
        peerId: v.node.peerId,
        addrs: v.addrs(),
        metricsPort: v.metricsPort,
        height: v.engine.committedHeight(),
      });
      return;
    }
    case 'connect': {
      const v = need();
      const first = timers.length === 0;
      await v.connect(message.peers);
      if (!first) return;
      await send({ type: 'running', height: v.engine.committedHeight() });
      timers.push(
        setInterval(() => void send({ type: 'status', status: v.status() }), v.config.reportIntervalMs),
        setInterval(() => {
          if (v.coordinator.mode() === 'syncing')
            void send({ type: 'sync-progress', progress: v.progress() });
        }, 250),
      );
      return;
    }
    case 'isolate':
      return need().isolate();
    case 'heal':
      return need().heal();
    case 'stop':
      return shutdown(0);
  }
}

function need(): Validator {
  if (!validator) throw new Error('not started: the parent must send "start" first');
  return validator;
}

async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  for (const t of timers) clearInterval(t);
  timers = [];
  try {
    await validator?.stop();
  } catch (err) {
    logger?.error({ err }, 'stopping failed');
    code = 1;
  }
  if (code === 0) await send({ type: 'stopped' });
  process.exit(code);
}

async function fail(err: unknown): Promise<void> {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  logger?.fatal({ err }, 'validator failed');
  if (!logger) process.stderr.write(`${message}\n`);
  await send({ type: 'fatal', message });
  await shutdown(1);
}

process.on('message', (message: ToValidator) => {
  queue = queue.then(() => handle(message)).catch(fail);
});
// The parent went away (or closed the channel): stop cleanly rather than linger.
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Ctrl-C reaches the whole process group: the parent decides, and sends `stop`.
process.on('SIGINT', () => {});
process.on('uncaughtException', (err) => void fail(err));
process.on('unhandledRejection', (err) => void fail(err));
