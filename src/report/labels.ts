/**
 * Names on the axes: model names from file paths, and layer names with their common prefix factored
 * out (24 × "encoder.layer." repeated on every row and column says nothing; the prefix is shown once).
 */
import { basename } from 'node:path';

export interface FactoredLabels {
  /** Text at the start and at the end of every name ('' when there is none worth factoring). */
  readonly prefix: string;
  readonly suffix: string;
  /** The names without them, in the original order. */
  readonly labels: readonly string[];
}

const SEPARATOR = /[._/:\-\s]/;

/**
 * The longest common prefix of `names` that ends at a boundary — after a separator (. _ / : - space)
 * or between a letter and a digit ("layer|10") — and the longest common suffix of the rest that
 * starts with a separator ("|.output"); every name keeps at least one character. Off when `enabled`
 * is false, and for fewer than two names.
 */
export function factorAffixes(names: readonly string[], enabled = true): FactoredLabels {
  if (!enabled || names.length < 2) return { prefix: '', suffix: '', labels: [...names] };
  let chars = names.map((n) => [...n]);
  let prefix = '';
  let common = 0;
  const shortest = (): number => Math.min(...chars.map((c) => c.length));
  while (common < shortest() && chars.every((c) => c[common] === chars[0]![common])) common++;
  for (let cut = Math.min(common, shortest() - 1); cut > 0; cut--) {
    const before = chars[0]![cut - 1]!;
    if (SEPARATOR.test(before) || (/\D/.test(before) && chars.every((c) => /\d/.test(c[cut]!)))) {
      prefix = chars[0]!.slice(0, cut).join('');
      chars = chars.map((c) => c.slice(cut));
      break;
    }
  }
  let suffix = '';
  const at = (c: string[], k: number): string | undefined => c[c.length - 1 - k];
  common = 0;
  while (common < shortest() && chars.every((c) => at(c, common) === at(chars[0]!, common))) common++;
  for (let cut = Math.min(common, shortest() - 1); cut > 0; cut--) {
    const first = chars[0]![chars[0]!.length - cut]!;
    if (SEPARATOR.test(first)) {
      suffix = chars[0]!.slice(chars[0]!.length - cut).join('');
      chars = chars.map((c) => c.slice(0, c.length - cut));
      break;
    }
  }
  return { prefix, suffix, labels: chars.map((c) => c.join('')) };
}

/** What was factored out, as shown once after an axis title: "encoder.layer.*.output" (* = the label). */
export function affixCaption(factored: FactoredLabels): string | undefined {
  return factored.prefix || factored.suffix ? `${factored.prefix}*${factored.suffix}` : undefined;
}

/**
 * A model's name from the path it was read from: the file or folder name without extension and
 * without a `#array` suffix ("runs/resnet18-seed0.npz" → "resnet18-seed0").
 */
export function modelNameOf(spec: string): string {
  const path = spec.split('#')[0]!.replace(/[/\\]+$/, '');
  const base = basename(path);
  const stem = base.replace(/\.(npz|npy|safetensors)$/i, '');
  return stem || base || spec;
}

/**
 * Default names of two models: their stems, or — when the stems are equal but the paths differ
 * (run1/acts.npz, run2/acts.npz) — the shortest distinguishing tail of each path ("run1/acts").
 */
export function defaultModelNames(specA: string, specB: string): [string, string] {
  const a = modelNameOf(specA);
  const b = modelNameOf(specB);
  if (a !== b) return [a, b];
  const partsA = specA.split('#')[0]!.replace(/[/\\]+$/, '').split(/[/\\]+/);
  const partsB = specB.split('#')[0]!.replace(/[/\\]+$/, '').split(/[/\\]+/);
  for (let k = 2; k <= Math.max(partsA.length, partsB.length); k++) {
    const tailA = [...partsA.slice(-k, -1), a].join('/');
    const tailB = [...partsB.slice(-k, -1), b].join('/');
    if (tailA !== tailB) return [tailA, tailB];
  }
  return [a, b];
}
