/** The JSON Schema files shared with the engine, generated from the zod definitions. */
import { resolve } from 'node:path';
import { z } from 'zod';
import { RunConfigSchema } from '../../common/config.js';
import { EngineEventSchema, EVENT_SCHEMA_VERSION } from '../../common/events.js';
import { engineDir } from './paths.js';

function schemaText(schema: z.ZodType, id: string, title: string, version?: number): string {
  const json = {
    ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }),
    $id: id,
    title,
    ...(version === undefined ? {} : { 'x-version': version }),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

/** Absolute path → file contents. */
export function engineSchemaFiles(): Record<string, string> {
  const dir = resolve(engineDir(), 'coconut_engine', 'schemas');
  return {
    [resolve(dir, 'config.schema.json')]: schemaText(RunConfigSchema, 'coconut-workbench/config', 'Run configuration'),
    [resolve(dir, 'events.schema.json')]: schemaText(
      EngineEventSchema,
      'coconut-workbench/events',
      'Engine event',
      EVENT_SCHEMA_VERSION,
    ),
  };
}
