export * from './codec';
export * from './market';
export * from './vigil';
