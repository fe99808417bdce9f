/**
 * ProntoQA-style questions (Saparov & He, 2023), in the form the Coconut reference trains on:
 * a fictional ontology of made-up "-pus" concepts with adjective properties, one entity, and a
 * true-or-false question whose proof walks `hops` rules.
 *
 * Format produced: records `{question, steps, answer}` and nothing else.
 * - `question` is the context then the query, joined by single spaces. The context is every rule
 *   sentence in random order, then the entity fact ("Max is a wumpus."); the query is
 *   "True or false: Max is bright." or "True or false: Max is not bright.".
 * - Rule sentences: subtype rules "Every X is a Y.", "Each X is a Y.", "Xes are Yes." (plural:
 *   the name plus "es"; "an" before a vowel) and property rules "Every X is [not] p.",
 *   "Each X is [not] p.", "Xes are [not] p.". With `phrasing: 'every'` only the "Every" forms.
 * - The chain of thought for entity E of concept c0, along c0 → c1 → … → c(h-1) whose top concept
 *   has the queried property p, is the 2h+1 sentences "E is a c0.", then for each hop the rule
 *   (verbatim from the context) and what it derives: "Every c0 is a c1.", "E is a c1.", …,
 *   "Every c(h-1) is [not] p.", "E is [not] p.". `steps` groups them two per step (sentences 0+1,
 *   2+3, …, joined by a space), so the last sentence is a step alone: h + 1 steps.
 * - `answer` is "True" when the query says what the proof derives, "False" otherwise; both
 *   answers and both values of the derived property are drawn with probability 1/2.
 *
 * With distractors (the default), as in ProntoQA: every concept of the proof also has a property
 * of another kind; the ontology continues one or two concepts above the proof (each with its own
 * property) and sometimes one below the entity's concept; and a distractor concept hangs below
 * one of the concepts above the proof with the opposite value of the queried property, with a
 * child of its own, so p appears both ways in the context, on two concepts placed alike, and the
 * answer cannot be read off its surface (in ProntoQA the distractor concept is mentioned nowhere
 * else, which a model could learn to spot). The ontology is a tree and each kind of property is set at most once on any
 * chain of ancestors, so no concept, and not the entity, can derive both p and not p.
 *
 * Properties come in opposite pairs (bright/dull, …) and a record uses one word of a pair, so a
 * reader who knows English never sees "bright" and "dull" that the logic would treat as unrelated.
 */
import { z } from 'zod';
import { firstValidDraw, MAX_DRAWS_PER_RECORD, RecordInvariantError } from './invariants.js';
import type { Random } from './random.js';

export interface ProntoQARecord {
  question: string;
  steps: string[];
  answer: 'True' | 'False';
}

/** ProntoQA's concept names; made up so that a model cannot answer from world knowledge. */
export const PRONTOQA_CONCEPTS: readonly string[] = [
  'wumpus', 'yumpus', 'zumpus', 'dumpus', 'rompus', 'numpus', 'tumpus', 'vumpus', 'impus', 'jompus',
  'gorpus', 'shumpus', 'lempus', 'sterpus', 'grimpus', 'lorpus', 'brimpus', 'felpus', 'kempus', 'quimpus',
];

/** Kinds of property, each an opposite pair; a record uses one word of each kind it needs. */
export const PRONTOQA_PROPERTY_PAIRS: readonly (readonly [string, string])[] = [
  ['bright', 'dull'], ['hot', 'cold'], ['happy', 'sad'], ['large', 'small'], ['red', 'blue'],
  ['opaque', 'transparent'], ['metallic', 'wooden'], ['sweet', 'sour'], ['spicy', 'mild'],
  ['fast', 'slow'], ['kind', 'mean'], ['loud', 'quiet'], ['floral', 'fruity'], ['liquid', 'solid'],
];

export const PRONTOQA_ENTITIES: readonly string[] = ['Max', 'Alex', 'Sam', 'Polly', 'Rex', 'Stella', 'Wren', 'Fae', 'Sally'];

/** The paper's ProntoQA split sizes: train, validation, test. */
export const PRONTOQA_SPLIT_SIZES = { train: 9000, valid: 200, test: 800 } as const;

export const PRONTOQA_PHRASINGS = ['varied', 'every'] as const;
export type ProntoQAPhrasing = (typeof PRONTOQA_PHRASINGS)[number];

