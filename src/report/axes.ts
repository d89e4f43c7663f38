/**
 * Numeric axes and series styles shared by the line plot and the scatter plot: nice extents and
 * ticks, and a colour-blind-safe categorical palette paired with marker shapes (a series stays
 * identifiable in greyscale print).
 */
import { escapeXml, num, text, textWidth } from './svg.js';

/** A step of 1, 2, 2.5 or 5 × 10^k near `span / count`. */
export function niceStep(span: number, count = 4): number {
  const raw = span / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * power;
}

/** Rounding guards against 0.30000000000000004-style tick values. */
const tidy = (v: number): number => Number(v.toPrecision(12));

/** [lo, hi] widened to multiples of a nice step (about `count` of them), never beyond `limits`. */
export function niceExtent(lo: number, hi: number, limits: readonly [number, number] = [-Infinity, Infinity], count = 4): [number, number] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.5;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, count);
  let a = Math.max(limits[0], tidy(Math.floor(lo / step + 1e-9) * step));
  let b = Math.min(limits[1], tidy(Math.ceil(hi / step - 1e-9) * step));
  if (!(b > a)) [a, b] = [limits[0], limits[1]];
  return [a, b];
}

/** Tick values inside [lo, hi] at a nice step (about `count` intervals). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  const step = niceStep(hi - lo, count);
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9 && ticks.length < 50; k++) ticks.push(tidy(k * step));
  return ticks;
}

/**
 * Okabe & Ito, "Color Universal Design" (2008): colours told apart with any colour vision; their yellow
 * (#f0e442) is replaced by P. Tol's wine (#882255, "Colour schemes", SRON/EPS/TN/09-002, 2021),
 * which, unlike yellow, stands out on a white page.
 */
export const CATEGORICAL = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000', '#882255'] as const;

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'triangle-down' | 'cross' | 'plus' | 'star';
const SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'triangle-down', 'cross', 'plus', 'star'];

export interface SeriesStyle {
  readonly colour: string;
  readonly shape: MarkerShape;
}

/** The style of the k-th series: colours and shapes cycle independently (8 × 8 distinct styles … then repeats of 56). */
export function seriesStyle(k: number): SeriesStyle {
  return { colour: CATEGORICAL[k % CATEGORICAL.length]!, shape: SHAPES[(k + Math.floor(k / CATEGORICAL.length)) % SHAPES.length]! };
}

/** A marker centred at (x, y), radius r. */
export function marker(shape: MarkerShape, x: number, y: number, r: number, colour: string): string {
  const p = (pts: [number, number][]): string => `<polygon points="${pts.map(([a, b]) => `${num(x + a)},${num(y + b)}`).join(' ')}" fill="${colour}"/>`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${num(r)}" fill="${colour}"/>`;
    case 'square':
      return `<rect x="${num(x - r * 0.85)}" y="${num(y - r * 0.85)}" width="${num(1.7 * r)}" height="${num(1.7 * r)}" fill="${colour}"/>`;
    case 'triangle':
      return p([[0, -r * 1.15], [r * 1.05, r * 0.75], [-r * 1.05, r * 0.75]]);
    case 'triangle-down':
      return p([[0, r * 1.15], [r * 1.05, -r * 0.75], [-r * 1.05, -r * 0.75]]);
    case 'diamond':
      return p([[0, -r * 1.2], [r * 1.2, 0], [0, r * 1.2], [-r * 1.2, 0]]);
    case 'cross':
      return `<path d="M${num(x - r)} ${num(y - r)}L${num(x + r)} ${num(y + r)}M${num(x + r)} ${num(y - r)}L${num(x - r)} ${num(y + r)}" stroke="${colour}" stroke-width="${num(r * 0.7)}"/>`;
    case 'plus':
      return `<path d="M${num(x - r * 1.15)} ${num(y)}H${num(x + r * 1.15)}M${num(x)} ${num(y - r * 1.15)}V${num(y + r * 1.15)}" stroke="${colour}" stroke-width="${num(r * 0.7)}"/>`;
    case 'star': {
      const pts: [number, number][] = [];
      for (let k = 0; k < 10; k++) {
        const a = -Math.PI / 2 + (k * Math.PI) / 5;
        const rr = k % 2 === 0 ? r * 1.3 : r * 0.55;
        pts.push([rr * Math.cos(a), rr * Math.sin(a)]);
      }
      return p(pts);
    }
  }
}

export interface LegendItem {
  readonly name: string;
  readonly style: SeriesStyle;
  /** Draw a line through the marker (line plots). */
  readonly line?: boolean;
}

/** Legend items flowing left to right in rows of at most `width` px; returns the SVG and its size. */
export function legend(items: readonly LegendItem[], x: number, y: number, width: number): { svg: string; width: number; height: number } {
  const parts: string[] = [];
  const rowHeight = 15;
  let cx = x;
  let cy = y;
  let right = x;
  for (const item of items) {
    const w = 22 + textWidth(item.name, 10) + 12;
    if (cx > x && cx + w > x + width) {
      cx = x;
      cy += rowHeight;
    }
    const my = cy + 6;
    if (item.line) parts.push(`<path d="M${num(cx)} ${num(my)}H${num(cx + 16)}" stroke="${item.style.colour}" stroke-width="1.5"/>`);
    parts.push(marker(item.style.shape, cx + 8, my, 3.2, item.style.colour));
    parts.push(text(cx + 21, my + 3.5, item.name, { size: 10 }));
    right = Math.max(right, cx + w - 12);
    cx += w;
  }
  const svg = `<g aria-label="legend: ${escapeXml(items.map((i) => i.name).join(', '))}">${parts.join('')}</g>`;
  return { svg, width: right - x, height: cy - y + rowHeight };
}
