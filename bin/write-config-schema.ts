/** Regenerates bridge.config.schema.json from the zod schema in lib/config.ts (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../lib/config';

const target = join(__dirname, '..', 'bridge.config.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