/** Concepts above the proof's top concept when distractors are on (the distractor hangs below one). */
const MAX_CONCEPTS_ABOVE = 2;
/** With distractors, a record needs hops + 5 names and hops + 4 kinds of property at most (see `distractorRules`). */
const EXTRA_CONCEPTS = 5;
const EXTRA_KINDS = 4;
export const PRONTOQA_MAX_HOPS = Math.min(PRONTOQA_CONCEPTS.length - EXTRA_CONCEPTS, PRONTOQA_PROPERTY_PAIRS.length - EXTRA_KINDS);

export const ProntoQAParamsInputSchema = z.strictObject({
  hops: z.int().min(1).max(PRONTOQA_MAX_HOPS).optional(),
  distractors: z.boolean().optional(),
  phrasing: z.enum(PRONTOQA_PHRASINGS).optional(),
});
export type ProntoQAParamsInput = z.infer<typeof ProntoQAParamsInputSchema>;

export const ProntoQAParamsSchema = z.strictObject({
  /** Rule applications in the proof: hops - 1 subtype rules, then one property rule. */
  hops: z.int().min(1).max(PRONTOQA_MAX_HOPS),
  /** Whether the context holds rules besides the proof's (see the module comment). */
  distractors: z.boolean(),
  /** `varied`: each rule in one of three forms at random; `every`: always "Every X is …". */
  phrasing: z.enum(PRONTOQA_PHRASINGS),
});
export type ProntoQAParams = z.infer<typeof ProntoQAParamsSchema>;

/** Defaults: the paper's 5 hops, with distractors and varied phrasing; throws a ZodError on bad input. */
export function resolveProntoQAParams(input: unknown = {}): ProntoQAParams {
  const given = ProntoQAParamsInputSchema.parse(input ?? {});
  return ProntoQAParamsSchema.parse({ hops: given.hops ?? 5, distractors: given.distractors ?? true, phrasing: given.phrasing ?? 'varied' });
}

export class ProntoQAInvariantError extends RecordInvariantError {
  override name = 'ProntoQAInvariantError';
}

// ---------------------------------------------------------------------------------------------
// Sentences. Rendering and parsing live side by side so that the check reads back exactly what
// the generator writes.

export type RuleForm = 'every' | 'each' | 'plural';
const RULE_FORMS: readonly RuleForm[] = ['every', 'each', 'plural'];

export type Rule =
  | { kind: 'subtype'; child: string; parent: string }
  | { kind: 'property'; concept: string; adjective: string; holds: boolean };

const article = (noun: string) => (/^[aeiou]/.test(noun) ? 'an' : 'a');
const plural = (concept: string) => `${concept}es`;
const capitalized = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
const not = (holds: boolean) => (holds ? '' : 'not ');

export function ruleSentence(rule: Rule, form: RuleForm): string {
  const subject = rule.kind === 'subtype' ? rule.child : rule.concept;
  if (form === 'plural') {
    const predicate = rule.kind === 'subtype' ? plural(rule.parent) : `${not(rule.holds)}${rule.adjective}`;
    return `${capitalized(plural(subject))} are ${predicate}.`;
  }
  const predicate = rule.kind === 'subtype' ? `${article(rule.parent)} ${rule.parent}` : `${not(rule.holds)}${rule.adjective}`;
  return `${form === 'every' ? 'Every' : 'Each'} ${subject} is ${predicate}.`;
}

export const entityConceptSentence = (entity: string, concept: string) => `${entity} is ${article(concept)} ${concept}.`;
export const entityPropertySentence = (entity: string, adjective: string, holds: boolean) => `${entity} is ${not(holds)}${adjective}.`;
const QUERY_PREFIX = 'True or false: ';

/** Concept names end in "pus"; adjectives never do, which is what tells the two apart. */
const CONCEPT = '[a-z]+pus';
const ADJECTIVE = '[a-z]+';
const SUBTYPE_SINGULAR = new RegExp(`^(Every|Each) (${CONCEPT}) is (a|an) (${CONCEPT})\\.$`);
const SUBTYPE_PLURAL = new RegExp(`^([A-Z][a-z]*pus)es are (${CONCEPT})es\\.$`);
const PROPERTY_SINGULAR = new RegExp(`^(Every|Each) (${CONCEPT}) is (not )?(${ADJECTIVE})\\.$`);
const PROPERTY_PLURAL = new RegExp(`^([A-Z][a-z]*pus)es are (not )?(${ADJECTIVE})\\.$`);

