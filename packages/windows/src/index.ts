export { createKeys, type Keys, SUBJECT_TAGS, type SubjectKeys, type SubjectKindKey } from './keys';
export { counter, histogram } from './metrics';
export {
  type ApplyCall,
  type ApplyResult,
  type ApplyStatus,
  type HRead,
  type WindowOp,
  WindowStore,
  type WindowStoreOptions,
  type ZRead,
} from './store';
