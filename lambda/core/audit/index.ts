export * from './event';
export * from './keys';
export * from './digest';
export * from './digest-job';
export * from './ports';
export * from './verify';
export * from './map-limit';
