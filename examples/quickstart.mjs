// npm run example: the main job on an embedded example. Two small ReLU networks that differ only in
// their random seed see the same 500 inputs; we compare their layers with CKA, Procrustes and the
// angular shape metric, and check that a rotated, rescaled, shifted copy of a layer counts as the same
// representation for the invariant measures. Runs in well under a second.
import { compare, compareMany, getMeasure, listMeasures } from '../dist/index.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function gaussianMatrix(rows, cols, random, scale = 1) {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) {
    data[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  }
  return { data, rows, cols };
}
function dense(x, w, relu) {
  const out = new Float64Array(x.rows * w.cols);
  for (let i = 0; i < x.rows; i++)
    for (let k = 0; k < x.cols; k++) {
      const v = x.data[i * x.cols + k];
      for (let j = 0; j < w.cols; j++) out[i * w.cols + j] += v * w.data[k * w.cols + j];
    }
  if (relu) for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i]);
  return { data: out, rows: x.rows, cols: w.cols };
}
/** Activations of a 3-layer ReLU network with He-initialised weights drawn from `seed`. */
function network(inputs, widths, seed) {
  const random = rng(seed);
  const layers = [];
  let x = inputs;
  widths.forEach((width, l) => {
    x = dense(x, gaussianMatrix(x.cols, width, random, Math.sqrt(2 / x.cols)), l < widths.length - 1);
    layers.push(x);
  });
  return layers;
}

const inputs = gaussianMatrix(500, 32, rng(1));
const modelA = network(inputs, [64, 64, 10], 11);
const modelB = network(inputs, [64, 64, 10], 22);
const ids = ['cka', 'procrustes', 'angular-shape'];

console.log('nnsim quickstart: two ReLU networks (seeds 11 and 22) on the same 500 inputs\n');
for (const id of ids) {
  const m = getMeasure(id);
  console.log(`${id}: ${m.name} — a ${m.kind} (${m.kind === 'similarity' ? 'higher' : 'lower'} = more similar)`);
}
console.log('\nlayer A × layer B    ' + ids.map((id) => id.padStart(14)).join(''));
for (let i = 0; i < modelA.length; i++) {
  for (let j = 0; j < modelB.length; j++) {
    const values = compareMany(ids, modelA[i], modelB[j]);
    console.log(`layer ${i + 1} × layer ${j + 1}      ` + ids.map((id) => values[id].toFixed(4).padStart(14)).join(''));
  }
}

// A rotated, scaled and shifted copy of a layer is the same representation for these measures.
const layer = modelA[1];
const q = gaussianMatrix(layer.cols, layer.cols, rng(5));
// Orthonormalise q by Gram–Schmidt.
for (let j = 0; j < q.cols; j++) {
  for (let k = 0; k < j; k++) {
    let dot = 0;
    for (let i = 0; i < q.rows; i++) dot += q.data[i * q.cols + j] * q.data[i * q.cols + k];
    for (let i = 0; i < q.rows; i++) q.data[i * q.cols + j] -= dot * q.data[i * q.cols + k];
  }
  let norm = 0;
  for (let i = 0; i < q.rows; i++) norm += q.data[i * q.cols + j] ** 2;
  for (let i = 0; i < q.rows; i++) q.data[i * q.cols + j] /= Math.sqrt(norm);
}
const copy = dense(layer, q, false);
for (let i = 0; i < copy.data.length; i++) copy.data[i] = 2.5 * copy.data[i] + 1;
console.log('\nlayer 2 of A against a rotated × 2.5 + 1 copy of itself:');
console.log(`  cka ${compare('cka', layer, copy).toFixed(12)}   angular-shape ${compare('angular-shape', layer, copy).toExponential(2)}` +
  `   procrustes (normalized) ${compare('procrustes', layer, copy, { normalize: true }).toExponential(2)}`);
console.log(`\n${listMeasures().length} measures available: ${listMeasures().map((m) => m.id).join(', ')}`);
