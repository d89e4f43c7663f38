// Type-level tests (checked by tsc, never run): compare, compareMany and the named measure functions
// take options typed per measure id, so a wrong option key or value type is a compile error. Each
// `@ts-expect-error` line must fail to compile; tsc reports an unused directive when it does not.
// test/22.types.test.ts runs tsc on this folder.
import {
  type MeasureSpec,
  cka,
  compare,
  compareMany,
  configure,
  magnitudeDifference,
  measureIds,
  persistence,
} from '../../src/index.js';

declare const a: number[][];
declare const b: number[][];

// compare: options typed by the literal id.
compare('cka', a, b, { kernel: 'rbf', sigma: 2 });
compare('knn-jaccard', a, b, { k: 5, metric: 'euclidean' });
compare('tolerance-difference', a, b, { labels: [0, 1, 0] });
// @ts-expect-error a mistyped key
compare('cka', a, b, { kernal: 'rbf' });
// @ts-expect-error a value of the wrong type
compare('cka', a, b, { sigma: '2' });
// @ts-expect-error a value outside the enum
compare('cka', a, b, { kernel: 'cubic' });
// @ts-expect-error another measure's option
compare('procrustes', a, b, { kernel: 'rbf' });
// @ts-expect-error a measure without options takes none
compare('magnitude-difference', a, b, { k: 3 });
compare('magnitude-difference', a, b, {});
void compare.async('rsa', a, b, { inner: 'euclidean', outer: 'kendall' });
// @ts-expect-error async: same typing
void compare.async('rsa', a, b, { outer: 'tau' });

// An id known only at run time accepts any options object (checked at run time).
for (const id of measureIds()) compare(id, a, b, {});
declare const dynamicId: string;
compare(dynamicId, a, b, { anything: 1 });

// compareMany: each spec's options typed by its id.
compareMany(['cka', { id: 'procrustes', options: { normalize: true }, key: 'p' }, { id: 'cka', options: { kernel: 'rbf' } }], a, b);
// @ts-expect-error a mistyped key in one spec
compareMany(['cka', { id: 'cka', options: { kernal: 'rbf' } }], a, b);
// @ts-expect-error a value of the wrong type in one spec
compareMany([{ id: 'knn-jaccard', options: { k: 'ten' } }], a, b);
// @ts-expect-error options of another measure
compareMany([{ id: 'procrustes', options: { sigma: 1 } }], a, b);
// @ts-expect-error async: same typing
void compareMany.async([{ id: 'gulp', options: { lambda: 'big' } }], a, b);
const results: Record<string, number> = compareMany(['cka', 'bures'], a, b);
void results;
// Specs built at run time, or annotated with the loose MeasureSpec type, are checked at run time.
compareMany(measureIds().map((id) => ({ id, options: {} })), a, b);
const annotated: MeasureSpec[] = ['cka', { id: 'rsa', options: { inner: 'cosine' } }];
compareMany(annotated, a, b);

// Named functions were typed already.
cka(a, b, { estimator: 'unbiased' });
// @ts-expect-error named function: a mistyped key
cka(a, b, { estimater: 'unbiased' });
// @ts-expect-error named function without options
magnitudeDifference(a, b, { t: 1 });

// persistence and configure take their own option objects.
persistence(a, { maxDim: 0, input: 'points' });
// @ts-expect-error persistence: unknown key
persistence(a, { maxdim: 0 });
configure({ threads: 2 });
// @ts-expect-error configure: a mistyped key
configure({ thread: 2 });
