import {
  createMemoryStateMachine,
  encodeRequest,
  encodeResponse,
  hashOfEncodedBlock,
  MemoryChainStore,
  type ResponseChunk,
  serveRequest,
  WIRE_METHODS,
  type WireMethod,
  type WireRequest,
  type WireRequestOf,
} from '@hotsync/core';
import { type GeneratedChain, generateChain } from '@hotsync/core/testing';

/**
 * The seeds the wire fuzzer mutates: for every protocol, valid requests (in range, at the
 * edges, past the tip) and the honest server's encoded answers to them, from a small
 * generated chain with epoch changes and a served snapshot, so every method has real
 * payloads (blocks, status, commit proofs, epoch changes, manifest, chunks).
 */
export interface FuzzCorpus {
  readonly chain: GeneratedChain;
  readonly store: MemoryChainStore;
  readonly chainId: Uint8Array;
  /** Valid requests per method (decoded form). */
  readonly requests: { readonly [M in WireMethod]: readonly WireRequestOf<M>[] };
  /** Their framed encodings. */
  readonly requestBytes: Readonly<Record<WireMethod, readonly Uint8Array[]>>;
  /** Encoded responses the honest server gives, with the request each answers. */
  readonly responses: Readonly<Record<WireMethod, readonly FuzzResponseSeed[]>>;
}

export interface FuzzResponseSeed {
  readonly request: WireRequest;
  readonly bytes: Uint8Array;
  /** Offsets of every chunk header's u32 length (where a huge length is most telling). */
  readonly lengthOffsets: readonly number[];
}

export const FUZZ_CHAIN_BLOCKS = 240;
const EPOCH_LENGTH = 80;
const SNAPSHOT_HEIGHT = 200;

export async function buildFuzzCorpus(seed = 11): Promise<FuzzCorpus> {
  const store = new MemoryChainStore();
  const chain = await generateChain({
    seed,
    blocks: FUZZ_CHAIN_BLOCKS,
    store,
    stateMachine: createMemoryStateMachine({ depth: 8 }),
    epochLength: EPOCH_LENGTH,
    snapshotHeights: [SNAPSHOT_HEIGHT],
    transactionsPerBlock: 3,
  });
  const snapshot = store.snapshots().at(-1)!;
  const hashAt = (h: number) => hashOfEncodedBlock(store.blockBytes(h)!);
  const requests: FuzzCorpus['requests'] = {
    status: [{ method: 'status' }],
    blocks_by_range: [
      { method: 'blocks_by_range', startHeight: 1, count: 1 },
      { method: 'blocks_by_range', startHeight: 17, count: 40 },
      { method: 'blocks_by_range', startHeight: FUZZ_CHAIN_BLOCKS - 5, count: 512 },
      { method: 'blocks_by_range', startHeight: FUZZ_CHAIN_BLOCKS + 100, count: 3 },
    ],
    blocks_by_hash: [
      { method: 'blocks_by_hash', hashes: [hashAt(3)] },
      { method: 'blocks_by_hash', hashes: [hashAt(9), new Uint8Array(32).fill(7), hashAt(150)] },
    ],
    commit_proof: [
      { method: 'commit_proof', height: 50 },
      { method: 'commit_proof', height: EPOCH_LENGTH },
      { method: 'commit_proof', height: FUZZ_CHAIN_BLOCKS + 1 },
    ],
    epoch_change_proof: [
      { method: 'epoch_change_proof', epoch: 0 },
      { method: 'epoch_change_proof', epoch: 1 },
      { method: 'epoch_change_proof', epoch: 9 },
    ],
    snapshot_manifest: [{ method: 'snapshot_manifest' }],
    snapshot_chunk: [
      { method: 'snapshot_chunk', stateRoot: snapshot.stateRoot, index: 0 },
      { method: 'snapshot_chunk', stateRoot: snapshot.stateRoot, index: snapshot.chunkCount - 1 },
      { method: 'snapshot_chunk', stateRoot: new Uint8Array(32), index: 0 },
    ],
  };
  const requestBytes = {} as Record<WireMethod, Uint8Array[]>;
  const responses = {} as Record<WireMethod, FuzzResponseSeed[]>;
  for (const method of WIRE_METHODS) {
    requestBytes[method] = requests[method].map((r) => encodeRequest(r));
    responses[method] = requests[method].map((request) => {
      const chunks = serveRequest(store, method, encodeRequest(request), { chainId: chain.chainId });
      return { request, bytes: encodeResponse(chunks), lengthOffsets: lengthOffsets(chunks) };
    });
    // An error answer of each kind is a valid response too.
    responses[method].push(
      errorSeed(requests[method][0]!, { code: 'rate-limited', retryAfterMs: 250, message: 'slow down' }),
      errorSeed(requests[method][0]!, { code: 'unavailable', message: 'not here' }),
    );
  }
  return { chain, store, chainId: chain.chainId, requests, requestBytes, responses };
}

