/**
 * The training methods, defined once. Everything that depends on the method reads this table:
 * the engine (through `engine/coconut_engine/schemas/methods.json`, which `npm run schemas`
 * writes from it and `coconut_engine/methods.py` loads), the config checks and the UI's labels.
 * A method is a handful of properties, not a name to compare against.
 */
import { z } from 'zod';

/**
 * How a method's samples change with the epoch:
 * - `latent`: the Coconut curriculum; stage k = epoch / epochs_per_stage replaces the first k
 *   steps with k·(thoughts per step) thoughts (`curriculum: false` starts at the final stage);
 * - `none`: one layout for every epoch (reported as stage 0);
 * - `icot`: stepwise internalization; stage k = epoch k removes k·icot_tokens_per_epoch
 *   reasoning tokens from the front.
 */
export const CURRICULUM_KINDS = ['latent', 'none', 'icot'] as const;
export type CurriculumKind = (typeof CURRICULUM_KINDS)[number];

export const MethodSpecSchema = z
  .object({
    /** The config flag that selects the method; null for the one selected by no flag. */
    flag: z.string().nullable(),
    /** Samples carry `<bot>`, `<latent>`… and `<eot>` (so a thought count can be forced). */
    markers: z.boolean(),
    /** `<latent>` positions are fed the previous position's last hidden state (else an ordinary learned token). */
    feedback: z.boolean(),
    curriculum: z.enum(CURRICULUM_KINDS),
    /**
     * Thoughts per removed reasoning step: `c_thought` or 0. A method that writes no steps
     * has the final stage's thoughts (max_latent_stage of them per c) from the start; without
     * markers those are learned pause tokens after the question.
     */
    thoughts_per_step: z.union([z.literal('c_thought'), z.literal(0)]),
    /** At stage 0 the sample writes every reasoning step (false: the answer alone follows the question). */
    writes_steps: z.boolean(),
    /** Short name for tables and titles. */
    label: z.string(),
    /** A line for choosing the method. */
    description: z.string(),
  })
  .strict();
export type MethodSpec = z.infer<typeof MethodSpecSchema>;

/**
 * In flag order: the order `methodOf` tests the flags (at most one may be set), then the method
 * that no flag selects.
 */
export const METHODS = {
  coconut: {
    flag: 'coconut',
    markers: true,
    feedback: true,
    curriculum: 'latent',
    thoughts_per_step: 'c_thought',
    writes_steps: true,
    label: 'Coconut',
    description: 'Coconut (continuous thoughts)',
  },
  cot: {
    flag: 'cot',
    markers: false,
    feedback: false,
    curriculum: 'none',
    thoughts_per_step: 0,
    writes_steps: true,
    label: 'CoT',
    description: 'CoT (stage 0 forever)',
  },
  no_cot: {
    flag: 'no_cot',
    markers: false,
    feedback: false,
    curriculum: 'none',
    thoughts_per_step: 0,
    writes_steps: false,
    label: 'No-CoT',
    description: 'No-CoT (question → answer)',
  },
  no_thoughts: {
    flag: 'no_thoughts',
    markers: false,
    feedback: false,
    curriculum: 'latent',
    thoughts_per_step: 0,
    writes_steps: true,
    label: 'w/o thought',
    description: 'w/o thought (curriculum, c = 0)',
  },
  pause_token: {
    flag: 'pause_token',
    markers: false,
    feedback: false,
    curriculum: 'none',
    thoughts_per_step: 'c_thought',
    writes_steps: false,
    label: 'pause tokens',
    description: 'pause tokens (no CoT)',
  },
  icot: {
    flag: 'icot',
    markers: false,
    feedback: false,
    curriculum: 'icot',
    thoughts_per_step: 0,
    writes_steps: true,
    label: 'iCoT',
    description: 'iCoT (stepwise internalization)',
  },
  pause_as_thought: {
    flag: null,
    markers: true,
    feedback: false,
    curriculum: 'latent',
    thoughts_per_step: 'c_thought',
    writes_steps: true,
    label: 'pause as thought',
    description: 'pause as thought (no flag set)',
  },
} as const satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;
export type MethodFlag = NonNullable<(typeof METHODS)[MethodName]['flag']>;

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

/** The flags that each select a method, in the order `methodOf` tests them. */
export const METHOD_FLAGS: readonly MethodFlag[] = METHOD_NAMES.flatMap((name) => {
  const flag: MethodFlag | null = METHODS[name].flag;
  return flag === null ? [] : [flag];
});

/** The method no flag selects (the reference's `special_token` runs: "pause as thought"). */
export const UNFLAGGED_METHOD: MethodName = METHOD_NAMES.find((name) => METHODS[name].flag === null) ?? 'pause_as_thought';

export function isMethodName(name: string | null | undefined): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

/** The method's properties; null for a name that is not a method (an old or damaged run's). */
export function methodSpec(name: string | null | undefined): MethodSpec | null {
  return isMethodName(name) ? METHODS[name] : null;
}

/** Methods with `<bot>`…`<eot>` around their thoughts, so a thought count can be forced. */
export function hasThoughtMarkers(name: string | null | undefined): boolean {
  return methodSpec(name)?.markers ?? false;
}

/** Thoughts without markers are learned pause tokens after the question, a fixed number of them (pause_token). */
export function hasPauseTokens(name: string | null | undefined): boolean {
  const spec = methodSpec(name);
  return spec !== null && !spec.markers && spec.thoughts_per_step !== 0;
}

/** Methods trained by the Coconut curriculum, whose stage 0 is plain chain of thought (a CoT checkpoint is its stage 0). */
export function hasLatentCurriculum(name: string | null | undefined): boolean {
  return methodSpec(name)?.curriculum === 'latent';
}

/** Methods whose samples follow a stage that grows with the epoch (latent or iCoT curriculum). */
export function isStaged(name: string | null | undefined): boolean {
  const kind = methodSpec(name)?.curriculum;
  return kind === 'latent' || kind === 'icot';
}

/** The table as the engine reads it (`engine/coconut_engine/schemas/methods.json`). */
export function methodTableJson(): string {
  return JSON.stringify({ $id: 'coconut-workbench/methods', title: 'Training methods', methods: METHODS }, null, 2) + '\n';
}
