/**
 * The line plot component: one or more series over categorical x positions (layers), on a numeric
 * y axis or a categorical one (`yLabels`: the values are positions 0…n−1, e.g. the best-matching layer
 * of another model). Gaps (null) break a line; every point shows its value on hover; an optional
 * reference line (a constant, or y = x for "the same layer").
 */
import { NnsimError } from '../errors.js';
import { legend, marker, niceExtent, niceTicks, seriesStyle } from './axes.js';
import { affixCaption, factorAffixes } from './labels.js';
import { type Panel, axisTitle, escapeXml, fitText, formatValue, heading, num, text, textWidth } from './svg.js';

export interface LineSeries {
  readonly name: string;
  /** One value per x position; null where there is none. */
  readonly values: readonly (number | null)[];
  /** Hover text per point (default: "name: x label → value"). */
  readonly tooltips?: readonly (string | undefined)[];
}

export interface LinePlotInput {
  readonly title: string;
  readonly subtitle?: string;
  /** Names of the x positions (hover text); shown without their common prefix, see factorLabels. */
  readonly xLabels: readonly string[];
  readonly xTitle: string;
  readonly yTitle: string;
  readonly series: readonly LineSeries[];
  /** The y range (default: the values' nice extent, within `yLimits`). */
  readonly yDomain?: readonly [number, number];
  readonly yLimits?: readonly [number, number];
  /** A categorical y axis: values are positions 0 … yLabels.length − 1. */
  readonly yLabels?: readonly string[];
  /** Show x and y labels without the prefix they share, which follows the axis title once (default true). */
  readonly factorLabels?: boolean;
  /** 'identity': the line y = x (same position on both axes); a number: a horizontal line. */
  readonly reference?: 'identity' | number;
  /** Under the y title, e.g. "↑ more similar". */
  readonly yNote?: string;
  /** Plot area in px (default: from the number of x positions; 150 px high). */
  readonly plotWidth?: number;
  readonly plotHeight?: number;
  /** Legend under the plot (default: when there is more than one series). */
  readonly legend?: boolean;
  /** Spread the series' points sideways so coinciding points stay visible (default: with yLabels). */
  readonly dodge?: boolean;
  /** Shorten the title and subtitle to the plot's width (full text on hover), for rows of small plots. */
  readonly compactHeading?: boolean;
}

function checkInput(input: LinePlotInput): void {
  const n = input.xLabels.length;
  if (n === 0) throw new NnsimError('E_SHAPE', 'Expected at least one x position for the line plot but received 0 x labels');
  for (const s of input.series) {
    if (s.values.length !== n) {
      throw new NnsimError('E_SHAPE', `Expected ${n} values (one per x label) for series '${s.name}' of the line plot but received ${s.values.length}`);
    }
    if (input.yLabels) {
      const bad = s.values.find((v) => v !== null && !(Number.isInteger(v) && v >= 0 && v < input.yLabels!.length));
      if (bad !== undefined) {
        throw new NnsimError('E_OPTION', `Expected positions 0…${input.yLabels.length - 1} (the y labels) in series '${s.name}' but received ${bad}`);
      }
    }
  }
}

