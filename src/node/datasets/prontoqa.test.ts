/**
 * The ProntoQA generator. The property tests re-read each record's text with their own small
 * parser (written here, independent of the generator's) so that a bug shared by the generator and
 * its check cannot hide.
 */
import { describe, expect, it } from 'vitest';
import { getGenerator } from './generators.js';
import {
  checkProntoQARecord,
  drawProntoQA,
  generateProntoQARecord,
  groupInPairs,
  PRONTOQA_MAX_HOPS,
  PRONTOQA_PROPERTY_PAIRS,
  ProntoQAInvariantError,
  resolveProntoQAParams,
  type ProntoQAParams,
  type ProntoQARecord,
} from './prontoqa.js';
import { createRandom } from './random.js';
import { recordProblems } from './records.js';
import { computeDatasetStats } from './stats.js';

function records(seed: number, count: number, params: ProntoQAParams): ProntoQARecord[] {
  const rng = createRandom(seed);
  return Array.from({ length: count }, () => generateProntoQARecord(rng, params));
}

/** A rule as this test reads it: `parent` for "X is a Y", `property` and `holds` for "X is [not] p". */
interface TestRule {
  concept: string;
  parent?: string;
  property?: string;
  holds?: boolean;
}

const singular = (word: string) => word.toLowerCase().replace(/es$/, '');

/** The test's own reading of one context sentence; throws on anything else. */
function readRule(sentence: string): TestRule {
  const words = sentence.replace(/\.$/, '').split(' ');
  if (words[0] === 'Every' || words[0] === 'Each') {
    const [, concept, is, ...rest] = words as [string, string, string, ...string[]];
    expect(is).toBe('is');
    if (rest[0] === 'a' || rest[0] === 'an') {
      expect(rest).toHaveLength(2);
      expect(rest[0], sentence).toBe(/^[aeiou]/.test(rest[1] as string) ? 'an' : 'a');
      return { concept, parent: rest[1] };
    }
    return { concept, property: rest[rest.length - 1], holds: rest.length === 1 };
  }
  const [subject, are, ...rest] = words as [string, string, ...string[]];
  expect(are, sentence).toBe('are');
  expect(subject).toMatch(/^[A-Z][a-z]*puses$/);
  const object = rest[rest.length - 1] as string;
  if (object.endsWith('puses')) return { concept: singular(subject), parent: singular(object) };
  return { concept: singular(subject), property: object, holds: rest.length === 1 };
}

interface TestReading {
  entity: string;
  concept: string;
  query: { property: string; holds: boolean };
  rules: TestRule[];
  sentences: string[];
}

function readRecord(record: ProntoQARecord): TestReading {
  const match = /^(.*) (\S+) is (an? )?(\S+)\. True or false: (\S+) is (not )?(\S+)\.$/.exec(record.question);
  expect(match, record.question).not.toBeNull();
  const [, context, entity, , concept, queried, negated, property] = match as unknown as string[];
  expect(queried).toBe(entity);
  const sentences = (context as string).split(/(?<=\.) /);
  return {
    entity: entity as string,
    concept: concept as string,
    query: { property: property as string, holds: negated === undefined },
    rules: sentences.map(readRule),
    sentences,
  };
}

/** Every (property, value) the entity derives by walking up the "is a" rules, with the hops it took. */
function derivations(reading: TestReading): { property: string; holds: boolean; hops: number }[] {
  const found: { property: string; holds: boolean; hops: number }[] = [];
  let frontier = [reading.concept];
  const seen = new Set(frontier);
  for (let hops = 1; frontier.length > 0; hops++) {
    const next: string[] = [];
    for (const concept of frontier) {
      for (const rule of reading.rules.filter((r) => r.concept === concept)) {
        if (rule.property !== undefined) found.push({ property: rule.property, holds: rule.holds as boolean, hops });
        if (rule.parent !== undefined && !seen.has(rule.parent)) {
          seen.add(rule.parent);
          next.push(rule.parent);
        }
      }
    }
    frontier = next;
  }
  return found;
}

