import type { ChildTask } from './tasks.js';

/** Messages on the IPC channel between the bench and its child processes (JSON). */

export type ParentSignal = 'go' | 'stop';

export type ParentMessage =
  | { readonly kind: 'task'; readonly task: ChildTask }
  /** `go`: start the timed part (the producer); `stop`: wind down and report. */
  | { readonly kind: 'signal'; readonly signal: ParentSignal };

export type ChildMessage =
  | { readonly kind: 'ready'; readonly info: unknown }
  | { readonly kind: 'result'; readonly value: unknown }
  | { readonly kind: 'error'; readonly code: string | undefined; readonly message: string }
  | { readonly kind: 'log'; readonly line: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

// Hand-written guards: the shapes are tiny, and each side only trusts the envelope; the
// payloads are produced by this package's own code on the other side.
export function isParentMessage(value: unknown): value is ParentMessage {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'task':
      return isRecord(value.task) && typeof value.task.role === 'string';
    case 'signal':
      return value.signal === 'go' || value.signal === 'stop';
    default:
      return false;
  }
}

export function isChildMessage(value: unknown): value is ChildMessage {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case 'ready':
    case 'result':
      return 'info' in value || 'value' in value;
    case 'error':
      return typeof value.message === 'string';
    case 'log':
      return typeof value.line === 'string';
    default:
      return false;
  }
}
