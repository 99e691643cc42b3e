import * as z from 'zod/mini';
import { BridgeError } from '../errors';
import '../validation';  // zod's English messages
import { ROTATION_STEPS } from './ports';
import type { RotationRequest } from './steps';

const RotationEventSchema = z.object({
  SecretId: z.string().check(z.minLength(1), z.maxLength(2048)),
  ClientRequestToken: z.string().check(z.minLength(32), z.maxLength(64)),
  Step: z.enum(ROTATION_STEPS),
});

/** Secrets Manager's rotation event; anything else (a stray or hand-made invocation) is refused with the fields at fault. */
export function parseRotationEvent(event: unknown): RotationRequest {
  const result = RotationEventSchema.safeParse(event);
  if (!result.success) {
    const paths = [...new Set(result.error.issues.map((i) => i.path.join('.') || '(root)'))];
    throw new BridgeError('VALIDATION_FAILED', `not a Secrets Manager rotation event: invalid ${paths.join(', ')}`);
  }
  return { secretId: result.data.SecretId, token: result.data.ClientRequestToken, step: result.data.Step };
}
