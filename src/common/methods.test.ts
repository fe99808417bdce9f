import { describe, expect, it } from 'vitest';
import { RunConfigSchema, methodOf } from './config.js';
import {
  METHOD_FLAGS,
  METHOD_NAMES,
  METHODS,
  MethodSpecSchema,
  UNFLAGGED_METHOD,
  hasLatentCurriculum,
  hasPauseTokens,
  hasThoughtMarkers,
  isStaged,
  methodSpec,
  methodTableJson,
} from './methods.js';

const base = { train_path: 'a.json', val_path: 'b.json' };

describe('the method table', () => {
  it('every entry is a valid method spec, and the engine file carries it whole', () => {
    for (const name of METHOD_NAMES) expect(MethodSpecSchema.safeParse(METHODS[name]).success, name).toBe(true);
    expect(JSON.parse(methodTableJson()).methods).toEqual(METHODS);
  });

  it('each flag selects its own method, and no flag selects pause as thought', () => {
    expect(METHOD_FLAGS).toEqual(['coconut', 'cot', 'no_cot', 'no_thoughts', 'pause_token', 'icot']);
    for (const flag of METHOD_FLAGS) {
      const method = methodOf(RunConfigSchema.parse({ ...base, [flag]: true }));
      expect(METHODS[method].flag).toBe(flag);
    }
    expect(methodOf(RunConfigSchema.parse(base))).toBe(UNFLAGGED_METHOD);
    expect(UNFLAGGED_METHOD).toBe('pause_as_thought');
  });

  it('answers what a method does, and nothing for a name that is not one', () => {
    expect(METHOD_NAMES.filter(hasThoughtMarkers)).toEqual(['coconut', 'pause_as_thought']);
    expect(METHOD_NAMES.filter(hasPauseTokens)).toEqual(['pause_token']);
    expect(METHOD_NAMES.filter(hasLatentCurriculum)).toEqual(['coconut', 'no_thoughts', 'pause_as_thought']);
    expect(METHOD_NAMES.filter(isStaged)).toEqual(['coconut', 'no_thoughts', 'icot', 'pause_as_thought']);
    expect(METHOD_NAMES.filter((name) => METHODS[name].feedback)).toEqual(['coconut']);
    for (const odd of ['', 'toString', 'constructor', 'Coconut', null, undefined]) {
      expect(methodSpec(odd)).toBeNull();
      expect(hasThoughtMarkers(odd)).toBe(false);
    }
  });
});
