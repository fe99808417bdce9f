/**
 * What the run page says when part of a run cannot be read: its record (a `damaged` run) or lines
 * of its events.jsonl (skipped, so charts and figures may miss them). Pure text from API answers.
 */
import type { EventLogReport, RunDamage } from '../../../common/runs';

/** "run.json not valid JSON at line 3, column 7": the file, then what is wrong with it. */
export function damageText(damage: RunDamage): string {
  return `${damage.file} ${damage.reason}`;
}

/**
 * "2 lines of events.jsonl could not be read (line 12: not valid JSON (garbage))", or null when
 * every line was read. The first skipped line is named; the rest are listed on demand.
 */
export function eventProblemsHeadline(report: EventLogReport): string | null {
  if (report.count === 0) return null;
  const first = report.problems[0];
  const lines = report.count === 1 ? '1 line' : `${report.count} lines`;
  return `${lines} of events.jsonl could not be read${first ? ` (line ${first.line}: ${first.message})` : ''}`;
}

/** "… and 40 more not listed" under the list, when the host kept only the first skipped lines. */
export function unlistedProblems(report: EventLogReport): string | null {
  const more = report.count - report.problems.length;
  return more > 0 ? `… and ${more} more not listed` : null;
}
