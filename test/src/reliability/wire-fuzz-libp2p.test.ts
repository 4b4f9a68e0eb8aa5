import {
  bytesEqual,
  DEFAULT_WIRE_LIMITS,
  decodeResponse,
  encodeResponse,
  MemoryChainStore,
  RequestError,
  serveRequest,
  WIRE_METHODS,
  type WireMethod,
  type WireRequest,
} from '@hotsync/core';
import { sendRequest } from '@hotsync/network';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Libp2pNodes, type Libp2pTestNode, untilConnected } from '../fixtures/libp2p-nodes.js';
import { COUNTS } from './counts.js';
import { buildFuzzCorpus, FUZZ_CHAIN_BLOCKS, type FuzzCorpus } from './fuzz-corpus.js';
import { splitAt } from './fuzz-inputs.js';
import { answerRaw, rawExchange } from './fuzz-libp2p.js';
import { requestInputs, responseInputs } from './fuzz-protocol-inputs.js';

/*
 * The smaller half of the wire fuzzing (issue 11): COUNTS.fuzzWireInputs generated inputs
 * per protocol over real libp2p streams (TCP, noise, yamux on 127.0.0.1). Requests go to a
 * real server node, which must answer each with a well-formed response or end the stream,
 * in time, and keep serving an honest node afterwards. Responses come from a fuzzing
 * server to the real client request path (`sendRequest`), which must resolve with a value
 * or reject with a RequestError, in time, and keep working with an honest server.
 * Replay: HOTSYNC_FUZZ_SEED=<seed>.
 */
const SEED = Number(process.env.HOTSYNC_FUZZ_SEED ?? 20_261_204);
const PER_PROTOCOL = COUNTS.fuzzWireInputs;
/** Scaled to the count (a test still running when vitest gives up goes on in the background and disturbs the next). */
const TEST_TIMEOUT_MS = 120_000 + PER_PROTOCOL * WIRE_METHODS.length * 50;
/** A raw exchange not ended by the server in this long is a hang (its own timeouts are 5 s). */
const EXCHANGE_DEADLINE_MS = 15_000;

const nodes = new Libp2pNodes();
let corpus: FuzzCorpus;
let server: Libp2pTestNode;
let honest: Libp2pTestNode;

beforeAll(async () => {
  corpus = await buildFuzzCorpus();
  server = await nodes.start({ chainId: corpus.chainId, store: corpus.store, seed: 1 });
  honest = await nodes.start({ chainId: corpus.chainId, store: new MemoryChainStore(), seed: 2 });
  await honest.dial(server.multiaddrs()[0]!);
  await untilConnected(honest, [server.peerId]);
  console.log(
    `wire fuzz over libp2p: seed ${SEED} (replay: HOTSYNC_FUZZ_SEED=${SEED} npx vitest run test/src/reliability/wire-fuzz-libp2p.test.ts), ${PER_PROTOCOL} inputs per protocol and direction`,
  );
}, 60_000);

afterAll(() => nodes.stopAll());

/** The honest node is still served, and was never blamed for the fuzzer's inputs. */
async function honestStillServed(): Promise<void> {
  const status = await honest.sync.status(server.peerId);
  expect(status.height).toBe(FUZZ_CHAIN_BLOCKS);
  const blocks = await honest.sync.blocksByRange(server.peerId, { startHeight: 1, count: 32 });
  expect(blocks).toHaveLength(32);
  expect(server.peers.isBanned(honest.peerId)).toBe(false);
  const failures = Object.values(server.peers.peer(honest.peerId)?.failures ?? {});
  expect(failures.reduce((n, f) => n + f, 0)).toBe(0);
}

