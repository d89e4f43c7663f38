/**
 * SVG building blocks shared by the figure components: escaping, text measurement, number formatting
 * and the {@link Panel} — a figure's SVG elements with their size — that standalone files, grids of
 * small multiples and the HTML page all place.
 */
import { ASCII_ADVANCE } from './font-metrics.js';

/**
 * The PNG renderer has only DejaVu Sans (bundled); browsers use the first family they have. Text is
 * measured with DejaVu Sans's widths, one of the widest sans-serif faces, so labels fit in either.
 */
export const FONT_FAMILY = "'DejaVu Sans', system-ui, -apple-system, 'Segoe UI', sans-serif";

/** A figure or part of one: SVG elements drawn in the box (0, 0)–(width, height). */
export interface Panel {
  readonly width: number;
  readonly height: number;
  /** SVG elements (no <svg> wrapper); no ids, so any number of panels can share one HTML page. */
  readonly body: string;
  /** What the figure shows, for screen readers (aria-label) and as its <title>. */
  readonly label: string;
}

/** Characters XML 1.0 forbids (C0 controls but tab, LF and CR; lone surrogates; U+FFFE, U+FFFF). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text for XML content or attributes; characters XML cannot hold become U+FFFD, so the SVG stays readable. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\ufffd').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A coordinate as short text (at most two decimals). */
export function num(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Non-ASCII characters (×, −, Greek …) are counted at this width (em), above DejaVu Sans's typical ones. */
const OTHER_ADVANCE = 0.75;

/** Width in px of `text` set in DejaVu Sans at `size` px. */
export function textWidth(text: string, size: number, bold = false): number {
  const table = bold ? ASCII_ADVANCE.bold : ASCII_ADVANCE.regular;
  let em = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    em += code >= 32 && code <= 126 ? table[code - 32]! : OTHER_ADVANCE;
  }
  return em * size;
}

/**
 * `text` shortened to at most `maxWidth` px. By default its middle is cut ("encoder.…mlp.fc2"): layer
 * names differ at their start and at their end, so both are kept; prose is cut at its end.
 */
export function fitText(text: string, size: number, maxWidth: number, bold = false, cut: 'middle' | 'end' = 'middle'): string {
  if (textWidth(text, size, bold) <= maxWidth) return text;
  const chars = [...text];
  for (let keep = chars.length - 1; keep > 1; keep--) {
    const head = cut === 'end' ? keep : Math.ceil(keep / 2);
    const candidate = `${chars.slice(0, head).join('').trimEnd()}…${chars.slice(chars.length - (keep - head)).join('')}`;
    if (textWidth(candidate, size, bold) <= maxWidth) return candidate;
  }
  return '…';
}

export interface Heading {
  readonly svg: string;
  readonly width: number;
  /** Where the figure below the heading may start. */
  readonly bottom: number;
}

/** A panel's title (bold) and optional subtitle, shortened at their end to `maxWidth` when given. */
export function heading(title: string, subtitle: string | undefined, maxWidth = Infinity): Heading {
  const shownTitle = fitText(title, 13, maxWidth, true, 'end');
  const parts = [text(0, 14, shownTitle, { size: 13, weight: 'bold', tooltip: title })];
  let width = textWidth(shownTitle, 13, true);
  if (subtitle) {
    const shownSubtitle = fitText(subtitle, 10, maxWidth, false, 'end');
    parts.push(text(0, 28, shownSubtitle, { size: 10, fill: '#555', tooltip: subtitle }));
    width = Math.max(width, textWidth(shownSubtitle, 10));
  }
  return { svg: parts.join('\n'), width: width + 4, bottom: subtitle ? 36 : 24 };
}

/** A value as a short label: 0.95, 0.031, 1.2e-4, 12.5 — three significant digits at most. */
export function formatValue(value: number): string {
  const abs = Math.abs(value);
  // Round-off residue of an exact zero (a layer against itself) reads better as 0.
  if (abs < 1e-10) return '0';
  if (abs >= 10000 || abs < 0.001) return value.toExponential(1).replace('-', '−');
  const text = value.toPrecision(abs >= 100 ? 3 : 2).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return text.replace('-', '−');
}

export interface TextOptions {
  readonly size?: number;
  readonly anchor?: 'start' | 'middle' | 'end';
  readonly weight?: 'bold';
  readonly fill?: string;
  /** Rotation in degrees around (x, y). */
  readonly rotate?: number;
  /** Full text shown on hover when the visible text is shortened. */
  readonly tooltip?: string;
}

