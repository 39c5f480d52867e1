// Regenerates packages/events/asyncapi.json from the catalogue: pnpm --filter @stratus/events catalogue
import { writeFile } from 'node:fs/promises';
import { asyncApiPath, renderAsyncApi } from '../src/asyncapi.ts';

await writeFile(asyncApiPath, renderAsyncApi());
console.log(`wrote ${asyncApiPath}`);
