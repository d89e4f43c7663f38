/**
 * Hierarchical clustering of the rows of a K × K matrix, for a heatmap order that puts similar models
 * next to each other. Average linkage (UPGMA: Sokal and Michener 1958, "A statistical method for
 * evaluating systematic relationships"): the distance between two clusters is the mean distance over
 * their pairs of members. The order is the dendrogram's leaf order: at every merge the child with the
 * smaller cluster id (the K points are 0 … K−1, the merge of step s is K + s) comes first — SciPy's
 * `linkage(method='average')` / `leaves_list` convention.
 */
import { NnsimError } from '../errors.js';

/** How the report turns a measure's K × K values into distances for clustering. */
export interface MatrixDistances {
  /** Symmetric K × K, zero diagonal. */
  readonly distances: Float64Array;
  /** One sentence saying how they were made. */
  readonly how: string;
}

/**
 * Distances between the K rows from a measure's matrix: a distance's own values, a similarity's
 * distance to the top of its declared range (hi − s; hi = the largest value in the matrix when the
 * range is unbounded above). Asymmetric measures are symmetrised by the mean of both orders; the
 * diagonal is 0. Null when a cell is missing (a failed cell has no distance).
 */
export function matrixDistances(
  values: Float64Array,
  size: number,
  kind: 'similarity' | 'distance',
  range: readonly [number, number],
): MatrixDistances | null {
  for (let c = 0; c < size * size; c++) {
    if (Math.floor(c / size) !== c % size && !Number.isFinite(values[c]!)) return null;
  }
  let top = range[1];
  let how: string;
  if (kind === 'distance') how = 'the distances as they are';
  else if (Number.isFinite(top)) how = `${formatEnd(top)} − similarity (the top of its range)`;
  else {
    top = -Infinity;
    for (let c = 0; c < size * size; c++) if (Math.floor(c / size) !== c % size) top = Math.max(top, values[c]!);
    how = 'the largest similarity in the matrix − similarity';
  }
  const distances = new Float64Array(size * size);
  let asymmetric = false;
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const x = values[i * size + j]!;
      const y = values[j * size + i]!;
      if (x !== y) asymmetric = true;
      const mean = (x + y) / 2;
      const d = kind === 'distance' ? mean : Math.max(0, top - mean);
      distances[i * size + j] = d;
      distances[j * size + i] = d;
    }
  }
  return { distances, how: asymmetric ? `${how}, averaged over both orders` : how };
}

function formatEnd(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

export interface Merge {
  /** Cluster ids: points 0 … K−1, the merge of step s is K + s; left < right. */
  readonly left: number;
  readonly right: number;
  /** Average distance between the two clusters. */
  readonly height: number;
  /** Points in the merged cluster. */
  readonly size: number;
}

export interface Dendrogram {
  readonly merges: readonly Merge[];
  /** Leaf order: position p shows point order[p]. */
  readonly order: readonly number[];
}

/**
 * Average-linkage clustering of K points from their K × K distances (symmetric, finite). O(K³) time,
 * O(K²) memory: fine for the few hundred rows a heatmap can show.
 */
export function averageLinkage(distances: Float64Array, size: number): Dendrogram {
  if (!Number.isInteger(size) || size < 1 || distances.length !== size * size) {
    throw new NnsimError('E_SHAPE', `Expected ${size} × ${size} distances for the clustering but received ${distances.length} values`);
  }
  for (const d of distances) {
    if (!Number.isFinite(d)) throw new NnsimError('E_NONFINITE', 'Expected finite distances for the clustering');
  }
  // Slot k holds an active cluster; its distances to the others live in row k of `d`.
  const d = Float64Array.from(distances);
  const id = Array.from({ length: size }, (_, k) => k);
  const members = new Array<number>(size).fill(1);
  const active = new Array<boolean>(size).fill(true);
  const merges: Merge[] = [];
  for (let step = 0; step < size - 1; step++) {
    let best = Infinity;
    let a = -1;
    let b = -1;
    for (let i = 0; i < size; i++) {
      if (!active[i]) continue;
      for (let j = i + 1; j < size; j++) {
        if (active[j] && d[i * size + j]! < best) {
          best = d[i * size + j]!;
          a = i;
          b = j;
        }
      }
    }
    const total = members[a]! + members[b]!;
    merges.push({ left: Math.min(id[a]!, id[b]!), right: Math.max(id[a]!, id[b]!), height: best, size: total });
    // Lance–Williams update for average linkage: the merged cluster's mean distance to every other.
    for (let k = 0; k < size; k++) {
      if (!active[k] || k === a || k === b) continue;
      const v = (members[a]! * d[a * size + k]! + members[b]! * d[b * size + k]!) / total;
      d[a * size + k] = v;
      d[k * size + a] = v;
    }
    active[b] = false;
    members[a] = total;
    id[a] = size + step;
  }
  return { merges, order: leafOrder(merges, size) };
}

function leafOrder(merges: readonly Merge[], size: number): number[] {
  if (size === 1) return [0];
  const order: number[] = [];
  const stack = [2 * size - 2];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node < size) {
      order.push(node);
      continue;
    }
    const merge = merges[node - size]!;
    stack.push(merge.right, merge.left);
  }
  return order;
}
