/** Every measure definition, family by family. Adding a measure = adding its definition to its family. */
import { functionalDefinitions } from '../functional/index.js';
import { alignmentDefinitions } from './alignment.js';
import { ccaDefinitions } from './cca.js';
import { matchingDefinitions } from './matching.js';
import { neighborsDefinitions } from './neighbors.js';
import { rsmDefinitions } from './rsm.js';
import { statisticsDefinitions } from './statistics.js';
import { topologyDefinitions } from './topology.js';

export const definitions = [
  ...ccaDefinitions,
  ...alignmentDefinitions,
  ...matchingDefinitions,
  ...rsmDefinitions,
  ...neighborsDefinitions,
  ...topologyDefinitions,
  ...statisticsDefinitions,
  ...functionalDefinitions,
] as const;

export type Definition = (typeof definitions)[number];