/** A rule sentence read back, with the form it was written in; null when it is no rule. */
export function parseRule(sentence: string): { rule: Rule; form: RuleForm } | null {
  let match = SUBTYPE_SINGULAR.exec(sentence);
  if (match !== null) {
    const [, quantifier, child, written, parent] = match as unknown as [string, string, string, string, string];
    if (written !== article(parent)) return null;
    return { rule: { kind: 'subtype', child, parent }, form: quantifier === 'Every' ? 'every' : 'each' };
  }
  match = SUBTYPE_PLURAL.exec(sentence);
  if (match !== null) return { rule: { kind: 'subtype', child: (match[1] as string).toLowerCase(), parent: match[2] as string }, form: 'plural' };
  match = PROPERTY_SINGULAR.exec(sentence);
  if (match !== null && !/pus$/.test(match[4] as string)) {
    const rule: Rule = { kind: 'property', concept: match[2] as string, adjective: match[4] as string, holds: match[3] === undefined };
    return { rule, form: match[1] === 'Every' ? 'every' : 'each' };
  }
  match = PROPERTY_PLURAL.exec(sentence);
  if (match !== null && !/pus(es)?$/.test(match[3] as string)) {
    return { rule: { kind: 'property', concept: (match[1] as string).toLowerCase(), adjective: match[3] as string, holds: match[2] === undefined }, form: 'plural' };
  }
  return null;
}

/** Sentences of a text whose sentences each end with "." and are separated by one space. */
const sentencesOf = (text: string) => text.split(/(?<=\.) /);

// ---------------------------------------------------------------------------------------------
// Drawing a record.

/** What one draw decided, before rendering. */
interface Plan {
  entity: string;
  /** The proof's concepts, the entity's first: c0 … c(hops-1). */
  chain: string[];
  adjective: string;
  /** Whether the proof derives "E is p" (true) or "E is not p". */
  derived: boolean;
  /** The proof's rules in order: hops - 1 subtype rules, then the queried property. */
  proof: Rule[];
  /** Every rule of the context, the proof's included. */
  rules: Rule[];
}

/** What a plan is drawn from: everything but its rules. */
type Outline = Omit<Plan, 'proof' | 'rules'>;

/** Pops names and property words off shuffled lists, so that no record uses one twice. */
class Pools {
  private readonly concepts: string[];
  private readonly kinds: (readonly [string, string])[];
  constructor(private readonly rng: Random) {
    this.concepts = rng.shuffle(PRONTOQA_CONCEPTS);
    this.kinds = rng.shuffle(PRONTOQA_PROPERTY_PAIRS);
  }
  concept(): string {
    const name = this.concepts.pop();
    if (name === undefined) throw new Error('ProntoQA ran out of concept names; PRONTOQA_MAX_HOPS is too high');
    return name;
  }
  /** One word of a kind of property not used yet in this record. */
  adjective(): string {
    const kind = this.kinds.pop();
    if (kind === undefined) throw new Error('ProntoQA ran out of kinds of property; PRONTOQA_MAX_HOPS is too high');
    return this.rng.choice(kind);
  }
}

/** The proof's rules: c0 → c1 → … → c(hops-1), and the top concept's queried property. */
function proofRules(plan: Outline): Rule[] {
  const rules: Rule[] = [];
  for (let i = 0; i + 1 < plan.chain.length; i++) rules.push({ kind: 'subtype', child: plan.chain[i] as string, parent: plan.chain[i + 1] as string });
  rules.push({ kind: 'property', concept: plan.chain[plan.chain.length - 1] as string, adjective: plan.adjective, holds: plan.derived });
  return rules;
}

/**
 * Rules besides the proof's. Each new property uses a kind of property no other rule of the
 * record uses, except the distractor's, which is the queried one with the opposite value: it sits
 * below the proof's top concept's ancestors only, never below the top concept itself, so nothing
 * inherits both values.
 */
