/**
 * nnsim: similarity of neural network models. Representational measures (CCA, alignment, RSM,
 * neighbourhood, topology, statistics) on a native BLAS/LAPACK core, and functional measures.
 *
 *   import { compare, compareMany, cka, listMeasures } from 'nnsim';
 *   compare('cka', a, b);                       // a, b: N × D matrices, rows = the same inputs
 *   await compare.async('procrustes', a, b, { normalize: true });
 *   compareMany(['cka', 'procrustes', 'angular-shape'], a, b);
 */
import {
  type MeasureFunction,
  compareAsync,
  compareManyAsync,
  compareMany as compareManySync,
  compare as compareSync,
  measureFunction,
} from './compare.js';
import { compareMatrixAsync, compareMatrix as compareMatrixSync } from './compare-matrix.js';
import {
  type GroupRunOptions,
  type ModelOutputsInput,
  compareGroupAsync,
  compareGroup as compareGroupSync,
} from './functional/group.js';
import { stitchAsync, stitch as stitchSync } from './functional/stitching.js';
import {
  bootstrapAsync,
  bootstrap as bootstrapSync,
  crossValidateAsync,
  crossValidate as crossValidateSync,
  permutationTestAsync,
  permutationTest as permutationTestSync,
} from './inference/index.js';
import { type Definition, definitions } from './measures/index.js';
import type { OptionSchema, OptionsOf } from './options.js';
import type { SyncRunOptions } from './runtime.js';

export {
  compareAsync,
  compareManyAsync,
  prepare,
  PreparedRepresentation,
  type CallOptions,
  type CompareInput,
  type CompareManyOptions,
  type ManyOutcomes,
  type ManyResults,
  type MeasureFunction,
  type MeasureSpec,
  type Precision,
  type Progress,
  type RepresentationInput,
  type RunOptions,
  type SyncRunOptions,
} from './compare.js';
export { NnsimError, type ErrorCode } from './errors.js';
export { matrix, toMatrix, type Matrix, type MatrixInput, type MatrixLike, type SourceMatrix } from './matrix.js';
export {
  INVARIANCES,
  type Family,
  type Invariance,
  type MeasureInfo,
  type MeasureVariant,
  type Requirement,
} from './measure-types.js';
export type { Labels, OptionSchema, OptionSpec, OptionsOf } from './options.js';
export {
  effectiveProperties,
  estimateMemory,
  getMeasure,
  listMeasures,
  measureIds,
  missingMeasures,
  type EffectiveProperties,
  type MeasureFilter,
  type MeasureId,
} from './registry.js';
export { configure, getConfig, type RuntimeConfig } from './runtime.js';
export {
  Accumulator,
  accumulatorFromBuffer,
  createAccumulator,
  stateMetadata,
  streamableMeasures,
  type AccumulatedMeasure,
  type AccumulatorOptions,
  type ExpectedState,
} from './streaming.js';
export { sampleRows, takeRows, type SampleRowsOptions } from './sampling.js';

/** compare(id, a, b, options) — and compare.async(…) on a worker thread. */
export const compare = Object.assign(compareSync, { async: compareAsync });

/** compareMany(specs, a, b) — and compareMany.async(…) on a worker thread. */
export const compareMany = Object.assign(compareManySync, { async: compareManyAsync });

export {
  compareMatrixAsync,
  type MatrixCellError,
  type MatrixInference,
  type MatrixInputs,
  type MatrixMeasure,
  type MatrixOptions,
  type MatrixProgress,
  type MatrixResult,
  type MatrixRunOptions,
} from './compare-matrix.js';
/** compareMatrix(specs, representations): K × K matrices — and compareMatrix.async(…) on the worker pool. */
export const compareMatrix = Object.assign(compareMatrixSync, { async: compareMatrixAsync });

type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/**
 * One typed function per measure, keyed by the camelCase id: measures.angularShape(a, b) for pair
 * measures, measures.fleissKappa([p1, p2, p3]) for group measures.
 */
export type Measures = {
  [D in Definition as CamelCase<D['id']>]: D['arity'] extends 'group'
    ? GroupMeasureFunction<D['options']>
    : MeasureFunction<D['options']>;
};

/** A typed function for one group measure: `fn(outputs, options, run)`, `fn.async(outputs, options, run)`. */
export interface GroupMeasureFunction<S extends OptionSchema> {
  (outputs: readonly ModelOutputsInput[], options?: OptionsOf<S>, run?: SyncRunOptions): number;
  async(outputs: readonly ModelOutputsInput[], options?: OptionsOf<S>, run?: GroupRunOptions): Promise<number>;
  readonly id: string;
}

