/**
 * Which arrays of a model are layers: activation dumps often hold more than layers (a label vector, a
 * step counter, a scalar loss). Arrays with fewer than two dimensions are not representations and are
 * skipped with a note; `include`/`exclude` regular expressions (searched anywhere in the name, as grep
 * does: anchor with ^ and $) narrow the rest; `--layer NAME|/REGEX/` picks exactly one.
 */
import { NnsimError } from '../errors.js';
import type { ArrayEntry } from './array.js';

export interface LayerFilter {
  readonly include?: RegExp;
  readonly exclude?: RegExp;
}

export interface SelectedLayers {
  readonly layers: ArrayEntry[];
  /** Arrays left out because they are not N × … activations: "labels (shape (400))". */
  readonly skipped: string[];
}

/** The command-line flags of layer selection (pairwise, matrix). */
export const LAYER_FILTER_FLAGS = { include: { type: 'string' }, exclude: { type: 'string' } } as const;

/** --include/--exclude as a filter. */
export function layerFilter(values: { include?: string; exclude?: string }): LayerFilter {
  return {
    include: values.include === undefined ? undefined : parseRegex(values.include, '--include'),
    exclude: values.exclude === undefined ? undefined : parseRegex(values.exclude, '--exclude'),
  };
}

/** A regular expression from the command line, or E_OPTION naming the flag. */
export function parseRegex(text: string, flag: string): RegExp {
  try {
    return new RegExp(text);
  } catch (error) {
    throw new NnsimError('E_OPTION', `${flag} '${text}' is not a valid regular expression (${(error as Error).message})`);
  }
}

/** The model's layers without non-matrix arrays and filtered by name. */
export function selectLayers(source: string, entries: readonly ArrayEntry[], filter: LayerFilter = {}): SelectedLayers {
  const skipped: string[] = [];
  const layers = entries.filter((e) => {
    if (e.shape.length < 2) {
      skipped.push(`${e.name} (${e.shape.length === 0 ? 'a scalar' : `shape (${e.shape.join(', ')})`})`);
      return false;
    }
    return (!filter.include || filter.include.test(e.name)) && !(filter.exclude && filter.exclude.test(e.name));
  });
  if (layers.length === 0) {
    const names = entries.map((e) => e.name);
    throw new NnsimError(
      'E_FILE',
      `${source}: no layer left${filter.include || filter.exclude ? ' after --include/--exclude' : ''} (arrays: ${names.slice(0, 8).join(', ')}${
        names.length > 8 ? ', …' : ''
      }); layers are arrays of at least two dimensions (inputs × features)`,
    );
  }
  return { layers, skipped };
}

/**
 * `--layer NAME` (the exact name) or `--layer /REGEX/` (a search in the name): exactly one layer of the
 * model must match.
 */
export function pickLayer(source: string, layers: readonly ArrayEntry[], pattern: string): ArrayEntry {
  const regex = pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/') ? parseRegex(pattern.slice(1, -1), '--layer') : undefined;
  const matches = layers.filter((l) => (regex ? regex.test(l.name) : l.name === pattern));
  const names = layers.map((l) => l.name);
  const list = `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
  if (matches.length === 0) {
    throw new NnsimError('E_FILE', `${source}: no layer ${regex ? 'matches' : 'is named'} '${pattern}' (layers: ${list}); pick one of them with --layer`);
  }
  if (matches.length > 1) {
    throw new NnsimError(
      'E_FILE',
      `${source}: ${matches.length} layers match '${pattern}' (${matches.map((l) => l.name).slice(0, 8).join(', ')}); make --layer match exactly one (anchor it: /^name$/)`,
    );
  }
  return matches[0]!;
}

/** Sample ids of one model, with where they come from. */
export interface SampleIds {
  readonly source: string;
  readonly ids: Float64Array;
}

/** Throws E_SHAPE naming the first position where two models' sample ids differ. */
export function requireSameIds(a: SampleIds, b: SampleIds): void {
  const k = a.ids.findIndex((v, i) => v !== b.ids[i]);
  if (k >= 0 || a.ids.length !== b.ids.length) {
    const at = k >= 0 ? k : Math.min(a.ids.length, b.ids.length);
    throw new NnsimError(
      'E_SHAPE',
      `${a.source} and ${b.source} differ at row ${at} (${a.ids[at] ?? 'none'} vs ${b.ids[at] ?? 'none'}); rows are inputs, so both must hold the same inputs in the same order`,
    );
  }
}
