import type { RowFigures } from './schema.js';

/**
 * The chart of blocks/s over time, one polyline per row. Hand-written SVG: about a hundred
 * lines with no dependency, deterministic output (the file diffs cleanly between runs),
 * and it renders anywhere an image does (GitHub, browsers). A charting library would need
 * a DOM or a headless renderer for a handful of polylines.
 */

const WIDTH = 900;
const HEIGHT = 420;
const MARGIN = { left: 70, right: 200, top: 40, bottom: 50 };
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
/** Rates are taken over this window of samples, so a 100 ms sampling jitter does not look like a stall. */
const WINDOW_SECONDS = 1;

/** [seconds, blocks/s] from [seconds, height] samples: the rate over the last `WINDOW_SECONDS`. */
export function ratePoints(samples: readonly (readonly [number, number])[]): [number, number][] {
  const points: [number, number][] = [];
  let j = 0;
  for (let i = 1; i < samples.length; i++) {
    const [t, h] = samples[i]!;
    while (j < i - 1 && samples[j + 1]![0] <= t - WINDOW_SECONDS) j++;
    const [t0, h0] = samples[j]!;
    if (t > t0) points.push([t, (h - h0) / (t - t0)]);
  }
  return points;
}

export function renderChart(rows: readonly RowFigures[], title: string): string {
  const series = rows.map((r, i) => ({
    name: r.name,
    color: COLORS[i % COLORS.length]!,
    points: ratePoints(r.samples),
  }));
  const maxT = Math.max(1, ...series.flatMap((s) => s.points.map(([t]) => t)));
  const maxRate = niceCeiling(Math.max(1, ...series.flatMap((s) => s.points.map(([, r]) => r))));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + (t / maxT) * plotW;
  const y = (r: number) => MARGIN.top + plotH - (r / maxRate) * plotH;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15">${escapeXml(title)}</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const r = (maxRate * i) / 5;
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${fmt(y(r))}" y2="${fmt(y(r))}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 8}" y="${fmt(y(r) + 4)}" text-anchor="end">${Math.round(r).toLocaleString('en-US')}</text>`,
    );
  }
  const step = niceStep(maxT / 8);
  for (let t = 0; t <= maxT + 1e-9; t += step) {
    out.push(
      `<line x1="${fmt(x(t))}" x2="${fmt(x(t))}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH + 5}" stroke="#555"/>`,
      `<text x="${fmt(x(t))}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${fmtTick(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#555"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#555"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 10}" text-anchor="middle">seconds since the sync started</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">blocks/s (1 s window)</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const pts = s.points.map(([t, r]) => `${fmt(x(t))},${fmt(y(r))}`).join(' ');
      out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts}"/>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${lx + 28}" y="${ly + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

function niceCeiling(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function niceStep(v: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(v, 1e-3)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v.toFixed(1);
}

function fmtTick(t: number): string {
  return Number.isInteger(t) ? String(t) : t.toFixed(1);
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