/** A <text> element; `content` is escaped here. */
export function text(x: number, y: number, content: string, options: TextOptions = {}): string {
  const attributes = [`x="${num(x)}"`, `y="${num(y)}"`];
  if (options.size !== undefined) attributes.push(`font-size="${num(options.size)}"`);
  if (options.anchor && options.anchor !== 'start') attributes.push(`text-anchor="${options.anchor}"`);
  if (options.weight) attributes.push(`font-weight="${options.weight}"`);
  if (options.fill) attributes.push(`fill="${options.fill}"`);
  if (options.rotate) attributes.push(`transform="rotate(${num(options.rotate)} ${num(x)} ${num(y)})"`);
  const title = options.tooltip !== undefined && options.tooltip !== content ? `<title>${escapeXml(options.tooltip)}</title>` : '';
  return `<text ${attributes.join(' ')}>${title}${escapeXml(content)}</text>`;
}

/**
 * A panel as a standalone SVG document (white background, no scripts, no external resources); the
 * same text inlined in HTML (with a `className` to style and find it) draws the same figure.
 */
export function svgDocument(panel: Panel, className?: string): string {
  const w = Math.ceil(panel.width);
  const h = Math.ceil(panel.height);
  const cls = className ? ` class="${escapeXml(className)}"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${cls} width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${escapeXml(FONT_FAMILY)}" font-size="11" role="img" aria-label="${escapeXml(panel.label)}">\n` +
    `<title>${escapeXml(panel.label)}</title>\n<rect width="100%" height="100%" fill="#ffffff"/>\n${panel.body}\n</svg>\n`
  );
}

/** A panel moved by (x, y) inside another, as one group that keeps its accessible label. */
export function placed(panel: Panel, x: number, y: number): string {
  return `<g transform="translate(${num(x)} ${num(y)})" role="img" aria-label="${escapeXml(panel.label)}">\n${panel.body}\n</g>`;
}

export interface GridOptions {
  /** Panels per row (default: up to 4). */
  readonly columns?: number;
  readonly gap?: number;
  /** A heading above the grid, a panel under it (e.g. a legend shared by all panels) and a note below the grid. */
  readonly title?: string;
  readonly header?: Panel;
  readonly note?: string;
  /** The grid's accessible label (default: the title). */
  readonly label?: string;
}

/**
 * Small multiples: panels in rows of `columns`, each column as wide as its widest panel and each row
 * as tall as its tallest, so panels of one size line up cell for cell.
 */
export function gridPanel(panels: readonly Panel[], options: GridOptions = {}): Panel {
  const columns = Math.max(1, Math.min(options.columns ?? 4, panels.length));
  const gap = options.gap ?? 16;
  const rows = Math.ceil(panels.length / columns);
  const colWidth = Array.from({ length: columns }, (_, c) => Math.max(0, ...panels.filter((_, k) => k % columns === c).map((p) => p.width)));
  const rowHeight = Array.from({ length: rows }, (_, r) => Math.max(0, ...panels.slice(r * columns, (r + 1) * columns).map((p) => p.height)));
  const margin = 8;
  let top = options.title ? 30 : margin;
  const parts: string[] = [];
  if (options.title) parts.push(text(margin, 20, options.title, { size: 15, weight: 'bold' }));
  if (options.header) {
    parts.push(placed(options.header, margin, top));
    top += options.header.height + 8;
  }
  let y = top;
  for (let r = 0; r < rows; r++) {
    let x = margin;
    for (let c = 0; c < columns; c++) {
      const panel = panels[r * columns + c];
      if (panel) parts.push(placed(panel, x, y));
      x += colWidth[c]! + gap;
    }
    y += rowHeight[r]! + gap;
  }
  const gridWidth = colWidth.reduce((s, w) => s + w, 0) + gap * (columns - 1) + 2 * margin;
  let height = y - gap + margin;
  if (options.note) {
    parts.push(text(margin, height + 6, options.note, { size: 11, fill: '#444' }));
    height += 18;
  }
  const width = Math.max(
    gridWidth,
    options.title ? textWidth(options.title, 15, true) + 2 * margin : 0,
    options.header ? options.header.width + 2 * margin : 0,
    options.note ? textWidth(options.note, 11) + 2 * margin : 0,
  );
  return { width, height, body: parts.join('\n'), label: options.label ?? options.title ?? panels.map((p) => p.label).join('; ') };
}

/**
 * An axis title with its caption in grey, shortened to `maxWidth`; its SVG (inside <text>) and width.
 * A caption that does not fit whole is left to the hover text (half a prefix would mislead).
 */
export function axisTitle(title: string, caption: string | undefined, maxWidth: number): { svg: string; width: number } {
  const fittedTitle = fitText(title, 11, maxWidth, true);
  const titleWidth = textWidth(fittedTitle, 11, true);
  const tail = caption && titleWidth + textWidth(` · ${caption}`, 10) <= maxWidth ? caption : '';
  const svg =
    `<title>${escapeXml(caption ? `${title} · ${caption}` : title)}</title><tspan font-weight="bold">${escapeXml(fittedTitle)}</tspan>` +
    (tail ? `<tspan fill="#666" font-size="10"> · ${escapeXml(tail)}</tspan>` : '');
  return { svg, width: titleWidth + (tail ? textWidth(` · ${tail}`, 10) : 0) };
}