function distractorRules(rng: Random, pools: Pools, plan: Outline): Rule[] {
  const rules: Rule[] = [];
  const property = (concept: string) => rules.push({ kind: 'property', concept, adjective: pools.adjective(), holds: rng.chance(0.5) });
  const subtype = (child: string, parent: string) => rules.push({ kind: 'subtype', child, parent });
  for (const concept of plan.chain.slice(0, -1)) property(concept);

  const above: string[] = [];
  let below = plan.chain[plan.chain.length - 1] as string;
  for (let i = rng.int(1, MAX_CONCEPTS_ABOVE); i > 0; i--) {
    const concept = pools.concept();
    subtype(below, concept);
    property(concept);
    above.push(concept);
    below = concept;
  }
  if (rng.chance(0.5)) {
    const concept = pools.concept();
    subtype(concept, plan.chain[0] as string);
    property(concept);
  }
  const distractor = pools.concept();
  subtype(distractor, rng.choice(above));
  rules.push({ kind: 'property', concept: distractor, adjective: plan.adjective, holds: !plan.derived });
  // A child, so that "the concept with the queried property that has a subtype" does not single
  // out the proof's top concept (which always has one when hops > 1).
  const child = pools.concept();
  subtype(child, distractor);
  property(child);
  return rules;
}

function drawPlan(rng: Random, params: ProntoQAParams): Plan {
  const pools = new Pools(rng);
  const entity = rng.choice(PRONTOQA_ENTITIES);
  const chain = Array.from({ length: params.hops }, () => pools.concept());
  const base = { entity, chain, adjective: pools.adjective(), derived: rng.chance(0.5) };
  const proof = proofRules(base);
  const rules = params.distractors ? [...proof, ...distractorRules(rng, pools, base)] : proof;
  return { ...base, proof, rules };
}

/** The chain of thought as sentences: the entity fact, then each rule and what it derives. */
function proofSentences(plan: Plan, sentenceOf: ReadonlyMap<Rule, string>): string[] {
  const sentences = [entityConceptSentence(plan.entity, plan.chain[0] as string)];
  for (const rule of plan.proof) {
    sentences.push(sentenceOf.get(rule) as string);
    sentences.push(
      rule.kind === 'subtype' ? entityConceptSentence(plan.entity, rule.parent) : entityPropertySentence(plan.entity, rule.adjective, rule.holds),
    );
  }
  return sentences;
}

/** Sentences 0+1, 2+3, …: the reference's grouping of the chain of thought into steps. */
export function groupInPairs(sentences: readonly string[]): string[] {
  const steps: string[] = [];
  for (let i = 0; i < sentences.length; i += 2) steps.push(sentences.slice(i, i + 2).join(' '));
  return steps;
}

/** One attempt, rendered; not yet checked. */
export function drawProntoQA(rng: Random, params: ProntoQAParams): ProntoQARecord {
  const plan = drawPlan(rng, params);
  const sentenceOf = new Map<Rule, string>();
  for (const rule of plan.rules) sentenceOf.set(rule, ruleSentence(rule, params.phrasing === 'every' ? 'every' : rng.choice(RULE_FORMS)));
  const context = [...rng.shuffle([...sentenceOf.values()]), entityConceptSentence(plan.entity, plan.chain[0] as string)];
  const answerTrue = rng.chance(0.5);
  const query = QUERY_PREFIX + entityPropertySentence(plan.entity, plan.adjective, answerTrue === plan.derived);
  return {
    question: `${context.join(' ')} ${query}`,
    steps: groupInPairs(proofSentences(plan, sentenceOf)),
    answer: answerTrue ? 'True' : 'False',
  };
}

// ---------------------------------------------------------------------------------------------
// The check: everything re-read from the record's text.

/** The question read back: its rules, the entity and its concept, and the query. */
interface ReadQuestion {
  rules: { rule: Rule; form: RuleForm; sentence: string }[];
  entity: string;
  concept: string;
  adjective: string;
  queryHolds: boolean;
}

const ENTITY_CONCEPT = new RegExp(`^([A-Z][a-z]+) is (a|an) (${CONCEPT})\\.$`);
const ENTITY_PROPERTY = new RegExp(`^([A-Z][a-z]+) is (not )?(${ADJECTIVE})\\.$`);

