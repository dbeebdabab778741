import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { asSimBoard } from '../../hal/sim/board.js';
import { validate } from '../../src/config/load.js';
import { machineConfigSchema } from '../../src/config/schema.js';
import { startDaemon, type DaemonAdapter } from '../../src/daemon.js';

describe('startDaemon', () => {
  it('attaches adapters after the machine exists and closes them, then the machine, on stop', async () => {
    const config = validate(
      machineConfigSchema,
      { id: 'd1', mqtt: { enabled: false }, grbl: { enabled: false } },
      'test',
    );
    const calls: string[] = [];
    const adapter: DaemonAdapter = async (machine, cfg) => {
      calls.push(`start ${machine.id} ${cfg.id} ${machine.status().state}`);
      return { close: () => void calls.push('close') };
    };
    const disabled: DaemonAdapter = async () => null;
    const messages: string[] = [];
    const log = pino(
      {},
      { write: (s: string) => messages.push((JSON.parse(s) as { msg: string }).msg) },
    );
    const daemon = await startDaemon(config, {
      log,
      clock: 'virtual',
      adapters: [adapter, disabled],
      onMachine: () => calls.push('onMachine'),
    });
    await daemon.machine.gcode('M3 S400');
    const sim = asSimBoard(daemon.machine.board);
    sim?.virtualClock?.runUntilIdle(1e6);
    expect(sim?.pwm('spindle')?.duty()).toBe(0.4);
    await daemon.stop();
    expect(calls).toEqual(['onMachine', 'start d1 d1 Idle', 'close']);
    expect(sim?.pwm('spindle')?.duty()).toBe(0);
    expect(sim?.isOpen()).toBe(false);
    // M3 alone changes no state (nothing moves): only start and stop are logged.
    expect(messages).toEqual(['machine ready', 'machine closed, outputs safe']);
  });
});