function errorSeed(request: WireRequest, chunk: ResponseChunk): FuzzResponseSeed {
  return { request, bytes: encodeResponse([chunk]), lengthOffsets: [1] };
}

function lengthOffsets(chunks: readonly ResponseChunk[]): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const chunk of chunks) {
    offsets.push(at + 1);
    at += encodeResponse([chunk]).length;
  }
  return offsets;
}

// ---- valid-shaped messages with out-of-range values ------------------------------------

/** Bytes from big-endian fields written as they are (no range checks: that is the point). */
function raw(
  ...fields: readonly (readonly ['u8' | 'u32' | 'u64', number | bigint] | Uint8Array)[]
): Uint8Array {
  let length = 0;
  for (const f of fields)
    length += f instanceof Uint8Array ? f.length : f[0] === 'u8' ? 1 : f[0] === 'u32' ? 4 : 8;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const f of fields) {
    if (f instanceof Uint8Array) {
      out.set(f, at);
      at += f.length;
    } else if (f[0] === 'u8') view.setUint8(at++, Number(f[1]));
    else if (f[0] === 'u32') {
      view.setUint32(at, Number(f[1]));
      at += 4;
    } else {
      view.setBigUint64(at, BigInt(f[1]));
      at += 8;
    }
  }
  return out;
}

