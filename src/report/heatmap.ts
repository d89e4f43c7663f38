/**
 * Layer-by-layer heatmaps as standalone SVG. One visual convention for every measure: a darker cell is
 * a MORE SIMILAR pair of layers. For a similarity that means a higher value, for a distance a lower
 * one, and the two kinds use different hues (blue for similarities, orange-brown for distances) with a
 * colour bar whose labelled end says which value is dark, so a distance map can never be read as if
 * dark meant "high".
 */

export interface HeatmapInput {
  readonly title: string;
  readonly subtitle?: string;
  /** Layers of the first model (rows, top to bottom). */
  readonly rowLabels: readonly string[];
  /** Layers of the second model (columns, left to right). */
  readonly colLabels: readonly string[];
  readonly rowTitle: string;
  readonly colTitle: string;
  /** values[i][j]: row layer i vs column layer j; null where the measure failed. */
  readonly values: readonly (readonly (number | null)[])[];
  readonly kind: 'similarity' | 'distance';
  /** The measure's declared range (Infinity where unbounded). */
  readonly range: readonly [number, number];
  /** Per-cell notes for failed cells (tooltips). */
  readonly notes?: readonly (readonly (string | undefined)[])[];
}

/** Light → dark ramps (ColorBrewer Blues and Oranges, sequential). */
const RAMPS = {
  similarity: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  distance: ['#fff5eb', '#fee6ce', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#a63603', '#7f2704'],
} as const;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Colour at darkness d ∈ [0, 1] of a ramp (linear interpolation between its stops). */
export function rampColour(kind: 'similarity' | 'distance', darkness: number): string {
  const stops = RAMPS[kind];
  const x = Math.min(1, Math.max(0, darkness)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(stops[i]!);
  const b = hexToRgb(stops[i + 1]!);
  const mix = a.map((v, k) => Math.round(v + f * (b[k]! - v)));
  return `rgb(${mix[0]},${mix[1]},${mix[2]})`;
}

/** The value range the colours span: the declared range where finite, else the data's extent. */
export function colourDomain(values: readonly (readonly (number | null)[])[], range: readonly [number, number]): [number, number] {
  const finite = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Number.isFinite(range[0]) ? range[0] : Math.min(...finite);
  let hi = Number.isFinite(range[1]) ? range[1] : Math.max(...finite);
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi)) hi = lo + 1;
  if (hi <= lo) hi = lo + 1;
  return [lo, hi];
}

/** Darkness of a value: how similar it says the pair is, on [0, 1]. */
export function darkness(value: number, kind: 'similarity' | 'distance', domain: readonly [number, number]): number {
  const t = Math.min(1, Math.max(0, (value - domain[0]) / (domain[1] - domain[0])));
  return kind === 'similarity' ? t : 1 - t;
}

