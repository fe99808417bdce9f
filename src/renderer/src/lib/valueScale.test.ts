import { describe, expect, it } from 'vitest';
import { clampUnit, colorSignature, textColorOn, VALUE_RAMP, valueColor } from './valueScale';

describe('value colour scale', () => {
  it('runs from the first stop at 0 to the last at 1, through every stop in between', () => {
    for (const scheme of ['light', 'dark'] as const) {
      const stops = VALUE_RAMP[scheme];
      expect(valueColor(0, scheme)).toBe(stops[0]);
      expect(valueColor(1, scheme)).toBe(stops[stops.length - 1]);
      stops.forEach((stop, i) => expect(valueColor(i / (stops.length - 1), scheme)).toBe(stop));
    }
  });

  it('interpolates between stops and clamps what lies outside [0, 1]', () => {
    // Halfway between #eef2f8 and #c3d3ee.
    expect(valueColor(0.125, 'light')).toBe('#d9e3f3');
    expect(valueColor(-3, 'light')).toBe(valueColor(0, 'light'));
    expect(valueColor(7, 'light')).toBe(valueColor(1, 'light'));
    expect(valueColor(Number.NaN, 'dark')).toBe(valueColor(0, 'dark'));
    expect(clampUnit(Infinity)).toBe(1);
  });

  it('darkens steadily with the value on the light scheme (a higher probability never looks lighter)', () => {
    const brightness = (hex: string) => [1, 3, 5].reduce((sum, at) => sum + Number.parseInt(hex.slice(at, at + 2), 16), 0);
    let previous = Infinity;
    for (let v = 0; v <= 1.0001; v += 0.05) {
      const now = brightness(valueColor(v, 'light'));
      expect(now).toBeLessThanOrEqual(previous);
      previous = now;
    }
  });

  it('picks readable text on both ends of the scale', () => {
    expect(textColorOn(valueColor(0, 'light'))).toBe('#1d2330');
    expect(textColorOn(valueColor(1, 'light'))).toBe('#ffffff');
    expect(textColorOn(valueColor(0, 'dark'))).toBe('#ffffff');
  });

  it('gives equal colour lists equal signatures and different ones different signatures', () => {
    const a = ['#112233', '#445566'];
    expect(colorSignature(a)).toBe(colorSignature([...a]));
    expect(colorSignature(a)).toMatch(/^[0-9a-f]{8}$/);
    expect(colorSignature(a)).not.toBe(colorSignature(['#445566', '#112233']));
    expect(colorSignature(a)).not.toBe(colorSignature(['#112233', '#445567']));
  });
});