/** A framed request whose prefix agrees with its body. */
function framed(body: Uint8Array): Uint8Array {
  return raw(['u32', body.length], body);
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const U64_MAX = 2n ** 64n - 1n;

/** Requests of `method` whose fields are out of range (beyond safe integers, limits, the tip). */
export function outOfRangeRequests(corpus: FuzzCorpus, method: WireMethod): Uint8Array[] {
  const root = corpus.store.snapshots().at(-1)!.stateRoot;
  const hashes = (n: number) => {
    const out = new Uint8Array(n * 32);
    for (let i = 0; i < out.length; i++) out[i] = (i * 31) & 0xff;
    return out;
  };
  switch (method) {
    case 'status':
    case 'snapshot_manifest':
      return [framed(raw(['u8', 0])), raw(['u32', 0xffffffff]), raw(['u32', 16 * 1024])];
    case 'blocks_by_range':
      return [
        framed(raw(['u64', MAX_SAFE], ['u32', 512])),
        framed(raw(['u64', MAX_SAFE - 1], ['u32', 512])), // start + count passes 2^53
        framed(raw(['u64', 2n ** 53n], ['u32', 1])),
        framed(raw(['u64', U64_MAX], ['u32', 1])),
        framed(raw(['u64', 1], ['u32', 0])),
        framed(raw(['u64', 1], ['u32', 513])),
        framed(raw(['u64', 1], ['u32', 0xffffffff])),
        framed(raw(['u64', FUZZ_CHAIN_BLOCKS], ['u32', 512])),
      ];
    case 'blocks_by_hash':
      return [
        framed(raw(['u32', 0])),
        framed(raw(['u32', 65], hashes(65))),
        framed(raw(['u32', 64], hashes(64))),
        framed(raw(['u32', 0xffffffff], hashes(1))),
        framed(raw(['u32', 3], hashes(1))), // claims 3 hashes, carries one
      ];
    case 'commit_proof':
      return [
        framed(raw(['u64', MAX_SAFE])),
        framed(raw(['u64', 2n ** 53n])),
        framed(raw(['u64', U64_MAX])),
        framed(raw(['u64', 0])),
      ];
    case 'epoch_change_proof':
      return [framed(raw(['u64', MAX_SAFE])), framed(raw(['u64', U64_MAX])), framed(raw(['u64', 2]))];
    case 'snapshot_chunk':
      return [
        framed(raw(root, ['u32', 0xffffffff])),
        framed(raw(root, ['u32', 0x80000000])),
        framed(raw(new Uint8Array(32).fill(0xff), ['u32', 0])),
      ];
  }
}

/** Responses for `method` with out-of-range values: huge numbers, unknown codes, over-long errors. */
export function outOfRangeResponses(corpus: FuzzCorpus, method: WireMethod): Uint8Array[] {
  const chunk = (code: number, payload: Uint8Array) => raw(['u8', code], ['u32', payload.length], payload);
  const common = [
    chunk(5, new Uint8Array(0)),
    chunk(255, new Uint8Array(3)),
    chunk(4, raw(['u32', 0xffffffff])), // rate-limited, retry after 49 days
    chunk(2, new Uint8Array(257).fill(0x61)), // an error message past 256 bytes
    chunk(1, Uint8Array.of(0xff, 0xfe, 0xc0)), // not UTF-8
    raw(['u8', 0], ['u32', 0xffffffff]), // an ok chunk claiming 4 GiB, no payload
    raw(['u8', 0], ['u32', (16 << 20) + 1], new Uint8Array(64)),
  ];
  const chainId = corpus.chainId;
  switch (method) {
    case 'status':
      return [
        ...common,
        chunk(
          0,
          raw(chainId, ['u64', U64_MAX], ['u64', 0], ['u64', 0], new Uint8Array(32), ['u64', 0], ['u8', 0]),
        ),
        chunk(
          0,
          raw(
            chainId,
            ['u64', MAX_SAFE],
            ['u64', MAX_SAFE],
            ['u64', MAX_SAFE],
            new Uint8Array(32),
            ['u64', MAX_SAFE],
            ['u8', 1],
            ['u64', MAX_SAFE],
          ),
        ),
        chunk(0, raw(chainId, ['u64', 5], ['u64', 5], ['u64', 0], new Uint8Array(32), ['u64', 9], ['u8', 2])),
        chunk(0, raw(chainId, ['u64', 5], ['u64', 5], ['u64', 0], new Uint8Array(32), ['u64', 1], ['u8', 1])), // flag without height
      ];
    case 'blocks_by_range':
    case 'blocks_by_hash': {
      const many = new Uint8Array(513 * 5); // 513 empty ok chunks: more than any request may get
      return [...common, many, chunk(0, new Uint8Array(0)), chunk(0, raw(['u64', U64_MAX]))];
    }
    case 'commit_proof':
    case 'epoch_change_proof':
      return [...common, chunk(0, raw(['u8', 2])), chunk(0, raw(['u8', 0xff], new Uint8Array(200)))];
    case 'snapshot_manifest':
      return [
        ...common,
        chunk(
          0,
          raw(
            ['u64', U64_MAX],
            new Uint8Array(64),
            ['u8', 0],
            ['u8', 1],
            ['u32', 0xffffffff],
            ['u64', U64_MAX],
          ),
        ),
        chunk(
          0,
          raw(
            ['u64', MAX_SAFE],
            new Uint8Array(64),
            ['u8', 0xff],
            ['u8', 0xff],
            ['u32', 0xffffffff],
            ['u64', MAX_SAFE],
          ),
        ),
      ];
    case 'snapshot_chunk':
      return [
        ...common,
        chunk(0, raw(new Uint8Array(32), ['u32', 0xffffffff], ['u32', 0xffffffff])),
        chunk(0, raw(new Uint8Array(32), ['u32', 0], ['u32', (16 << 20) + 1], new Uint8Array(8))),
      ];
  }
}