/** The promises of the issue, checked from the text alone. */
function expectSound(record: ProntoQARecord, params: ProntoQAParams): void {
  const reading = readRecord(record);
  const about = derivations(reading).filter((d) => d.property === reading.query.property);
  // Exactly one derivation of the queried property, `hops` rule applications long, no contradiction.
  expect(about, record.question).toHaveLength(1);
  const derived = about[0] as { holds: boolean; hops: number };
  expect(derived.hops).toBe(params.hops);
  expect(record.answer).toBe(derived.holds === reading.query.holds ? 'True' : 'False');

  // Steps: two sentences each (the last one alone), the entity fact then rule/conclusion pairs.
  const sentences = record.steps.flatMap((step) => step.split(/(?<=\.) /));
  expect(record.steps.slice(0, -1).every((step) => step.split(/(?<=\.) /).length === 2)).toBe(true);
  expect(sentences).toHaveLength(2 * params.hops + 1);
  expect(sentences[0]).toBe(`${reading.entity} is ${/^[aeiou]/.test(reading.concept) ? 'an' : 'a'} ${reading.concept}.`);
  let current = reading.concept;
  for (let i = 1; i < sentences.length; i += 2) {
    const ruleText = sentences[i] as string;
    expect(reading.sentences, 'a step rule is stated verbatim in the question').toContain(ruleText);
    const rule = readRule(ruleText);
    expect(rule.concept).toBe(current);
    if (rule.parent !== undefined) {
      expect(sentences[i + 1]).toBe(`${reading.entity} is ${/^[aeiou]/.test(rule.parent) ? 'an' : 'a'} ${rule.parent}.`);
      current = rule.parent;
    } else {
      expect(i, 'only the last hop applies a property rule').toBe(sentences.length - 2);
      expect(sentences[i + 1]).toBe(`${reading.entity} is ${rule.holds ? '' : 'not '}${rule.property}.`);
    }
  }

  // No concept of the ontology inherits a property both ways; one parent each, no cycle.
  const concepts = new Set(reading.rules.flatMap((r) => [r.concept, ...(r.parent === undefined ? [] : [r.parent])]));
  for (const concept of concepts) {
    const values = derivations({ ...reading, concept });
    for (const { property, holds } of values) expect(values.some((v) => v.property === property && v.holds !== holds), `${concept} ${property}`).toBe(false);
    expect(reading.rules.filter((r) => r.concept === concept && r.parent !== undefined).length).toBeLessThanOrEqual(1);
  }
  expect(concepts.has(reading.entity.toLowerCase())).toBe(false);
  expect(new Set(reading.sentences).size).toBe(reading.sentences.length);
  // One word per opposite pair, so no "bright" next to "dull".
  const words = new Set(reading.rules.flatMap((r) => (r.property === undefined ? [] : [r.property])));
  for (const pair of PRONTOQA_PROPERTY_PAIRS) expect(pair.filter((word) => words.has(word)).length).toBeLessThanOrEqual(1);

  if (params.distractors) {
    // The queried property also appears the other way, on a concept the entity does not reach.
    expect(reading.rules.some((r) => r.property === reading.query.property && r.holds !== derived.holds)).toBe(true);
  } else {
    expect(reading.rules).toHaveLength(params.hops);
  }
  expect(recordProblems(record)).toEqual([]);
}

describe('ProntoQA parameters', () => {
  it("defaults to the paper's 5 hops, distractors and varied phrasing", () => {
    expect(resolveProntoQAParams()).toEqual({ hops: 5, distractors: true, phrasing: 'varied' });
    expect(resolveProntoQAParams({ hops: 3, distractors: false, phrasing: 'every' })).toEqual({ hops: 3, distractors: false, phrasing: 'every' });
  });

  it('refuses impossible or unknown parameters', () => {
    expect(() => resolveProntoQAParams({ hops: 0 })).toThrow();
    expect(() => resolveProntoQAParams({ hops: PRONTOQA_MAX_HOPS + 1 })).toThrow();
    expect(() => resolveProntoQAParams({ phrasing: 'each' })).toThrow();
    expect(() => resolveProntoQAParams({ depth: 3 })).toThrow();
  });

  it('is in the registry', () => {
    expect(getGenerator('prontoqa').description).toMatch(/9000 \/ 200 \/ 800/);
  });
});

