/**
 * Colour scales of the report. One convention for every measure: a darker (or, on the diverging map,
 * more saturated) cell is a MORE SIMILAR pair. For a similarity that is a higher value; a distance's
 * map runs the other way, so its smallest value is the darkest. One-sided measures use perceptually
 * uniform sequential maps (viridis for similarities, cividis for distances, so the two kinds never look
 * alike); measures whose range is [−1, 1] use a diverging map centred at 0 (Moreland's cool-warm:
 * positive values blue, negative red, 0 light grey).
 */
import { COLORMAP_SAMPLES } from './colormap-data.js';
import { niceExtent, niceTicks } from './axes.js';
import { type Panel, formatValue, num, text, textWidth } from './svg.js';

export type ColourMapName = keyof typeof COLORMAP_SAMPLES;

export interface ColourScale {
  /** viridis / cividis: sequential; coolwarm: diverging, centred at 0 (the domain is symmetric). */
  readonly map: ColourMapName;
  /** Values at the two ends of the map; values outside are clamped. */
  readonly domain: readonly [number, number];
  /** Which end of the domain is the more similar one (drawn dark or saturated). */
  readonly similarEnd: 'high' | 'low';
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const TABLES: Record<ColourMapName, readonly [number, number, number][]> = Object.fromEntries(
  Object.entries(COLORMAP_SAMPLES).map(([name, samples]) => [name, samples.map(hexToRgb)]),
) as unknown as Record<ColourMapName, readonly [number, number, number][]>;

/** sRGB of a map at position t ∈ [0, 1] (0 = the map's first sample), linearly interpolated. */
export function mapRgb(map: ColourMapName, t: number): [number, number, number] {
  const table = TABLES[map];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i]!;
  const b = table[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + f * (b[k]! - a[k]!))) as [number, number, number];
}

function rgbText([r, g, b]: readonly number[]): string {
  return `rgb(${r},${g},${b})`;
}

/** CIE L* (0 = black, 100 = white) of an sRGB colour: what "darker" means on the page. */
export function lightness([r, g, b]: readonly number[]): number {
  const linear = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (24389 / 27) * y;
}

/** Position of a value on the map, t ∈ [0, 1]. */
export function mapPosition(scale: ColourScale, value: number): number {
  const [lo, hi] = scale.domain;
  const u = Math.min(1, Math.max(0, (value - lo) / (hi - lo)));
  // Every map starts at its similar-looking end (viridis and cividis dark, coolwarm saturated blue):
  // the similar end of the domain goes to t = 0.
  return scale.similarEnd === 'high' ? 1 - u : u;
}

export function colourRgb(scale: ColourScale, value: number): [number, number, number] {
  return mapRgb(scale.map, mapPosition(scale, value));
}

export function colourOf(scale: ColourScale, value: number): string {
  return rgbText(colourRgb(scale, value));
}

/** Text colour readable on `fill`. */
export function inkOn(fill: readonly number[]): string {
  return lightness(fill) < 55 ? '#ffffff' : '#111111';
}

export interface MeasureScaleInput {
  readonly kind: 'similarity' | 'distance';
  /** The measure's declared range (±Infinity where unbounded). */
  readonly range: readonly [number, number];
  /** Every value the scale must show (non-finite ones are ignored). */
  readonly values: Iterable<number | null>;
  /**
   * 'data' (default): the values' own extent, rounded out to nice numbers inside the declared range.
   * 'range': the declared range where both ends are finite — the same colours in every figure and every
   * run — else the values' extent.
   */
  readonly fit?: 'data' | 'range';
}

/** Colour domains are rounded to about 8 steps: colours are spent on the values, not on padding. */
const TIGHT = 8;

/** The colour scale of a measure: map by kind and range, domain by `fit`. */
export function measureScale(input: MeasureScaleInput): ColourScale {
  const finite: number[] = [];
  for (const v of input.values) if (v !== null && Number.isFinite(v)) finite.push(v);
  const similarEnd = input.kind === 'similarity' ? 'high' : 'low';
  const bounded = Number.isFinite(input.range[0]) && Number.isFinite(input.range[1]);
  if (input.range[0] === -1 && input.range[1] === 1) {
    const m = finite.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
    const half = input.fit === 'range' || m === 0 ? 1 : Math.min(1, niceExtent(0, m, undefined, TIGHT)[1]);
    return { map: 'coolwarm', domain: [-half, half], similarEnd };
  }
  const map = input.kind === 'similarity' ? 'viridis' : 'cividis';
  if ((input.fit === 'range' && bounded) || finite.length === 0) {
    return { map, domain: bounded ? [input.range[0], input.range[1]] : [0, 1], similarEnd };
  }
  const lo = finite.reduce((a, v) => Math.min(a, v), Infinity);
  const hi = finite.reduce((a, v) => Math.max(a, v), -Infinity);
  return { map, domain: niceExtent(lo, hi, input.range, TIGHT), similarEnd };
}

export interface ColourBarOptions {
  readonly width: number;
  /** Shown under the bar, e.g. "similarity: higher = more similar". */
  readonly caption?: string;
}

/**
 * A horizontal colour bar: values increase to the right for every measure, so the dark end is on the
 * right for similarities and on the left for distances; an arrow says which end is more similar.
 */
export function colourBar(scale: ColourScale, options: ColourBarOptions): Panel {
  const width = Math.max(60, options.width);
  const barHeight = 10;
  const steps = 48;
  const parts: string[] = [];
  const [lo, hi] = scale.domain;
  for (let s = 0; s < steps; s++) {
    const value = lo + ((s + 0.5) / steps) * (hi - lo);
    parts.push(`<rect x="${num((s * width) / steps)}" y="0" width="${num(width / steps + 0.4)}" height="${barHeight}" fill="${colourOf(scale, value)}"/>`);
  }
  parts.push(`<rect x="0" y="0" width="${num(width)}" height="${barHeight}" fill="none" stroke="#888" stroke-width="0.5"/>`);
  // Labelled ticks at nice values: every one, else every second, third … so that no labels touch.
  const tickY = barHeight + 11;
  const ticks = niceTicks(lo, hi, 4).map((t) => {
    const x = ((t - lo) / (hi - lo)) * width;
    const label = formatValue(t);
    const w = textWidth(label, 10);
    return { x, label, start: Math.min(Math.max(0, x - w / 2), width - w), end: 0, w };
  });
  for (const t of ticks) t.end = t.start + t.w;
  let shown = ticks;
  for (let stride = 1; stride <= ticks.length; stride++) {
    shown = ticks.filter((_, k) => k % stride === 0);
    if (shown.every((t, k) => k === 0 || t.start >= shown[k - 1]!.end + 6)) break;
  }
  for (const t of shown) {
    parts.push(`<path d="M${num(t.x)} ${barHeight}v3" stroke="#666" stroke-width="0.6"/>`);
    parts.push(text(t.start, tickY, t.label, { size: 10 }));
  }
  const arrowY = tickY + 13;
  parts.push(
    scale.similarEnd === 'high'
      ? text(width, arrowY, 'more similar →', { size: 10, anchor: 'end', fill: '#333' })
      : text(0, arrowY, '← more similar', { size: 10, fill: '#333' }),
  );
  let height = arrowY + 4;
  let fullWidth = width;
  if (options.caption) {
    parts.push(text(0, height + 11, options.caption, { size: 10, fill: '#555' }));
    height += 15;
    fullWidth = Math.max(width, textWidth(options.caption, 10));
  }
  return { width: fullWidth, height, body: parts.join('\n'), label: `colour scale from ${formatValue(lo)} to ${formatValue(hi)}` };
}