export function linePlotPanel(input: LinePlotInput): Panel {
  checkInput(input);
  const n = input.xLabels.length;
  const categorical = input.yLabels !== undefined;
  const xNames = factorAffixes(input.xLabels, input.factorLabels !== false);
  const yNames = factorAffixes(input.yLabels ?? [], input.factorLabels !== false);
  const finite = input.series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const [y0, y1] = categorical
    ? [-0.5, input.yLabels!.length - 0.5]
    : (input.yDomain ?? (finite.length ? niceExtent(Math.min(...finite), Math.max(...finite), input.yLimits) : [0, 1]));
  const plotH = input.plotHeight ?? (categorical ? Math.max(110, Math.min(260, input.yLabels!.length * 14)) : 110);
  const step = (input.plotWidth ?? Math.max(100, Math.min(360, n * 26))) / n;
  const plotW = step * n;
  // Tick labels.
  const yTicks = categorical ? input.yLabels!.map((_, k) => k) : niceTicks(y0, y1, 4);
  const yEvery = categorical ? Math.max(1, Math.ceil(11 / (plotH / input.yLabels!.length))) : 1;
  const yTickText = yTicks.map((t) => (categorical ? fitText(yNames.labels[t]!, 9, 90) : formatValue(t)));
  const yTickWidth = Math.max(0, ...yTickText.map((t) => textWidth(t, 9)));
  const xText = xNames.labels.map((l) => fitText(l, 9, 90));
  const xLabelWidth = Math.max(0, ...xText.map((t) => textWidth(t, 9)));
  const xAngle = xLabelWidth <= step - 2 ? 0 : 45;
  const xEvery = xAngle === 0 ? 1 : Math.max(1, Math.ceil(11 / step));
  const xLabelHeight = xAngle === 0 ? 13 : xLabelWidth * Math.SQRT1_2 + 12;
  const left = 16 + (input.yNote ? 12 : 0) + yTickWidth + 6;
  const head = heading(input.title, input.subtitle, input.compactHeading ? left + plotW : Infinity);
  const top = head.bottom + 4;
  const sx = (i: number): number => left + (i + 0.5) * step;
  const sy = (v: number): number => top + plotH - ((Math.min(y1, Math.max(y0, v)) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [head.svg];
  // Grid and axes.
  parts.push(`<rect x="${num(left)}" y="${num(top)}" width="${num(plotW)}" height="${num(plotH)}" fill="#fafafa" stroke="#bbb" stroke-width="0.5"/>`);
  yTicks.forEach((t, k) => {
    if (k % yEvery !== 0) return;
    const y = sy(t);
    parts.push(`<path d="M${num(left)} ${num(y)}H${num(left + plotW)}" stroke="#e6e6e6" stroke-width="0.6"/>`);
    parts.push(text(left - 4, y + 3, yTickText[k]!, { size: 9, anchor: 'end', fill: '#333', tooltip: categorical ? input.yLabels![t]! : undefined }));
  });
  input.xLabels.forEach((label, i) => {
    if (i % xEvery !== 0) return;
    const x = sx(i);
    parts.push(`<path d="M${num(x)} ${num(top + plotH)}v3" stroke="#999" stroke-width="0.6"/>`);
    if (xAngle === 0) parts.push(text(x, top + plotH + 13, xText[i]!, { size: 9, anchor: 'middle', fill: '#333', tooltip: label }));
    else parts.push(text(x + 3, top + plotH + 7, xText[i]!, { size: 9, anchor: 'end', rotate: -45, fill: '#333', tooltip: label }));
  });
  if (input.reference !== undefined) {
    if (input.reference === 'identity') {
      const last = Math.min(n, categorical ? input.yLabels!.length : n) - 1;
      parts.push(`<path d="M${num(sx(0))} ${num(sy(0))}L${num(sx(last))} ${num(sy(last))}" stroke="#999" stroke-dasharray="4 3" stroke-width="1"><title>same position on both axes</title></path>`);
    } else if (input.reference >= y0 && input.reference <= y1) {
      parts.push(`<path d="M${num(left)} ${num(sy(input.reference))}H${num(left + plotW)}" stroke="#999" stroke-dasharray="4 3" stroke-width="1"/>`);
    }
  }
  // Series: lines broken at gaps, then markers with hover text.
  const dodge = input.dodge ?? categorical;
  const spread = dodge && input.series.length > 1 ? Math.min(step * 0.6, 4 * input.series.length) : 0;
  input.series.forEach((s, k) => {
    const style = seriesStyle(k);
    const dx = spread ? (k / (input.series.length - 1) - 0.5) * spread : 0;
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${num(sx(i) + dx)} ${num(sy(v))}`;
      pen = true;
    });
    const points = s.values
      .map((v, i) => {
        if (v === null || !Number.isFinite(v)) return '';
        const shown = categorical ? input.yLabels![v]! : String(v);
        const tip = s.tooltips?.[i] ?? `${s.name}: ${input.xLabels[i]} → ${shown}`;
        return `<g><title>${escapeXml(tip)}</title>${marker(style.shape, sx(i) + dx, sy(v), 3, style.colour)}</g>`;
      })
      .join('');
    parts.push(`<g aria-label="${escapeXml(s.name)}">${d ? `<path d="${d}" fill="none" stroke="${style.colour}" stroke-width="1.5" stroke-opacity="0.85"/>` : ''}${points}</g>`);
  });
  // Axis titles, each followed by the prefix its labels share.
  const yAxis = axisTitle(input.yTitle, affixCaption(yNames), plotH + 30);
  parts.push(`<text x="0" y="0" font-size="11" text-anchor="middle" transform="translate(9 ${num(top + plotH / 2)}) rotate(-90)">${yAxis.svg}</text>`);
  if (input.yNote) {
    parts.push(`<text x="0" y="0" font-size="9" fill="#555" text-anchor="middle" transform="translate(20 ${num(top + plotH / 2)}) rotate(-90)">${escapeXml(fitText(input.yNote, 9, plotH))}</text>`);
  }
  const xTitleY = top + plotH + xLabelHeight + 10;
  const xAxis = axisTitle(input.xTitle, affixCaption(xNames), plotW + left);
  const xAxisX = Math.max(left + plotW / 2, xAxis.width / 2);
  parts.push(`<text x="${num(xAxisX)}" y="${num(xTitleY)}" font-size="11" text-anchor="middle">${xAxis.svg}</text>`);
  let height = xTitleY + 6;
  let width = Math.max(left + plotW + 6, xAxisX + xAxis.width / 2, head.width);
  if (input.legend ?? input.series.length > 1) {
    const items = input.series.map((s, k) => ({ name: s.name, style: seriesStyle(k), line: true }));
    const l = legend(items, 0, height + 4, Math.max(width, 160));
    parts.push(l.svg);
    height += l.height + 6;
    width = Math.max(width, l.width + 4);
  }
  const label = `${input.title}: line plot of ${input.series.map((s) => s.name).join(', ')} against ${input.xTitle}`;
  return { width, height, body: parts.join('\n'), label };
}