function groupMeasureFunction<S extends OptionSchema>(id: string): GroupMeasureFunction<S> {
  const fn = (outputs: readonly ModelOutputsInput[], options?: OptionsOf<S>, run?: SyncRunOptions): number =>
    compareGroupSync(id, outputs, options, run);
  return Object.assign(fn, {
    async: (outputs: readonly ModelOutputsInput[], options?: OptionsOf<S>, run?: GroupRunOptions) =>
      compareGroupAsync(id, outputs, options, run),
    id,
  });
}

function camelCase(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export const measures = Object.freeze(
  Object.fromEntries(
    definitions.map((d) => [camelCase(d.id), d.arity === 'group' ? groupMeasureFunction(d.id) : measureFunction(d)]),
  ),
) as unknown as Measures;

// Named exports, one per measure, one line per family (keep each family's line in its own place).
// cca:
export const { ccaMean, ccaR2, svcca, pwcca } = measures;
// alignment:
export const { procrustes, angularShape, shapeMetric, linearRegression, alignedCosine } = measures;
// matching:
export const { correlationMatch, permutationProcrustes, softMatching, maximumMatch } = measures;
// rsm:
export const { cka, dcka, rsmNormDifference, rsa, distanceCorrelation, bures, eigenspaceOverlap, gulp, riemannian } = measures;
// neighbors:
export const { knnJaccard, secondOrderCosine, rankSimilarity, jointRankJaccard, mutualKnn, cknna, cycleKnn, lcsKnn, editDistanceKnn } =
  measures;
// statistics:
export const {
  intrinsicDimensionDifference,
  magnitudeDifference,
  concentricityDifference,
  uniformityDifference,
  toleranceDifference,
  knnModularityDifference,
  neuronModularityDifference,
} = measures;
// topology:
export const { geometryScore, imd, rtd } = measures;
export { persistence, type Barcode, type PersistenceOptions, type PersistenceRunOptions } from './topology.js';
// functional:
export { compareGroupAsync, type GroupRunOptions, type ModelOutputsInput } from './functional/group.js';
/** compareGroup(id, outputs, options) for K ≥ 2 models — and compareGroup.async(…). */
export const compareGroup = Object.assign(compareGroupSync, { async: compareGroupAsync });
export type { QualityFunction } from './functional/performance.js';
export {
  fitAffineMap,
  stitchAsync,
  type AffineMap,
  type StitchForward,
  type StitchOptions,
  type StitchResult,
  type StitchRunOptions,
} from './functional/stitching.js';
/** stitch(a, b, { forward, labels, ridge }): the fitted map, agreement and accuracies — and stitch.async(…). */
export const stitch = Object.assign(stitchSync, { async: stitchAsync });
export const {
  accuracyDifference,
  disagreement,
  errorCorrectedDisagreement,
  minMaxDisagreement,
  cohensKappa,
  errorConsistency,
  fleissKappa,
  ambiguity,
  discrepancy,
  labelEntropy,
  surrogateChurn,
  jsd,
  capa,
  predictionDifference,
  rashomonCapacity,
  adversarialTransferability,
  saliencySimilarity,
  modelDiff,
  stitching,
} = measures;
// inference: permutation tests, bootstrap intervals, cross-validated scores, false discovery control
export {
  alignmentMap,
  benjaminiHochberg,
  bootstrapAsync,
  crossValidateAsync,
  permutationTestAsync,
  type AlignmentMap,
  type AlignmentSide,
  type Alternative,
  type BootstrapOptions,
  type BootstrapResult,
  type CrossValidateOptions,
  type CrossValidateResult,
  type FalseDiscoveryControl,
  type PermutationTestOptions,
  type PermutationTestResult,
} from './inference/index.js';
export { cellSeed, matrixQValues, type ManyInferenceOptions } from './inference/matrix.js';
/** permutationTest(id, a, b, { permutations, seed, alternative, measureOptions }) — and .async(…, run). */
export const permutationTest = Object.assign(permutationTestSync, { async: permutationTestAsync });
/** bootstrap(id, a, b, { resamples, seed, level, method, measureOptions }) — and .async(…, run). */
export const bootstrap = Object.assign(bootstrapSync, { async: bootstrapAsync });
/** crossValidate(id, a, b, { folds, seed, measureOptions }) — and .async(…, run). */
export const crossValidate = Object.assign(crossValidateSync, { async: crossValidateAsync });
// activation tensors (conv and token layers) → matrices:
export { fromTensor, LAYOUTS, type Layout, type Reshape, type TensorOptions } from './io/tensor.js';
