export {
  ALERT_ID_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
  SIGNATURE_HEADER,
  signPayload,
  TIMESTAMP_HEADER,
  type VerifyOptions,
  verifySignature,
} from './signature';
