export { type CliOptions, parseArgs, USAGE, UsageError } from './args';
export {
  type GenerateOptions,
  type GroundTruth,
  generate,
  type Simulation,
  type TruthTrigger,
} from './generate';
export { Rng } from './prng';
export {
  ABUSIVE_PROFILES,
  type AbusiveProfile,
  DEFAULT_HONEST_WEIGHTS,
  HONEST_PROFILES,
  type HonestProfile,
  PROFILES,
  type ProfileName,
} from './profiles';
export {
  type Clock,
  type Progress,
  type PumpOptions,
  type PumpResult,
  progressPrinter,
  pump,
  realClock,
} from './pump';
export {
  addressFingerprint,
  checkRules,
  type Firing,
  firstFiringByBuyer,
  isThreat,
  nearAddresses,
} from './reference-checker';
export { readReplay } from './replay';
export { createKafkaSink, type EventSink, fileSink, type KafkaSinkOptions } from './sinks';
