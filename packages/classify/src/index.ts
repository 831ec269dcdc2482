export * from './address/fingerprint';
export * from './address/geohash';
export * from './address/normalise';
export * from './threat/accuracy';
export * from './threat/classifier';
export * from './threat/config';
export * from './threat/labelled';
export * from './threat/phrases';
