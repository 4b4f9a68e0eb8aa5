import { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors.js';

/*
 * SyncConfig: every tunable of hotsync, validated at the edge with zod. Unknown keys are
 * rejected (a typo must not silently fall back to a default).
 */

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const durationMs = z.number().int().positive();

// A cross-field rule says nothing useful when one of its fields is already invalid.
const onlyWhenFieldsValid = (payload: { issues: readonly unknown[] }) => payload.issues.length === 0;

export const VERIFICATION_MODES = ['full', 'anchored'] as const;
export type VerificationMode = (typeof VERIFICATION_MODES)[number];

const strategySchema = z
  .strictObject({
    /** Strategy `start()` uses when none is named; `adaptive` chooses among the others. */
    default: z.string().min(1).default('adaptive'),
    /** Blocks behind at or above which `adaptive` prefers a snapshot (`fast`). */
    fastSyncThreshold: positiveInt.default(50_000),
    /** Blocks behind at or above which `adaptive` uses `parallel` rather than `incremental`. */
    parallelThreshold: positiveInt.default(64),
    /** Blocks behind the network at which a node stops participating and syncs. */
    maxBehindBlocks: positiveInt.default(32),
  })
  .refine((s) => s.parallelThreshold <= s.fastSyncThreshold, {
    message: 'must be at most strategy.fastSyncThreshold',
    path: ['parallelThreshold'],
    when: onlyWhenFieldsValid,
  });

const peersSchema = z.strictObject({
  maxSyncPeers: positiveInt.max(1024).default(16),
  minSyncPeers: positiveInt.default(1),
  rotationIntervalMs: durationMs.default(60_000),
  /** Time after which a request to a peer counts as timed out. */
  peerTimeoutMs: durationMs.default(10_000),
  /** Time from sending a request to its first response byte (DESIGN §8). */
  firstByteTimeoutMs: durationMs.default(5_000),
  maxRequestsPerPeer: positiveInt.max(64).default(2),
});

const performanceSchema = z
  .strictObject({
    /** Requests in flight across all peers. */
    parallelDownloadLimit: positiveInt.max(1024).default(16),
    /** Blocks per range request: the adaptive size stays within [min, max]. */
    batchSizeMin: positiveInt.default(32),
    batchSizeMax: positiveInt.max(65_536).default(512),
    /** Ranges downloaded but not yet processed: bounds memory (the look-ahead window). */
    validationPipelineSize: positiveInt.max(1024).default(8),
    verificationMode: z.enum(VERIFICATION_MODES).default('anchored'),
  })
  .refine((p) => p.batchSizeMin <= p.batchSizeMax, {
    message: 'must be at most performance.batchSizeMax',
    path: ['batchSizeMin'],
    when: onlyWhenFieldsValid,
  });

const networkSchema = z.strictObject({
  /** Bytes per second for all sync downloads together; 0 means no cap. */
  bandwidthCapBytesPerSec: nonNegativeInt.default(0),
  connectionTimeoutMs: durationMs.default(10_000),
  retryAttempts: nonNegativeInt.max(100).default(3),
});

const checkpointsSchema = z.strictObject({
  /** Blocks between checkpoints (each written with the blocks it covers). */
  intervalBlocks: positiveInt.default(1_000),
});

const productionSchema = z.strictObject({
  /** Share of the target height at which a catching-up node may produce blocks again. */
  threshold: z.number().gt(0).max(1).default(0.995),
  /** ...and only when at most this many blocks behind. */
  maxBehindBlocks: nonNegativeInt.default(10),
});

const progressSchema = z.strictObject({
  reportIntervalMs: durationMs.default(1_000),
  /** No progress for this long is a stall: the watchdog starts recovery. */
  stallTimeoutMs: durationMs.default(30_000),
});

const monitoringSchema = z.strictObject({
  enabled: z.boolean().default(true),
});

export const syncConfigSchema = z.strictObject({
  strategy: strategySchema.prefault({}),
  peers: peersSchema.prefault({}),
  performance: performanceSchema.prefault({}),
  network: networkSchema.prefault({}),
  checkpoints: checkpointsSchema.prefault({}),
  production: productionSchema.prefault({}),
  progress: progressSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
});

export type SyncConfig = z.output<typeof syncConfigSchema>;
/** What a user may pass: every field optional, defaults fill the rest. */
export type SyncConfigInput = z.input<typeof syncConfigSchema>;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeAllowed(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `must be ${issue.inclusive === false ? '>' : '>='} ${String(issue.minimum)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? '<' : '<='} ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown field (allowed fields are listed in the SyncConfig docs)`;
    default:
      return issue.message;
  }
}

/**
 * Parses a user config, filling defaults. Throws ConfigError naming every bad field, the
 * value given and what is allowed.
 */
export function parseSyncConfig(input: unknown = {}): SyncConfig {
  const result = syncConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        issues.push({
          path: path.map(String).join('.'),
          value: valueAt(input, path),
          allowed: describeAllowed(issue),
        });
      }
      continue;
    }
    issues.push({
      path: issue.path.map(String).join('.') || '(root)',
      value: valueAt(input, issue.path),
      allowed: describeAllowed(issue),
    });
  }
  throw new ConfigError(issues);
}

/** The defaults, for documentation and tests. */
export function defaultSyncConfig(): SyncConfig {
  return parseSyncConfig({});
}