function readQuestion(question: string, fail: (message: string) => never): ReadQuestion {
  const at = question.lastIndexOf(` ${QUERY_PREFIX}`);
  if (at < 0) fail('the question does not end with a "True or false:" query');
  const query = ENTITY_PROPERTY.exec(question.slice(at + 1 + QUERY_PREFIX.length));
  if (query === null) fail('the query is not "True or false: E is [not] p."');
  const sentences = sentencesOf(question.slice(0, at));
  const fact = ENTITY_CONCEPT.exec(sentences.pop() ?? '');
  if (fact === null || fact[2] !== article(fact[3] as string)) fail('the context does not end with the entity fact "E is a c."');
  const [, entity, , concept] = fact as unknown as [string, string, string, string];
  if ((query as RegExpExecArray)[1] !== entity) fail('the query is about another entity than the entity fact');
  const rules = sentences.map((sentence) => {
    const parsed = parseRule(sentence);
    if (parsed === null) fail(`"${sentence}" is not a rule`);
    return { ...(parsed as { rule: Rule; form: RuleForm }), sentence };
  });
  if (new Set(sentences).size !== sentences.length) fail('a rule is stated twice');
  const [, , negated, adjective] = query as unknown as [string, string, string | undefined, string];
  return { rules, entity, concept, adjective, queryHolds: negated === undefined };
}

/** Parent of each concept; fails unless the subtype rules form a forest (one parent, no cycle). */
function parentsOf(rules: readonly Rule[], fail: (message: string) => never): Map<string, string> {
  const parent = new Map<string, string>();
  for (const rule of rules) {
    if (rule.kind !== 'subtype') continue;
    if (rule.child === rule.parent) fail(`${rule.child} is its own parent`);
    if (parent.has(rule.child)) fail(`${rule.child} has two parents`);
    parent.set(rule.child, rule.parent);
  }
  for (const start of parent.keys()) {
    const seen = new Set<string>();
    for (let at: string | undefined = start; at !== undefined; at = parent.get(at)) {
      if (seen.has(at)) fail(`the subtype rules go round in a cycle through ${at}`);
      seen.add(at);
    }
  }
  return parent;
}

/** A concept and its ancestors, nearest first. */
function ancestry(parent: ReadonlyMap<string, string>, concept: string): string[] {
  const line: string[] = [];
  for (let at: string | undefined = concept; at !== undefined; at = parent.get(at)) line.push(at);
  return line;
}

/**
 * No concept derives a property both ways, and no record uses both words of an opposite pair or
 * one word for two kinds: the ontology has no contradiction, not even one a reader would see.
 */
function checkConsistent(rules: readonly Rule[], parent: ReadonlyMap<string, string>, fail: (message: string) => never): void {
  const propertiesOf = new Map<string, { adjective: string; holds: boolean }[]>();
  const concepts = new Set<string>();
  for (const rule of rules) {
    if (rule.kind === 'subtype') {
      concepts.add(rule.child).add(rule.parent);
      continue;
    }
    concepts.add(rule.concept);
    propertiesOf.set(rule.concept, [...(propertiesOf.get(rule.concept) ?? []), rule]);
  }
  for (const concept of concepts) {
    const values = new Map<string, boolean>();
    for (const ancestor of ancestry(parent, concept)) {
      for (const { adjective, holds } of propertiesOf.get(ancestor) ?? []) {
        if (values.get(adjective) === !holds) fail(`${concept} is both ${adjective} and not ${adjective}`);
        values.set(adjective, holds);
      }
    }
  }
  const adjectives = new Set(rules.flatMap((rule) => (rule.kind === 'property' ? [rule.adjective] : [])));
  for (const [one, other] of PRONTOQA_PROPERTY_PAIRS) if (adjectives.has(one) && adjectives.has(other)) fail(`both ${one} and ${other} appear`);
  for (const adjective of adjectives) {
    if (!PRONTOQA_PROPERTY_PAIRS.some((pair) => pair.includes(adjective))) fail(`"${adjective}" is not a property word`);
  }
}

/** Distances (in subtype hops up `line`) of every property rule about `adjective` the entity inherits. */
function rulesReaching(rules: readonly Rule[], line: readonly string[], adjective: string): { holds: boolean; distance: number }[] {
  return rules.flatMap((rule) =>
    rule.kind === 'property' && rule.adjective === adjective && line.includes(rule.concept) ? [{ holds: rule.holds, distance: line.indexOf(rule.concept) }] : [],
  );
}

/**
 * The steps re-derive the answer: two sentences per step (the last may be one), starting from the
 * entity fact, each rule stated verbatim in the question and about the concept the entity was just
 * shown to be, each derived sentence what that rule gives, subtype rules up the ontology and then
 * one property rule about the queried property; `hops` rule applications when given.
 */
