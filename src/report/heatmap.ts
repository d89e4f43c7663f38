/**
 * The heatmap component: a matrix of values (rows × columns, e.g. layers of one model × layers of
 * another, or models × models) drawn with a {@link ColourScale}, with row/column labels, axis titles,
 * an optional display order (a clustering order), per-cell hover text (intervals, p-values …) and
 * per-cell marks (e.g. cells not distinguishable from a null, hatched). Darker = more similar; see
 * colour.ts. Failed cells (null) are grey and crossed, with their reason on hover.
 */
import { NnsimError } from '../errors.js';
import { type ColourScale, colourBar, colourRgb, inkOn } from './colour.js';
import { affixCaption, factorAffixes } from './labels.js';
import { type Panel, axisTitle, escapeXml, fitText, formatValue, heading, num, placed, text, textWidth } from './svg.js';

export interface HeatmapInput {
  readonly title: string;
  /** A second, smaller line under the title (kind, range, options …). */
  readonly subtitle?: string;
  /** values[i][j]: row i vs column j; null (or non-finite) where there is no value. */
  readonly values: readonly (readonly (number | null)[])[];
  /** Full names of the rows and columns (hover text); shown without their common prefix, see factorLabels. */
  readonly rowLabels: readonly string[];
  readonly colLabels: readonly string[];
  /**
   * Show labels without the prefix they all share (e.g. "encoder.layer."), which appears once after
   * the axis title instead (default true).
   */
  readonly factorLabels?: boolean;
  /** Axis titles: what the rows and the columns are (e.g. the two models' names). */
  readonly rowTitle: string;
  readonly colTitle: string;
  readonly scale: ColourScale;
  /** Side of a cell in px (default from the matrix size); give one value to panels shown together. */
  readonly cellSize?: number;
  /** Numbers in the cells (default: when cells are at least 30 px). */
  readonly showValues?: boolean;
  /** Extra hover text per cell (appended to "row × column: value"), e.g. "95% CI [0.81, 0.88], p = 0.002". */
  readonly tooltips?: readonly (readonly (string | undefined)[])[];
  /** Cells to hatch, e.g. those not distinguishable from a null; `markLegend` explains them. */
  readonly marks?: readonly (readonly boolean[])[];
  readonly markLegend?: string;
  /** Display order: position p shows row rowOrder[p] (a permutation of the row indices). */
  readonly rowOrder?: readonly number[];
  readonly colOrder?: readonly number[];
  /** Caption under the colour bar, e.g. "similarity: higher = more similar" (none by default). */
  readonly scaleCaption?: string;
}

function checkOrder(order: readonly number[] | undefined, n: number, what: string): number[] {
  if (order === undefined) return Array.from({ length: n }, (_, i) => i);
  const seen = new Set<number>();
  for (const i of order) if (Number.isInteger(i) && i >= 0 && i < n) seen.add(i);
  if (order.length !== n || seen.size !== n) {
    throw new NnsimError('E_OPTION', `Expected a permutation of 0..${n - 1} for ${what} but received [${order.slice(0, 8).join(', ')}${order.length > 8 ? ', …' : ''}]`);
  }
  return [...order];
}

function checkShape(grid: readonly (readonly unknown[])[] | undefined, rows: number, cols: number, what: string): void {
  if (grid === undefined) return;
  if (grid.length !== rows || grid.some((row) => row.length !== cols)) {
    throw new NnsimError('E_SHAPE', `Expected ${rows} × ${cols} entries for the heatmap's ${what} (one per cell) but received ${grid.length} rows`);
  }
}

/** The default cell size for an n-row/column matrix: 36 px for a few layers down to 8 px for 40+. */
export function defaultCellSize(n: number): number {
  return Math.max(8, Math.min(36, Math.floor(150 / Math.max(1, n))));
}

const LABEL_MAX_WIDTH = 120;

