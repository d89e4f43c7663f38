/**
 * The labelled 2-D scatter component, e.g. a classical-MDS map of models where the distance between
 * two points stands for the distance between two models: with `equalAspect` one unit has the same
 * length on both axes, so distances on the page are true to the map. Points carry their label beside
 * them (nudged apart where they would overlap), a hover text, and an optional group (colour, legend).
 */
import { NnsimError } from '../errors.js';
import { legend, marker, niceTicks, seriesStyle } from './axes.js';
import { type Panel, axisTitle, escapeXml, fitText, formatValue, heading, num, text, textWidth } from './svg.js';

export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** Points of one group share a colour and marker (legend). */
  readonly group?: string;
  readonly tooltip?: string;
}

export interface ScatterInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly points: readonly ScatterPoint[];
  readonly xTitle: string;
  readonly yTitle: string;
  /** One unit is as long on the x axis as on the y axis (maps whose distances mean something). */
  readonly equalAspect?: boolean;
  /** Side of the plot area in px (default 260). */
  readonly size?: number;
}

const LABEL_SIZE = 10;

export function scatterPanel(input: ScatterInput): Panel {
  if (input.points.length === 0) throw new NnsimError('E_SHAPE', 'Expected at least one point for the scatter plot but received 0');
  for (const p of input.points) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new NnsimError('E_NONFINITE', `Expected finite coordinates for point '${p.label}' of the scatter plot but received (${p.x}, ${p.y})`);
    }
  }
  const size = input.size ?? 260;
  const xs = input.points.map((p) => p.x);
  const ys = input.points.map((p) => p.y);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  // A margin of 8 % around the points (a unit square around a single point).
  const pad = (a: number, b: number): [number, number] => (b > a ? [a - 0.08 * (b - a), b + 0.08 * (b - a)] : [a - 0.5, b + 0.5]);
  [x0, x1] = pad(x0, x1);
  [y0, y1] = pad(y0, y1);
  const plotW = size;
  const plotH = size;
  if (input.equalAspect) {
    const unit = Math.max((x1 - x0) / size, (y1 - y0) / size);
    // Centre the points; the shorter axis keeps the same units per px.
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    [x0, x1] = [cx - (unit * size) / 2, cx + (unit * size) / 2];
    [y0, y1] = [cy - (unit * size) / 2, cy + (unit * size) / 2];
  }
  const xTicks = niceTicks(x0, x1, 4);
  const yTicks = niceTicks(y0, y1, 4);
  const yTickWidth = Math.max(0, ...yTicks.map((t) => textWidth(formatValue(t), 9)));
  const left = 16 + yTickWidth + 6;
  const head = heading(input.title, input.subtitle);
  const top = head.bottom + 4;
  const sx = (v: number): number => left + ((v - x0) / (x1 - x0)) * plotW;
  const sy = (v: number): number => top + plotH - ((v - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [head.svg];
  parts.push(`<rect x="${num(left)}" y="${num(top)}" width="${num(plotW)}" height="${num(plotH)}" fill="#fafafa" stroke="#bbb" stroke-width="0.5"/>`);
  for (const t of xTicks) {
    parts.push(`<path d="M${num(sx(t))} ${num(top)}V${num(top + plotH)}" stroke="#e6e6e6" stroke-width="0.6"/>`);
    parts.push(text(sx(t), top + plotH + 12, formatValue(t), { size: 9, anchor: 'middle', fill: '#333' }));
  }
  for (const t of yTicks) {
    parts.push(`<path d="M${num(left)} ${num(sy(t))}H${num(left + plotW)}" stroke="#e6e6e6" stroke-width="0.6"/>`);
    parts.push(text(left - 4, sy(t) + 3, formatValue(t), { size: 9, anchor: 'end', fill: '#333' }));
  }
  const groups = [...new Set(input.points.map((p) => p.group ?? ''))];
  const styleOf = (p: ScatterPoint): ReturnType<typeof seriesStyle> => seriesStyle(groups.indexOf(p.group ?? ''));
  // Labels right of their point, or left near the right edge; a label that would overlap one already
  // placed moves down a line (at most a few times).
  const placedBoxes: { x0: number; x1: number; y0: number; y1: number }[] = [];
  const labelParts: string[] = [];
  let right = left + plotW;
  const order = input.points.map((_, k) => k).sort((a, b) => sy(input.points[a]!.y) - sy(input.points[b]!.y));
  for (const k of order) {
    const p = input.points[k]!;
    const px = sx(p.x);
    const py = sy(p.y);
    const label = fitText(p.label, LABEL_SIZE, 140);
    const w = textWidth(label, LABEL_SIZE);
    const onLeft = px + 6 + w > left + plotW + 60;
    const bx0 = onLeft ? px - 6 - w : px + 6;
    let by = py + LABEL_SIZE * 0.36;
    for (let attempt = 0; attempt < 4; attempt++) {
      const clash = placedBoxes.some((b) => bx0 < b.x1 && bx0 + w > b.x0 && by - LABEL_SIZE < b.y1 && by > b.y0);
      if (!clash) break;
      by += LABEL_SIZE + 1;
    }
    placedBoxes.push({ x0: bx0, x1: bx0 + w, y0: by - LABEL_SIZE, y1: by });
    right = Math.max(right, bx0 + w);
    const style = styleOf(p);
    const tip = p.tooltip ?? `${p.label}: (${formatValue(p.x)}, ${formatValue(p.y)})`;
    parts.push(`<g><title>${escapeXml(tip)}</title>${marker(style.shape, px, py, 3.5, style.colour)}</g>`);
    labelParts.push(text(bx0, by, label, { size: LABEL_SIZE, tooltip: p.label }));
  }
  parts.push(...labelParts);
  parts.push(`<text x="0" y="0" font-size="11" text-anchor="middle" transform="translate(9 ${num(top + plotH / 2)}) rotate(-90)">${axisTitle(input.yTitle, undefined, plotH).svg}</text>`);
  const xTitleY = top + plotH + 28;
  parts.push(`<text x="${num(left + plotW / 2)}" y="${num(xTitleY)}" font-size="11" text-anchor="middle">${axisTitle(input.xTitle, undefined, plotW).svg}</text>`);
  let height = xTitleY + 6;
  let width = Math.max(right + 4, head.width);
  if (groups.length > 1) {
    const l = legend(groups.map((g, k) => ({ name: g || 'other', style: seriesStyle(k) })), 0, height + 4, Math.max(width, 160));
    parts.push(l.svg);
    height += l.height + 6;
    width = Math.max(width, l.width + 4);
  }
  const label = `${input.title}: scatter plot of ${input.points.length} labelled points${input.equalAspect ? ' (equal axis scales)' : ''}`;
  return { width, height, body: parts.join('\n'), label };
}
