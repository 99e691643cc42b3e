export * from './ports';
export { parseRotationEvent } from './event';
export { type RotationDeps, type RotationRequest, runRotationStep } from './steps';
