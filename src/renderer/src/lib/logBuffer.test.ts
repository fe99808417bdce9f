import { describe, expect, it } from 'vitest';
import { LogBuffer } from './logBuffer';

describe('LogBuffer', () => {
  it('joins a line split across chunks and keeps streams apart', () => {
    const b = new LogBuffer();
    b.appendText('stdout', 'epoch 1 st');
    b.appendText('stderr', 'warning\n');
    b.appendText('stdout', 'ep 3\nnext\n');
    expect(b.lines.map((l) => [l.source, l.text])).toEqual([
      ['stdout', 'epoch 1 step 3'],
      ['stderr', 'warning'],
      ['stdout', 'next'],
    ]);
  });

  it('shows what a carriage-return progress bar last drew', () => {
    const b = new LogBuffer();
    b.appendText('stderr', '\r 10%');
    b.appendText('stderr', '\r 50%');
    b.appendText('stderr', '\r100%\n');
    expect(b.lines.map((l) => l.text)).toEqual(['100%']);
  });

  it('keeps empty lines in the middle and caps the total', () => {
    const b = new LogBuffer(3);
    b.appendText('stdout', 'a\n\nb\nc\nd\n');
    expect(b.lines.map((l) => l.text)).toEqual(['b', 'c', 'd']);
  });

  it('adds engine messages with their level', () => {
    const b = new LogBuffer();
    b.appendEvent({ v: 1, t: 1, type: 'log', level: 'warning', message: 'slow' });
    b.appendEvent({ v: 1, t: 2, type: 'error', message: 'boom', where: 'train_path', traceback: null });
    expect(b.lines.map((l) => [l.level, l.text])).toEqual([
      ['warning', 'slow'],
      ['error', 'boom (at train_path)'],
    ]);
  });
});
