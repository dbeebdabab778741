// feedText cuts a text into lines as Grbl does: LF, CR LF or a lone CR, numbering from
// firstLineNo, without an extra empty line after a trailing line end.
import { describe, expect, it } from 'vitest';
import { MotionPipeline } from '../../motion/pipeline.js';
import { loadMachineConfig } from '../../src/config/load.js';
import { motionSettingsFromConfig } from '../../src/config/motion-settings.js';
import { feedText } from '../../src/plan/plan-file.js';

const settings = motionSettingsFromConfig(loadMachineConfig());

function feed(text: string, firstLineNo = 1): { count: number; errorLines: number[]; x: number } {
  const pipeline = new MotionPipeline(settings, { stepTiming: false });
  const count = feedText(pipeline, text, firstLineNo);
  pipeline.finish();
  const stats = pipeline.snapshot();
  expect(stats.lines).toBe(count);
  return { count, errorLines: stats.errors.map((e) => e.line), x: stats.finalPositionMm.x };
}

describe('feedText', () => {
  it('takes LF, CR LF and lone CR as line ends and numbers lines from firstLineNo', () => {
    const r = feed('G1 X1 F600\r\nBAD1\rG1 X2\n\nBAD2\r\n\rG1 X3', 10);
    expect(r.count).toBe(7);
    expect(r.errorLines).toEqual([11, 14]);
    expect(r.x).toBe(3);
  });

  it('makes no extra line of a trailing line end, and no line of an empty text', () => {
    expect(feed('').count).toBe(0);
    expect(feed('\n').count).toBe(1);
    expect(feed('G0 X1\n').count).toBe(1);
    expect(feed('G0 X1\r').count).toBe(1);
    expect(feed('G0 X1\r\n').count).toBe(1);
    expect(feed('G0 X1\n\n').count).toBe(2);
    expect(feed('G0 X1\n\r\nBAD\r\r\n')).toEqual({ count: 4, errorLines: [3], x: 1 });
  });
});
