/** The files shared with the engine: JSON Schemas generated from the zod definitions, and the method table. */
import { resolve } from 'node:path';
import { z } from 'zod';
import { RunConfigSchema } from '../../common/config.js';
import { CONFIG_RULES } from '../../common/configRules.js';
import { EngineEventSchema, EVENT_SCHEMA_VERSION } from '../../common/events.js';
import { methodTableJson } from '../../common/methods.js';
import { DatasetRecordSchema } from '../../common/records.js';
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
    [resolve(dir, 'record.schema.json')]: schemaText(DatasetRecordSchema, 'coconut-workbench/record', 'Dataset record'),
    [resolve(dir, 'methods.json')]: methodTableJson(),
    // Not a JSON Schema: the rules between config keys that one cannot state (src/common/configRules.ts).
    [resolve(dir, 'config.rules.json')]: JSON.stringify({ $id: 'coconut-workbench/config-rules', title: 'Rules between config keys', rules: CONFIG_RULES }, null, 2) + '\n',
  };
}
