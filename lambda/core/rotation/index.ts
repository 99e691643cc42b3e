export * from './ports';
export { type RotationDeps, type RotationRequest, runRotationStep } from './steps';
