import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HOTSYNC_METRICS } from './metric-catalog.js';

/** The rows of the README's metric table: name, type, labels. */
function readmeRows(): { name: string; type: string; labels: string[] }[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  return readme
    .split('\n')
    .filter((line) => line.startsWith('| `hotsync_'))
    .map((line) => {
      const cells = line.split('|').map((c) => c.trim());
      return {
        name: cells[1]!.replaceAll('`', ''),
        type: cells[2]!,
        labels: cells[3] === '-' ? [] : cells[3]!.split(',').map((l) => l.trim().replaceAll('`', '')),
      };
    });
}

describe('HOTSYNC_METRICS', () => {
  it('follows Prometheus naming: hotsync_ prefix, _total counters only, units in histogram names', () => {
    const names = new Set<string>();
    for (const m of HOTSYNC_METRICS) {
      expect(m.name).toMatch(/^hotsync_[a-z][a-z0-9_]*$/);
      expect(names.has(m.name), m.name).toBe(false);
      names.add(m.name);
      expect(m.name.endsWith('_total'), m.name).toBe(m.type === 'counter');
      if (m.type === 'histogram') expect(m.name, m.name).toMatch(/_(seconds|bytes)$/);
      for (const label of m.labels) expect(label).toMatch(/^[a-z][a-z_]*$/);
    }
  });

  it('is the table of the README, row for row', () => {
    expect(readmeRows()).toEqual(
      HOTSYNC_METRICS.map((m) => ({ name: m.name, type: m.type, labels: [...m.labels] })),
    );
  });
});