/** The heatmap as a panel (place it in a grid, or wrap it with svgDocument()). */
export function heatmapPanel(input: HeatmapInput): Panel {
  const nr = input.rowLabels.length;
  const nc = input.colLabels.length;
  checkShape(input.values, nr, nc, 'values');
  checkShape(input.tooltips, nr, nc, 'tooltips');
  checkShape(input.marks, nr, nc, 'marks');
  const rowOrder = checkOrder(input.rowOrder, nr, 'the row order');
  const colOrder = checkOrder(input.colOrder, nc, 'the column order');
  const cell = input.cellSize ?? defaultCellSize(Math.max(nr, nc));
  const labelSize = Math.max(7, Math.min(11, cell - 1));
  // With tiny cells only every k-th label fits.
  const every = Math.max(1, Math.ceil(8 / cell));
  const rowNames = factorAffixes(input.rowLabels, input.factorLabels !== false);
  const colNames = factorAffixes(input.colLabels, input.factorLabels !== false);
  const rowText = rowOrder.map((i) => fitText(rowNames.labels[i]!, labelSize, LABEL_MAX_WIDTH));
  const colText = colOrder.map((j) => fitText(colNames.labels[j]!, labelSize, LABEL_MAX_WIDTH));
  const rowLabelWidth = Math.max(0, ...rowText.map((t) => textWidth(t, labelSize)));
  const colLabelWidth = Math.max(0, ...colText.map((t) => textWidth(t, labelSize)));
  // Column labels stand upright when they fit in a cell, else they are turned by 45° (90° for tiny cells).
  const colAngle = colLabelWidth <= cell - 2 ? 0 : cell >= 12 ? 45 : 90;
  const colLabelHeight =
    colAngle === 0 ? labelSize + 4 : colAngle === 45 ? colLabelWidth * Math.SQRT1_2 + labelSize + 4 : colLabelWidth + 6;
  const gridW = nc * cell;
  const gridH = nr * cell;
  // Room on the left for the row labels, and for the first column's label when it is turned by 45°.
  const left = Math.max(18 + rowLabelWidth + 6, colAngle === 45 ? colLabelWidth * Math.SQRT1_2 - cell / 2 + 2 : 0);
  const head = heading(input.title, input.subtitle);
  const top = head.bottom;
  const parts: string[] = [head.svg];
  const showValues = input.showValues ?? cell >= 30;
  const valueSize = cell >= 40 ? 11 : cell >= 30 ? 9.5 : Math.max(6, cell / 3.4);
  let marked = 0;
  for (let p = 0; p < nr; p++) {
    const i = rowOrder[p]!;
    for (let q = 0; q < nc; q++) {
      const j = colOrder[q]!;
      const v = input.values[i]![j] ?? null;
      const x = left + q * cell;
      const y = top + p * cell;
      const extra = input.tooltips?.[i]?.[j];
      const where = `${input.rowTitle} ${input.rowLabels[i]} × ${input.colTitle} ${input.colLabels[j]}: `;
      if (v === null || !Number.isFinite(v)) {
        const tip = where + (extra ?? 'not computed');
        parts.push(
          `<g><title>${escapeXml(tip)}</title><rect x="${num(x)}" y="${num(y)}" width="${cell}" height="${cell}" fill="#e2e2e2" stroke="#fff" stroke-width="0.5"/>` +
            `<path d="M${num(x + 3)} ${num(y + 3)}L${num(x + cell - 3)} ${num(y + cell - 3)}M${num(x + cell - 3)} ${num(y + 3)}L${num(x + 3)} ${num(y + cell - 3)}" stroke="#999" stroke-width="0.8"/></g>`,
        );
        continue;
      }
      const rgb = colourRgb(input.scale, v);
      const ink = inkOn(rgb);
      const tip = where + String(v) + (extra ? `; ${extra}` : '');
      let cellSvg = `<g><title>${escapeXml(tip)}</title><rect x="${num(x)}" y="${num(y)}" width="${cell}" height="${cell}" fill="rgb(${rgb.join(',')})" stroke="#fff" stroke-width="0.5"/>`;
      if (input.marks?.[i]?.[j]) {
        marked++;
        cellSvg += hatch(x, y, cell, ink);
      }
      if (showValues) {
        cellSvg += text(x + cell / 2, y + cell / 2 + valueSize * 0.36, formatValue(v), { size: valueSize, anchor: 'middle', fill: ink });
      }
      parts.push(`${cellSvg}</g>`);
    }
  }
  // Row labels right-aligned beside the grid; column labels under it.
  rowOrder.forEach((i, p) => {
    if (p % every !== 0) return;
    parts.push(text(left - 4, top + p * cell + cell / 2 + labelSize * 0.36, rowText[p]!, { size: labelSize, anchor: 'end', tooltip: input.rowLabels[i]! }));
  });
  colOrder.forEach((j, q) => {
    if (q % every !== 0) return;
    const cx = left + q * cell + cell / 2;
    const full = input.colLabels[j]!;
    if (colAngle === 0) parts.push(text(cx, top + gridH + labelSize + 2, colText[q]!, { size: labelSize, anchor: 'middle', tooltip: full }));
    else if (colAngle === 45) parts.push(text(cx + labelSize * 0.3, top + gridH + 6, colText[q]!, { size: labelSize, anchor: 'end', rotate: -45, tooltip: full }));
    else parts.push(text(cx + labelSize * 0.36, top + gridH + 4, colText[q]!, { size: labelSize, anchor: 'end', rotate: -90, tooltip: full }));
  });
  parts.push(`<rect x="${num(left)}" y="${num(top)}" width="${num(gridW)}" height="${num(gridH)}" fill="none" stroke="#bbb" stroke-width="0.5"/>`);
  // Axis titles: the row title turned up the left side, the column title under the column labels.
  const rowAxis = axisTitle(input.rowTitle, affixCaption(rowNames), Math.max(gridH, 60));
  parts.push(`<text x="0" y="0" font-size="11" text-anchor="middle" transform="translate(10 ${num(top + gridH / 2)}) rotate(-90)">${rowAxis.svg}</text>`);
  const colAxisY = top + gridH + colLabelHeight + 12;
  // The column title is centred under the grid and may use the row labels' room on the left.
  const colAxis = axisTitle(input.colTitle, affixCaption(colNames), Math.max(gridW + 2 * rowLabelWidth, 120));
  const colAxisX = Math.max(left + gridW / 2, colAxis.width / 2);
  parts.push(`<text x="${num(colAxisX)}" y="${num(colAxisY)}" font-size="11" text-anchor="middle">${colAxis.svg}</text>`);
  const bar = colourBar(input.scale, { width: Math.max(gridW, 110), caption: input.scaleCaption });
  const barX = left;
  const barY = colAxisY + 10;
  parts.push(placed(bar, barX, barY));
  let height = barY + bar.height + 2;
  if (marked > 0 && input.markLegend) {
    parts.push(`<rect x="${num(barX)}" y="${num(height + 2)}" width="10" height="10" fill="#9a9a9a"/>${hatch(barX, height + 2, 10, '#ffffff')}`);
    parts.push(text(barX + 14, height + 11, input.markLegend, { size: 10, fill: '#333' }));
    height += 16;
  }
  const width = Math.max(
    left + gridW + 4,
    colAxisX + colAxis.width / 2,
    barX + bar.width + 4,
    head.width,
    marked > 0 && input.markLegend ? barX + 14 + textWidth(input.markLegend, 10) : 0,
  );
  const label = `${input.title}: heatmap of ${nr} × ${nc} values, rows ${input.rowTitle}, columns ${input.colTitle}`;
  return { width, height, body: parts.join('\n'), label };
}

/** Three parallel strokes across a cell (no pattern ids: panels can share a page). */
function hatch(x: number, y: number, size: number, colour: string): string {
  const h = size / 2;
  const d = `M${num(x)} ${num(y + h)}L${num(x + h)} ${num(y)}M${num(x)} ${num(y + size)}L${num(x + size)} ${num(y)}M${num(x + h)} ${num(y + size)}L${num(x + size)} ${num(y + h)}`;
  return `<path d="${d}" stroke="${colour}" stroke-opacity="0.7" stroke-width="${num(Math.max(0.6, size / 20))}" fill="none"/>`;
}