function checkSteps(record: ProntoQARecord, read: ReadQuestion, fail: (message: string) => never): number {
  const split = record.steps.map(sentencesOf);
  if (split.some((sentences, i) => sentences.length !== 2 && !(i === split.length - 1 && sentences.length === 1))) {
    fail('steps are not two sentences each (the last may be one)');
  }
  const sentences = split.flat();
  if (sentences[0] !== entityConceptSentence(read.entity, read.concept)) fail('the steps do not start from the entity fact');
  if (sentences.length % 2 !== 1 || sentences.length < 3) fail('the steps are not the entity fact followed by rule–conclusion pairs');
  const stated = new Map(read.rules.map((entry) => [entry.sentence, entry.rule]));
  let concept = read.concept;
  let derived: boolean | null = null;
  for (let i = 1; i < sentences.length; i += 2) {
    if (derived !== null) fail('the steps go on after deriving the property');
    const rule = stated.get(sentences[i] as string);
    if (rule === undefined) fail(`step sentence "${sentences[i]}" is not a rule of the question`);
    const applied = rule as Rule;
    if ((applied.kind === 'subtype' ? applied.child : applied.concept) !== concept) fail(`"${sentences[i]}" is not about ${concept}`);
    const conclusion =
      applied.kind === 'subtype' ? entityConceptSentence(read.entity, applied.parent) : entityPropertySentence(read.entity, applied.adjective, applied.holds);
    if (sentences[i + 1] !== conclusion) fail(`"${sentences[i + 1]}" does not follow from "${sentences[i]}"`);
    if (applied.kind === 'subtype') concept = applied.parent;
    else if (applied.adjective !== read.adjective) fail('the proof derives another property than the queried one');
    else derived = applied.holds;
  }
  if (derived === null) fail('the steps never derive the queried property');
  const expected = derived === read.queryHolds ? 'True' : 'False';
  if (record.answer !== expected) fail(`the answer is ${record.answer}, but the steps make it ${expected}`);
  return (sentences.length - 1) / 2;
}

/**
 * Throws ProntoQAInvariantError naming the first broken promise: the question parses into rules,
 * an entity fact and a query; the ontology is a consistent forest with distinct names; the steps
 * prove the queried property from the question's own sentences, in `hops` rule applications when
 * `params` are given, and that proof is the only derivation (the entity reaches exactly one rule
 * about the property, at that distance); the answer agrees with it; with distractors, the
 * question also states the property with the opposite value, and without them nothing but the proof.
 */
export function checkProntoQARecord(record: ProntoQARecord, params?: ProntoQAParams): void {
  const fail = (message: string): never => {
    throw new ProntoQAInvariantError(message);
  };
  const read = readQuestion(record.question, fail);
  const rules = read.rules.map((entry) => entry.rule);
  const parent = parentsOf(rules, fail);
  checkConsistent(rules, parent, fail);
  if (PRONTOQA_CONCEPTS.includes(read.entity.toLowerCase())) fail('the entity has a concept name');
  const hops = checkSteps(record, read, fail);

  const reaching = rulesReaching(rules, ancestry(parent, read.concept), read.adjective);
  if (reaching.length !== 1 || (reaching[0] as { distance: number }).distance + 1 !== hops) {
    fail(`the entity does not reach exactly one rule about ${read.adjective}, ${hops} hops away`);
  }
  if (params === undefined) return;
  if (hops !== params.hops) fail(`${hops} hops, expected ${params.hops}`);
  const derived = (reaching[0] as { holds: boolean }).holds;
  const opposite = rules.some((rule) => rule.kind === 'property' && rule.adjective === read.adjective && rule.holds !== derived);
  if (params.distractors && !opposite) fail('no distractor states the queried property the other way');
  if (!params.distractors && rules.length !== hops) fail(`${rules.length} rules without distractors, expected the proof's ${hops}`);
  if (params.phrasing === 'every' && read.rules.some((entry) => entry.form !== 'every')) fail('a rule is not phrased "Every X is …"');
}

/** The next record, checked. */
export function generateProntoQARecord(rng: Random, params: ProntoQAParams): ProntoQARecord {
  return firstValidDraw(
    () => drawProntoQA(rng, params),
    (record) => checkProntoQARecord(record, params),
    `no valid ProntoQA record in ${MAX_DRAWS_PER_RECORD} draws (a generator bug: every draw should pass)`,
  );
}
