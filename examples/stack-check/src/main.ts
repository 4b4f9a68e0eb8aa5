import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStackCheck } from './stack-check.js';

// `pnpm demo` until the demo network exists: a real, small check of the stack.
const blocks = Number(process.env.HOTSYNC_CHECK_BLOCKS ?? 500);
const dir = mkdtempSync(join(tmpdir(), 'hotsync-stack-check-'));
console.log('hotsync stack check');
try {
  const report = await runStackCheck({ dir, blocks, log: (line) => console.log(`  ${line}`) });
  console.log(
    `ok: ${report.blocks} blocks, ${(report.bytes / 1024).toFixed(0)} KiB, ${report.signaturesVerified} signatures, checked in ${report.checkMs.toFixed(0)} ms`,
  );
} catch (err) {
  console.error(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
