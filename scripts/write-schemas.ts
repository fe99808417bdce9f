/**
 * Writes the JSON Schemas the Python engine validates against, from their single definitions in
 * `src/common`. Run `npm run schemas` after changing either; `schemas.test.ts` fails while the
 * committed files are stale.
 */
import { writeFileSync } from 'node:fs';
import { engineSchemaFiles } from '../src/node/engine/schemaFiles.js';

for (const [path, text] of Object.entries(engineSchemaFiles())) {
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
