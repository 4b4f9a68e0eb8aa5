/**
 * The entry of every child process of the bench (servers, the syncing node, the limit
 * probes, ...). It waits for one task on the IPC channel, runs the role's module (loaded on
 * demand, so a probe does not carry libp2p in its heap), sends the result and exits.
 * A child whose parent disappears exits at once: nothing outlives the bench.
 */
import { HotsyncError } from '@hotsync/core';
import { ChildChannel, type ChildIo, send } from './ipc/child-io.js';
import { isParentMessage } from './ipc/protocol.js';
import type { ChildTask } from './ipc/tasks.js';

const channel = new ChildChannel();
let started = false;

process.on('disconnect', () => process.exit(1));
process.on('message', (message: unknown) => {
  if (!isParentMessage(message)) return;
  if (message.kind === 'signal') channel.deliver(message.signal);
  else if (!started) {
    started = true;
    void start(message.task);
  }
});

async function start(task: ChildTask): Promise<void> {
  try {
    const value = await runRole(task, channel);
    // Exit once the result is on its way: a role may leave timers or native threads behind.
    send({ kind: 'result', value }, () => process.exit(0));
  } catch (err) {
    const code = err instanceof HotsyncError ? err.code : undefined;
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    send({ kind: 'error', code, message }, () => process.exit(1));
  }
}

async function runRole(task: ChildTask, io: ChildIo): Promise<unknown> {
  switch (task.role) {
    case 'generate':
      return (await import('./roles/generate.js')).generate(task, io);
    case 'serve':
      return (await import('./roles/serve.js')).serve(task, io);
    case 'produce':
      return (await import('./roles/produce.js')).produce(task, io);
    case 'sync':
      return (await import('./roles/sync.js')).sync(task, io);
    case 'follow':
      return (await import('./roles/follow.js')).follow(task, io);
    case 'raw-transfer':
      return (await import('./roles/raw-transfer.js')).rawTransfer(task, io);
    case 'limit-crypto':
      return (await import('./limits/crypto.js')).measureCrypto(task, io);
    case 'limit-lmdb':
      return (await import('./limits/lmdb.js')).measureLmdb(task, io);
    case 'limit-decode':
      return (await import('./limits/decode.js')).measureDecode(task, io);
    case 'limit-state':
      return (await import('./limits/state.js')).measureState(task, io);
    case 'wan':
      return (await import('./roles/wan.js')).wan(task, io);
  }
}