describe('wire fuzzing over libp2p: a real server', () => {
  it(
    'answers every fuzzed request well-formed or ends its stream, penalizes only the fuzzers, and keeps serving',
    async () => {
      const counts = { sent: 0, answered: 0, ended: 0, cutOffByPenalty: 0, identities: 0, refusedDials: 0 };
      let fuzzer: Libp2pTestNode | undefined;
      const freshFuzzer = async () => {
        if (fuzzer) await fuzzer.stop(); // banned: its part is done
        counts.identities++;
        const node = await nodes.start({
          chainId: corpus.chainId,
          store: new MemoryChainStore(),
          seed: 100 + counts.identities,
        });
        for (let attempt = 0; ; attempt++) {
          try {
            await node.dial(server.multiaddrs()[0]!);
            return node;
          } catch (err) {
            // libp2p accepts a few new connections per second from one host (its
            // inboundConnectionThreshold): a new identity may have to wait its turn.
            counts.refusedDials++;
            if (attempt >= 40) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      };
      for (const [index, method] of WIRE_METHODS.entries()) {
        const inputs = fc.sample(
          fc.tuple(requestInputs(corpus, method), fc.array(fc.nat(), { maxLength: 3 })),
          {
            seed: SEED + index,
            numRuns: PER_PROTOCOL,
          },
        );
        for (const [input, splits] of inputs) {
          // A fuzzer the server banned cannot open streams: the next input comes from a new identity.
          let reply: Awaited<ReturnType<typeof rawExchange>> | undefined;
          for (let attempt = 0; !reply; attempt++) {
            if (!fuzzer || server.peers.isBanned(fuzzer.peerId)) fuzzer = await freshFuzzer();
            try {
              reply = await rawExchange(
                fuzzer,
                server,
                method,
                splitAt(input.bytes, splits),
                EXCHANGE_DEADLINE_MS,
              );
            } catch (err) {
              // No stream: the server disconnected or banned this fuzzer meanwhile.
              counts.refusedDials++;
              if (attempt >= 3) throw err;
              fuzzer = await freshFuzzer();
            }
          }
          counts.sent++;
          expect(reply.timedOut).toBe(false);
          const view = new DataView(input.bytes.buffer, input.bytes.byteOffset, input.bytes.byteLength);
          const length = input.bytes.length >= 4 ? view.getUint32(0) : undefined;
          const complete =
            length !== undefined &&
            length <= DEFAULT_WIRE_LIMITS.maxRequestBytes &&
            input.bytes.length >= 4 + length;
          if (!complete) {
            // Oversized or truncated: the server ends the stream without a byte (the requester
            // may see a reset, or only the end, depending on which side closed first).
            expect(reply.bytes).toHaveLength(0);
            counts.ended++;
            continue;
          }
          const answer = (bytes: Uint8Array) =>
            encodeResponse(serveRequest(corpus.store, method, bytes, { chainId: corpus.chainId }));
          const honestAnswers = [answer(input.bytes), answer(input.bytes.subarray(0, 4 + length))];
          const record = server.peers.peer(fuzzer!.peerId);
          if (
            reply.bytes.length === 0 &&
            honestAnswers.every((a) => a.length > 0) &&
            (record?.banned || record?.connected === false)
          ) {
            // This input's penalty took the fuzzer below the disconnect (or ban) threshold:
            // its connection was closed before the answer went out.
            counts.cutOffByPenalty++;
            continue;
          }
          expect(reply.error).toBeUndefined();
          counts.answered++;
          // A complete, well-formed response: framing and limits as a client checks them.
          const chunks = decodeResponse(reply.bytes);
          // The honest answer to what it read (bytes after the request that arrived later are
          // not read), unless the input was a request past the fuzzer's quota.
          if (!honestAnswers.some((a) => bytesEqual(reply.bytes, a)))
            expect(chunks.at(-1)?.code).toBe('rate-limited');
        }
        await honestStillServed();
      }
      const stats = server.sync.stats().inbound;
      console.log(
        `wire fuzz over libp2p, requests: ${counts.sent} sent (${counts.answered} answered, ${counts.ended} oversized or truncated: streams ended by the server without a byte, ${counts.cutOffByPenalty} unanswered because their penalty disconnected or banned the sender), ${counts.identities} fuzzer identities (${stats.faults ? JSON.stringify(stats.faults) : ''} faults, ${counts.refusedDials} refused dials), rate-limited ${stats.rateLimited}`,
      );
      expect(counts.sent).toBe(PER_PROTOCOL * WIRE_METHODS.length);
      expect(Object.values(stats.faults).reduce((n, f) => n + f, 0)).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('wire fuzzing over libp2p: the real client', () => {
  it(
    'resolves or rejects with a RequestError on every fuzzed response, and still syncs from an honest server',
    async () => {
      const liar = await nodes.start({ chainId: corpus.chainId, store: corpus.store, seed: 3 });
      const client = await nodes.start({ chainId: corpus.chainId, store: new MemoryChainStore(), seed: 4 });
      await client.dial(liar.multiaddrs()[0]!);
      await client.dial(server.multiaddrs()[0]!);
      await untilConnected(client, [liar.peerId, server.peerId]);
      const kinds = new Map<string, number>();
      let resolved = 0;
      let redials = 0;
      for (const [index, method] of WIRE_METHODS.entries()) {
        const inputs = fc.sample(
          fc.tuple(responseInputs(corpus, method), fc.array(fc.nat(), { maxLength: 3 }), fc.nat()),
          { seed: SEED + 100 + index, numRuns: PER_PROTOCOL },
        );
        let current = inputs[0]!;
        await answerRaw(liar, method, () => splitAt(current[0].bytes, current[1]));
        const requests = corpus.requests[method] as readonly WireRequest[];
        for (const input of inputs) {
          current = input;
          const request = requests[input[2] % requests.length]!;
          // The client request path itself: no peer manager in between, so no ban cuts the run
          // short. The client's status exchange still talks to the liar (garbage while status is
          // fuzzed): should its penalties close the connection on a long run, dial again (counted).
          let connection = client.libp2p.getConnections(liar.libp2p.peerId)[0];
          if (!connection) {
            redials++;
            client.peers.unban(liar.peerId);
            await client.dial(liar.multiaddrs()[0]!);
            await untilConnected(client, [liar.peerId]);
            connection = client.libp2p.getConnections(liar.libp2p.peerId)[0]!;
          }
          const started = Date.now();
          try {
            await sendRequest(connection, liar.peerId, request as never, client.sync.options);
            resolved++;
          } catch (err) {
            expect(err).toBeInstanceOf(RequestError);
            const kind = (err as RequestError).kind;
            kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
          }
          // Bounded by the client's own deadlines (whole request 10 s), never a hang.
          expect(Date.now() - started).toBeLessThan(EXCHANGE_DEADLINE_MS);
        }
        await honestStillServedTo(client, method);
      }
      console.log(
        `wire fuzz over libp2p, responses: ${PER_PROTOCOL * WIRE_METHODS.length} received by the client: ${resolved} decoded, rejected ${JSON.stringify(Object.fromEntries(kinds))}; the liar redialled ${redials} times`,
      );
    },
    TEST_TIMEOUT_MS,
  );
});

/** After fuzzed answers of `method`, the same client gets an honest answer of it. */
async function honestStillServedTo(client: Libp2pTestNode, method: WireMethod): Promise<void> {
  const status = await client.sync.status(server.peerId);
  expect(status.height).toBe(FUZZ_CHAIN_BLOCKS);
  const request = corpus.requests[method][0]! as WireRequest;
  const connection = client.libp2p.getConnections(server.libp2p.peerId)[0]!;
  const result = await sendRequest(connection, server.peerId, request as never, client.sync.options);
  expect(result.bytesReceived).toBeGreaterThan(0);
}
