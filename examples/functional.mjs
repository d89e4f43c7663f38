// Functional similarity on an embedded example: three small two-layer networks (same architecture,
// different seeds) classify the same 400 inputs into 4 classes. We compare their predictions (pair and
// group measures) and stitch the hidden layer of one into another. Run: node examples/functional.mjs
import { compare, compareGroup, fitAffineMap, stitch } from '../dist/index.js';

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
function gaussian(rows, cols, random, scale = 1) {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = scale * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
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

// Inputs and labels from a fixed linear "teacher"; each student has its own random ReLU hidden layer.
const random = rng(7);
const inputs = gaussian(400, 10, random);
const teacher = gaussian(10, 4, random);
const teacherLogits = dense(inputs, teacher, false);
const labels = Int32Array.from({ length: 400 }, (_, i) => {
  const row = teacherLogits.data.subarray(i * 4, i * 4 + 4);
  return row.indexOf(Math.max(...row));
});
function student(seed) {
  const r = rng(seed);
  const hidden = dense(inputs, gaussian(10, 16, r), true);
  // "Training" the output layer: least squares onto noisy teacher logits (fitAffineMap is nnsim's stitching fit).
  const noise = gaussian(400, 4, r, 1.5);
  const target = { ...teacherLogits, data: teacherLogits.data.map((v, k) => v + noise.data[k]) };
  const { weights, bias } = fitAffineMap(hidden, target);
  const head = (h) => {
    const out = dense(h, { data: weights, rows: 16, cols: 4 }, false);
    for (let i = 0; i < out.data.length; i++) out.data[i] += bias[i % 4];
    return out;
  };
  return { hidden, logits: head(hidden), head };
}
const [a, b, c] = [11, 12, 13].map(student);

console.log('pair measures (A vs B):');
console.log('  disagreement        ', compare('disagreement', a.logits, b.logits).toFixed(4));
console.log("  Cohen's kappa       ", compare('cohens-kappa', a.logits, b.logits).toFixed(4));
console.log('  accuracy difference ', compare('accuracy-difference', a.logits, b.logits, { labels }).toFixed(4));
console.log('  JSD (bits)          ', compare('jsd', a.logits, b.logits, { input: 'logits', base: 2 }).toFixed(4));
console.log('group measures (A, B, C):');
console.log("  Fleiss' kappa       ", compareGroup('fleiss-kappa', [a.logits, b.logits, c.logits]).toFixed(4));
console.log('  ambiguity           ', compareGroup('ambiguity', [a.logits, b.logits, c.logits]).toFixed(4));
console.log('  Rashomon capacity   ', compareGroup('rashomon-capacity', [a.logits, b.logits, c.logits], { input: 'logits' }).toFixed(4));
const stitched = stitch(a.hidden, b.hidden, { forward: b.head, labels });
console.log('stitching A → B (hidden layer, affine):');
console.log(`  agreement with B ${stitched.agreement.toFixed(4)}, accuracy ${stitched.accuracy.toFixed(4)} vs B ${stitched.accuracyB.toFixed(4)}`);
