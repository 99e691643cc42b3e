/** The audit tests' S3: the local runtime's s3rver emulator. */
export { startLocalS3, type LocalS3 } from '../../local/emulators';
