// Pure-JS baselines of the foundation measures for bench/measures.mjs (the ml-matrix versions of
// bench/pure-js.mjs, adapted to { data, rows, cols } inputs).
import { pureJs, toMlMatrix } from '../pure-js.mjs';

export default {
  cka: (a, b) => pureJs.cka(toMlMatrix(a), toMlMatrix(b)),
  procrustes: (a, b) => pureJs.procrustes(toMlMatrix(a), toMlMatrix(b)),
  'angular-shape': (a, b) => pureJs['angular-shape'](toMlMatrix(a), toMlMatrix(b)),
};
