/**
 * Functional similarity measures (outputs of models on the same inputs), family by family. They run
 * in TypeScript ('js' engines); compare() handles pair measures, compareGroup() group measures.
 */
import { gradientDefinitions } from './gradient.js';
import { hardPredictionsDefinitions } from './hard-predictions.js';
import { performanceDefinitions } from './performance.js';
import { softPredictionsDefinitions } from './soft-predictions.js';
import { stitchingDefinitions } from './stitching.js';

export const functionalDefinitions = [...performanceDefinitions, ...hardPredictionsDefinitions, ...softPredictionsDefinitions, ...gradientDefinitions, ...stitchingDefinitions] as const;
