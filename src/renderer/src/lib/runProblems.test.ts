import { describe, expect, it } from 'vitest';
import { damageText, eventProblemsHeadline, unlistedProblems } from './runProblems';

describe('run problems in words', () => {
  it('names the damaged file before what is wrong with it', () => {
    expect(damageText({ file: 'run.json', path: '/h/runs/a/run.json', reason: 'not valid JSON at line 3, column 7' })).toBe(
      'run.json not valid JSON at line 3, column 7',
    );
  });

  it('counts the skipped event lines and names the first, or says nothing when all were read', () => {
    expect(eventProblemsHeadline({ problems: [], count: 0, lines: 40 })).toBeNull();
    const one = { problems: [{ line: 12, message: 'not valid JSON (garbage)' }], count: 1, lines: 40 };
    expect(eventProblemsHeadline(one)).toBe('1 line of events.jsonl could not be read (line 12: not valid JSON (garbage))');
    expect(unlistedProblems(one)).toBeNull();
    const many = { problems: [{ line: 3, message: 'cut short ({"v": 1)' }, { line: 9, message: 'not valid JSON (x)' }], count: 142, lines: 900 };
    expect(eventProblemsHeadline(many)).toBe('142 lines of events.jsonl could not be read (line 3: cut short ({"v": 1))');
    expect(unlistedProblems(many)).toBe('… and 140 more not listed');
  });
});
