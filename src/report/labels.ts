/**
 * Names on the axes: model names from file paths, and layer names with their common prefix factored
 * out (24 × "encoder.layer." repeated on every row and column says nothing; the prefix is shown once).
 */
import { basename } from 'node:path';

export interface FactoredLabels {
  /** The text shared by every name ('' when there is none worth factoring). */
  readonly prefix: string;
  /** The names without it, in the original order. */
  readonly labels: readonly string[];
}

const SEPARATOR = /[._/:\-\s]/;

/**
 * The longest common prefix of `names` that ends at a boundary — after a separator (. _ / : - space)
 * or between a letter and a digit ("layer|10") — and leaves every name non-empty.
 */
export function factorPrefix(names: readonly string[]): FactoredLabels {
  if (names.length < 2) return { prefix: '', labels: [...names] };
  const chars = names.map((n) => [...n]);
  const shortest = Math.min(...chars.map((c) => c.length));
  let common = 0;
  while (common < shortest && chars.every((c) => c[common] === chars[0]![common])) common++;
  // Every name must keep at least one character.
  common = Math.min(common, shortest - 1);
  for (let cut = common; cut > 0; cut--) {
    const before = chars[0]![cut - 1]!;
    const boundary =
      SEPARATOR.test(before) || chars.every((c) => /\D/.test(before) && /\d/.test(c[cut]!));
    if (boundary) return { prefix: chars[0]!.slice(0, cut).join(''), labels: chars.map((c) => c.slice(cut).join('')) };
  }
  return { prefix: '', labels: [...names] };
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