describe('ProntoQA generation', () => {
  it('writes the reference format: question, steps two sentences each, True or False', () => {
    const [record] = records(1, 1, resolveProntoQAParams()) as [ProntoQARecord];
    expect(Object.keys(record)).toEqual(['question', 'steps', 'answer']);
    expect(record.question).toMatch(/^(\S+ )+[A-Z][a-z]+ is an? [a-z]+pus\. True or false: [A-Z][a-z]+ is (not )?[a-z]+\.$/);
    expect(record.steps).toHaveLength(6);
    expect(record.steps[5]).toMatch(/^[A-Z][a-z]+ is (not )?[a-z]+\.$/);
  });

  it('groups sentences two per step, an odd last one alone', () => {
    expect(groupInPairs(['A.', 'B.', 'C.', 'D.', 'E.'])).toEqual(['A. B.', 'C. D.', 'E.']);
    expect(groupInPairs(['A.', 'B.'])).toEqual(['A. B.']);
  });

  it('is deterministic for a seed', () => {
    const params = resolveProntoQAParams();
    expect(records(7, 20, params)).toEqual(records(7, 20, params));
    expect(records(7, 5, params)).not.toEqual(records(8, 5, params));
  });

  it('keeps every promise over 300 seeds, read back from the text', () => {
    const settings = [
      resolveProntoQAParams(),
      resolveProntoQAParams({ hops: 1 }),
      resolveProntoQAParams({ hops: 3, distractors: false }),
      resolveProntoQAParams({ hops: PRONTOQA_MAX_HOPS, phrasing: 'every' }),
    ];
    for (let seed = 0; seed < 300; seed++) {
      const params = settings[seed % settings.length] as ProntoQAParams;
      const rng = createRandom(seed);
      for (let i = 0; i < 3; i++) {
        // Every draw must pass on its own: the check is a guard, not a filter that hides bugs.
        const record = drawProntoQA(rng, params);
        expect(() => checkProntoQARecord(record, params), `seed ${seed}`).not.toThrow();
        expectSound(record, params);
      }
    }
  });

  it('answers True about half of the time, and asks the negated form about half of the time', () => {
    const sample = records(3, 1000, resolveProntoQAParams());
    const trues = sample.filter((r) => r.answer === 'True').length;
    // 1000 fair draws: the standard deviation is 1.6 points; 5 points is three of them.
    expect(Math.abs(trues / 1000 - 0.5)).toBeLessThan(0.05);
    const negatedQueries = sample.filter((r) => / is not [a-z]+\.$/.test(r.question)).length;
    expect(Math.abs(negatedQueries / 1000 - 0.5)).toBeLessThan(0.05);
  });

  it('phrases rules in the three forms when varied, only "Every" otherwise', () => {
    const varied = records(4, 50, resolveProntoQAParams()).map((r) => r.question).join(' ');
    for (const form of [/Every [a-z]+pus is/, /Each [a-z]+pus is/, /[A-Z][a-z]+puses are/]) expect(varied).toMatch(form);
    const every = records(4, 50, resolveProntoQAParams({ phrasing: 'every' })).map((r) => r.question).join(' ');
    expect(every).not.toMatch(/Each |puses are/);
  });

  it('places the distractor like the proof\'s top concept: both have a parent and a child', () => {
    for (const record of records(6, 200, resolveProntoQAParams())) {
      const reading = readRecord(record);
      const holders = reading.rules.filter((r) => r.property === reading.query.property).map((r) => r.concept);
      expect(holders).toHaveLength(2);
      for (const concept of holders) {
        expect(reading.rules.some((r) => r.concept === concept && r.parent !== undefined)).toBe(true);
        expect(reading.rules.some((r) => r.parent === concept)).toBe(true);
      }
    }
  });

  it('has ProntoQA-sized contexts and h + 1 steps', () => {
    const stats = computeDatasetStats(records(5, 300, resolveProntoQAParams()));
    expect(stats.steps.histogram).toEqual({ 6: 300 });
    expect(stats.graph).toBeNull();
    // 5-hop proof, a property on each concept, 1–2 concepts above, the distractors: about 15–20 sentences.
    expect(stats.questionWords.mean).toBeGreaterThan(60);
    expect(stats.questionWords.max).toBeLessThan(150);
  });
});

describe('ProntoQA invariant check', () => {
  const params = resolveProntoQAParams();
  const [good] = records(21, 1, params) as [ProntoQARecord];
  const broken = (change: (r: ProntoQARecord) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return () => checkProntoQARecord(copy, params);
  };

  it('accepts a generated record', () => {
    expect(() => checkProntoQARecord(good, params)).not.toThrow();
  });

  it('catches a flipped answer, a missing or reordered step, an unstated rule and a contradiction', () => {
    expect(broken((r) => (r.answer = r.answer === 'True' ? 'False' : 'True'))).toThrow(/answer/);
    expect(broken((r) => r.steps.pop())).toThrow(ProntoQAInvariantError);
    expect(broken((r) => r.steps.reverse())).toThrow(ProntoQAInvariantError);
    expect(broken((r) => (r.steps[1] = r.steps[1]!.replace(/\. .*$/, '. Every nopus is a wumpus.')))).toThrow(ProntoQAInvariantError);
    const [, entity, concept] = /([A-Z][a-z]+) is an? ([a-z]+)\. True or false/.exec(good.question) as unknown as [string, string, string];
    const property = /True or false: \S+ is (?:not )?([a-z]+)\.$/.exec(good.question)?.[1] as string;
    // Stating the property both ways right on the entity's concept makes the ontology contradict itself.
    const contradiction = `Every ${concept} is ${property}. Every ${concept} is not ${property}. `;
    expect(broken((r) => (r.question = contradiction + r.question))).toThrow(/both/);
    expect(broken((r) => (r.question = r.question.replace(/True or false: /, 'Is it true: ')))).toThrow(/query/);
    expect(entity).toMatch(/^[A-Z]/);
  });
});
