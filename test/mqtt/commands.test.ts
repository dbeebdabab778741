import { describe, expect, it } from 'vitest';
import { MqttErrorCode, parseCommand, parseJobPayload } from '../../src/mqtt/commands.js';

const buf = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('parseCommand', () => {
  it('takes G-code as text or as {gcode}', () => {
    expect(parseCommand('gcode', buf('G0 X1\nG1 Y2 F100'))).toEqual({
      ok: true,
      value: { name: 'gcode', text: 'G0 X1\nG1 Y2 F100' },
    });
    expect(parseCommand('gcode', buf('{"gcode":"G0 X1"}'))).toEqual({
      ok: true,
      value: { name: 'gcode', text: 'G0 X1' },
    });
  });

  it('tells bad JSON from a wrong shape', () => {
    const badJson = parseCommand('override', buf('{"target":'));
    expect(badJson.ok ? null : badJson.error.code).toBe(MqttErrorCode.badJson);
    const wrongType = parseCommand('override', buf('{"target":"feed","action":7}'));
    expect(wrongType.ok ? null : wrongType.error.code).toBe(MqttErrorCode.invalidPayload);
    const rapidStep = parseCommand('override', buf('{"target":"rapid","action":"fineUp"}'));
    expect(rapidStep.ok).toBe(false);
    const extraKey = parseCommand('gcode', buf('{"gcode":"G0 X1","speed":3}'));
    expect(extraKey.ok ? null : extraKey.error.code).toBe(MqttErrorCode.invalidPayload);
  });

  it('says which field of a union payload is wrong, not just that the input is invalid', () => {
    const message = (name: 'override' | 'jog', text: string): string => {
      const parsed = parseCommand(name, buf(text));
      return parsed.ok ? 'accepted' : parsed.error.message;
    };
    expect(message('override', '{"target":"rapid","action":"fineUp"}')).toBe(
      'action: Invalid option: expected one of "reset"|25|50|100',
    );
    expect(message('override', '{"target":"x","action":"reset"}')).toMatch(/^target: .*'rapid'/);
    expect(message('jog', '{"xMm":"ten","feedMmMin":100}')).toBe(
      'xMm: Invalid input: expected number, received string',
    );
    const job = parseJobPayload(buf('{"file":5}'));
    expect(job.ok ? 'accepted' : job.error.message).toBe(
      'file: Invalid input: expected string, received number',
    );
    // Equally close branches are all named.
    const empty = parseJobPayload(buf('{}'));
    expect(empty.ok ? 'accepted' : empty.error.message).toMatch(
      /^one of: \(gcode: .*\) or \(file: .*\)$/,
    );
  });

  it('accepts the override steps Grbl has', () => {
    expect(parseCommand('override', buf('{"target":"rapid","action":25}'))).toEqual({
      ok: true,
      value: { name: 'override', target: 'rapid', action: 25 },
    });
    expect(parseCommand('override', buf('{"target":"spindle","action":"coarseDown"}'))).toEqual({
      ok: true,
      value: { name: 'override', target: 'spindle', action: 'coarseDown' },
    });
  });

  it('takes no argument for the one-shot commands, including Home Assistant payloads', () => {
    for (const payload of ['', '{}', 'PRESS', ' { } ']) {
      expect(parseCommand('hold', buf(payload))).toEqual({ ok: true, value: { name: 'hold' } });
    }
    const withArgument = parseCommand('estop', buf('{"now":true}'));
    expect(withArgument.ok ? null : withArgument.error.code).toBe(MqttErrorCode.invalidPayload);
  });

  it('homes all axes or the listed ones, and refuses unknown axes', () => {
    expect(parseCommand('home', buf(''))).toEqual({ ok: true, value: { name: 'home' } });
    expect(parseCommand('home', buf('{"axes":["z","x"]}'))).toEqual({
      ok: true,
      value: { name: 'home', axes: ['z', 'x'] },
    });
    expect(parseCommand('home', buf('{"axes":["a"]}')).ok).toBe(false);
  });

  it('builds a jog line from a line, a $J= line, fields, or a cancel', () => {
    expect(parseCommand('jog', buf('$J=G91 X10 F1000'))).toEqual({
      ok: true,
      value: { name: 'jog', line: 'G91 X10 F1000' },
    });
    expect(parseCommand('jog', buf('{"xMm":-2.5,"zMm":1,"feedMmMin":600}'))).toEqual({
      ok: true,
      value: { name: 'jog', line: 'G91 G21 X-2.5 Z1 F600' },
    });
    expect(parseCommand('jog', buf('{"xMm":5,"feedMmMin":600,"relative":false}'))).toEqual({
      ok: true,
      value: { name: 'jog', line: 'G90 G21 X5 F600' },
    });
    expect(parseCommand('jog', buf('{"cancel":true}'))).toEqual({
      ok: true,
      value: { name: 'jogCancel' },
    });
    expect(parseCommand('jog', buf('{"feedMmMin":600}')).ok).toBe(false);
    expect(parseCommand('jog', buf('{"xMm":"far","feedMmMin":600}')).ok).toBe(false);
  });
});

describe('parseJobPayload', () => {
  it('takes G-code text, {gcode, name} or {file}', () => {
    expect(parseJobPayload(buf('G0 X1\n'))).toEqual({ ok: true, value: { gcode: 'G0 X1\n' } });
    expect(parseJobPayload(buf('{"name":"part","gcode":"G0 X1"}'))).toEqual({
      ok: true,
      value: { name: 'part', gcode: 'G0 X1' },
    });
    expect(parseJobPayload(buf('{"file":"/srv/jobs/a.nc"}'))).toEqual({
      ok: true,
      value: { file: '/srv/jobs/a.nc' },
    });
  });

  it('refuses an empty job and a job with both or neither source', () => {
    for (const payload of ['', '  \n', '{}', '{"gcode":"G0","file":"a.nc"}', '{"gcode":" "}']) {
      const parsed = parseJobPayload(buf(payload));
      expect(parsed.ok ? null : parsed.error.code).toBe(MqttErrorCode.invalidPayload);
    }
  });
});