export function formatValue(value: number): string {
  const abs = Math.abs(value);
  // Round-off residue of an exact zero (a layer against itself) reads better as 0.
  if (abs < 1e-10) return '0';
  if (abs >= 1000 || abs < 0.001) return value.toExponential(1);
  return value.toPrecision(abs >= 100 ? 3 : 2).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function shorten(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`;
}

/** The heatmap as a standalone SVG document (no scripts, no external resources). */
export function heatmapSvg(input: HeatmapInput): string {
  const nr = input.rowLabels.length;
  const nc = input.colLabels.length;
  const cell = Math.max(14, Math.min(48, Math.floor(480 / Math.max(nr, nc, 1))));
  const labelMax = 28;
  const charWidth = 6.6;
  const rowLabelWidth = Math.ceil(Math.max(...input.rowLabels.map((l) => shorten(l, labelMax).length), 4) * charWidth) + 12;
  const colLabelHeight = Math.ceil(Math.max(...input.colLabels.map((l) => shorten(l, labelMax).length), 4) * charWidth * 0.72) + 14;
  const left = 28 + rowLabelWidth;
  const top = input.subtitle ? 58 : 42;
  const gridW = nc * cell;
  const gridH = nr * cell;
  const barX = left + gridW + 24;
  const barW = 14;
  const textWidth = (text: string, size: number): number => Math.ceil(text.length * size * 0.56) + 24;
  const width = Math.max(barX + 236, textWidth(input.title, 15), textWidth(input.subtitle ?? '', 11));
  const height = Math.max(top + gridH + colLabelHeight + 34, top + 220);
  const domain = colourDomain(input.values, input.range);
  const showNumbers = cell >= 30;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11" role="img" aria-label="${escapeXml(input.title)}">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="12" y="20" font-size="15" font-weight="600">${escapeXml(input.title)}</text>`);
  if (input.subtitle) out.push(`<text x="12" y="38" fill="#444">${escapeXml(input.subtitle)}</text>`);
  // Cells: rows = first model's layers, columns = second model's layers.
  for (let i = 0; i < nr; i++) {
    for (let j = 0; j < nc; j++) {
      const v = input.values[i]?.[j] ?? null;
      const x = left + j * cell;
      const y = top + i * cell;
      const tip = `${input.rowTitle} ${input.rowLabels[i]} × ${input.colTitle} ${input.colLabels[j]}: `;
      if (v === null || !Number.isFinite(v)) {
        const note = input.notes?.[i]?.[j] ?? 'not computed';
        out.push(
          `<g><title>${escapeXml(tip + note)}</title><rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="#e5e5e5" stroke="#fff"/>` +
            `<line x1="${x + 4}" y1="${y + 4}" x2="${x + cell - 4}" y2="${y + cell - 4}" stroke="#999"/><line x1="${x + cell - 4}" y1="${y + 4}" x2="${x + 4}" y2="${y + cell - 4}" stroke="#999"/></g>`,
        );
        continue;
      }
      const d = darkness(v, input.kind, domain);
      out.push(
        `<g><title>${escapeXml(tip + String(v))}</title><rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${rampColour(input.kind, d)}" stroke="#fff" stroke-width="0.5"/>` +
          (showNumbers
            ? `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${cell >= 40 ? 11 : 9}" fill="${d > 0.55 ? '#fff' : '#111'}">${escapeXml(formatValue(v))}</text>`
            : '') +
          `</g>`,
      );
    }
  }
  // Row labels (right-aligned next to the grid) and column labels (rotated below it).
  input.rowLabels.forEach((label, i) => {
    out.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end"><title>${escapeXml(label)}</title>${escapeXml(shorten(label, labelMax))}</text>`,
    );
  });
  input.colLabels.forEach((label, j) => {
    const x = left + j * cell + cell / 2 + 4;
    const y = top + gridH + 8;
    out.push(
      `<text x="${x}" y="${y}" text-anchor="end" transform="rotate(-45 ${x} ${y})"><title>${escapeXml(label)}</title>${escapeXml(shorten(label, labelMax))}</text>`,
    );
  });
  out.push(
    `<text x="14" y="${top + gridH / 2}" text-anchor="middle" font-weight="600" transform="rotate(-90 14 ${top + gridH / 2})">${escapeXml(input.rowTitle)}</text>`,
  );
  out.push(
    `<text x="${left + gridW / 2}" y="${top + gridH + colLabelHeight + 22}" text-anchor="middle" font-weight="600">${escapeXml(input.colTitle)}</text>`,
  );
  // Colour bar: the top is always the darkest colour = most similar.
  const barH = Math.max(120, Math.min(gridH, 260));
  const steps = 32;
  for (let s = 0; s < steps; s++) {
    out.push(
      `<rect x="${barX}" y="${top + (s * barH) / steps}" width="${barW}" height="${barH / steps + 0.5}" fill="${rampColour(input.kind, 1 - s / (steps - 1))}"/>`,
    );
  }
  out.push(`<rect x="${barX}" y="${top}" width="${barW}" height="${barH}" fill="none" stroke="#777" stroke-width="0.5"/>`);
  const topValue = input.kind === 'similarity' ? domain[1] : domain[0];
  const bottomValue = input.kind === 'similarity' ? domain[0] : domain[1];
  const tx = barX + barW + 6;
  out.push(`<text x="${tx}" y="${top + 9}">${escapeXml(formatValue(topValue))} — more similar</text>`);
  out.push(`<text x="${tx}" y="${top + barH / 2 + 4}">${escapeXml(formatValue((domain[0] + domain[1]) / 2))}</text>`);
  out.push(`<text x="${tx}" y="${top + barH}">${escapeXml(formatValue(bottomValue))} — less similar</text>`);
  out.push(
    `<text x="${barX}" y="${top + barH + 20}" fill="#444">${input.kind === 'similarity' ? 'similarity: higher = more similar' : 'distance: lower = more similar'}</text>`,
  );
  out.push(`<text x="${barX}" y="${top + barH + 35}" fill="#444">darker = more similar</text>`);
  out.push('</svg>');
  return out.join('\n');
}
