/**
 * What each line of a run's log is. The engine writes its progress for people on stderr
 * (`progress()` in engine/coconut_engine/events.py: "epoch 1/3 stage 0 step 10/40 loss …",
 * "saved checkpoints/…", "[1/6] load", the notes it also sends as `log` events), so stderr is
 * mostly not errors. Only Python tracebacks, `error:` lines, exceptions and warnings count as
 * problems; a traceback or a warning with its source line counts once.
 */
import type { LogLine } from './logBuffer';

export type LogKind = 'progress' | 'output' | 'warning' | 'error';

export interface ClassifiedLine {
  kind: LogKind;
  /** The first line of a problem (a traceback's header, a warning): what the counts count. */
  counted: boolean;
}

/** The engine's progress lines, by the shapes `progress()` and the CLI print. */
const PROGRESS: RegExp[] = [
  /^epoch \d+\/\d+[: ]/, // "epoch 2/4: stage 1 · 1 thought", "epoch 2/4 stage 1 step 10/40 loss 0.5 (600 samples/s)"
  /^epoch \d+ eval\b/, // "epoch 2 eval: accuracy 218/300 = 72.7%", "epoch 1 eval with 2 forced thoughts: …"
  /^\s+e\.g\. generated /, // the example under an eval line
  /^saved \S/, // "saved checkpoints/epoch-2.pt"
  /^\[\d+\/\d+\] \S/, // export phases "[1/6] load"
  /^(built|loaded) \S.*\(/, // the model it built or loaded
  /^[\w-]+: \d+ training \/ \d+ validation records/, // "coconut: 40000 training / 300 validation records, …"
  /^evaluating \d+ questions\b/,
  /^done in \d+ s\b/,
  /^cancelled after \d+ s\b/,
  /^\S+: (compiling|\d+ step\(s\)|\d+ questions)\b/, // bench
  /^\s*\d{1,3}%\|/, // a tqdm bar
];

const ERROR_LINE = [
  /^(error|fatal)\b:?/i, // the engine's "error: …"; "fatal: …"
  /^([\w.]+\.)?\w*(Error|Exception)\b(:|$)/, // "RuntimeError: CUDA out of memory", "torch.OutOfMemoryError: …"
  /^(KeyboardInterrupt|SystemExit|Killed|Segmentation fault)\b/,
  /^E\d{4} \d\d:\d\d:\d\d/, // glog/absl errors from native libraries
  /CUDA out of memory|CUDA error:|NCCL error/,
];

const WARNING_LINE = [
  /^\S.*?:\d+: \w*Warning: /, // Python warnings: "/path/file.py:12: UserWarning: …"
  /^\w*Warning: /, // "FutureWarning: …"
  /^warn(ing)?\b:?/i, // "warning: …", "WARNING …"
  /^W\d{4} \d\d:\d\d:\d\d/, // glog/absl warnings
];

const TRACEBACK_START = /^Traceback \(most recent call last\):/;
/** Lines inside a traceback between frames: indented, or the chained-exception sentences. */
const TRACEBACK_BODY = /^(\s|During handling of the above exception|The above exception was the direct cause|$)/;

function matches(patterns: readonly RegExp[], text: string): boolean {
  return patterns.some((p) => p.test(text));
}

/** A line as it would read after the prefix the engine adds when it echoes one of its events on stderr. */
function withoutPrefix(text: string): string {
  return text.replace(/^(warning|error):\s*/i, '').trim();
}

/**
 * Classifies every line in order (a traceback spans lines). Engine events keep their level
 * (`warning`, `error`, else `output`); a stderr line that repeats an engine event's message is
 * that event's human copy, so it is progress and is not counted twice.
 */
export function classifyLogLines(lines: readonly LogLine[]): ClassifiedLine[] {
  const echoed = new Set<string>();
  for (const line of lines) if (line.source === 'engine') echoed.add(line.text.trim());

  const out: ClassifiedLine[] = [];
  /** Per process stream: inside a traceback, or the source line under a warning may follow. */
  const state: Record<'stdout' | 'stderr', 'none' | 'traceback' | 'warning'> = { stdout: 'none', stderr: 'none' };
  for (const line of lines) {
    if (line.source === 'engine') {
      const kind: LogKind = line.level === 'error' ? 'error' : line.level === 'warning' ? 'warning' : 'output';
      out.push({ kind, counted: kind === 'error' || kind === 'warning' });
      continue;
    }
    const text = line.text;
    const stream = line.source;
    const now = state[stream];
    if (now === 'traceback') {
      if (TRACEBACK_BODY.test(text)) {
        out.push({ kind: 'error', counted: false });
        continue;
      }
      // The exception line ends the traceback; it belongs to it.
      state[stream] = 'none';
      if (!matches(PROGRESS, text)) {
        out.push({ kind: 'error', counted: false });
        continue;
      }
    }
    if (now === 'warning') {
      state[stream] = 'none';
      // Python prints the offending source line, indented, under a warning.
      if (/^\s+\S/.test(text) && !matches(PROGRESS, text)) {
        out.push({ kind: 'warning', counted: false });
        continue;
      }
    }
    if (TRACEBACK_START.test(text)) {
      state[stream] = 'traceback';
      out.push({ kind: 'error', counted: true });
      continue;
    }
    if (matches(PROGRESS, text) || (text.trim() !== '' && (echoed.has(text.trim()) || echoed.has(withoutPrefix(text))))) {
      out.push({ kind: 'progress', counted: false });
      continue;
    }
    if (matches(ERROR_LINE, text)) {
      out.push({ kind: 'error', counted: true });
      continue;
    }
    if (matches(WARNING_LINE, text)) {
      state[stream] = 'warning';
      out.push({ kind: 'warning', counted: true });
      continue;
    }
    out.push({ kind: 'output', counted: false });
  }
  return out;
}

export function problemCounts(classified: readonly ClassifiedLine[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const c of classified) {
    if (!c.counted) continue;
    if (c.kind === 'error') errors += 1;
    else if (c.kind === 'warning') warnings += 1;
  }
  return { errors, warnings };
}
