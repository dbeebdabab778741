// Hardware PWM through the kernel's sysfs PWM class (/sys/class/pwm/pwmchipN/pwmM), as on a
// Pi 5 with a PWM overlay (dtoverlay=pwm-2chan or pwm). The pwmchip number changed between
// kernels, so it is found, not hard-coded: the first chip with enough channels, unless the
// board names one (options.pwmChip). Period and duty are in nanoseconds.
import { access, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PwmOutput, PwmRole } from '../types.js';

/**
 * PWM channel of a header GPIO: on a Pi 5's RP1 (4 channels) GPIO 12/13/18/19 are channels
 * 0/1/2/3; on the 2-channel BCM block of older Pis GPIO 12/18 are channel 0, 13/19 channel 1.
 */
export function pwmChannelFor(gpio: number, channels: number): number | undefined {
  if (channels >= 4) return { 12: 0, 13: 1, 18: 2, 19: 3 }[gpio];
  return { 12: 0, 18: 0, 13: 1, 19: 1 }[gpio];
}

/** Finds the pwmchip directory and channel for a GPIO (or the board's explicit choice). */
export async function findPwmChannel(
  pwmRoot: string,
  gpio: number,
  chipOption?: number,
  channelOption?: number,
): Promise<{ chipDir: string; channel: number }> {
  const names = (await readdir(pwmRoot)).filter((n) => /^pwmchip\d+$/.test(n));
  const chips = chipOption !== undefined ? [`pwmchip${chipOption}`] : names.sort();
  for (const name of chips) {
    const chipDir = join(pwmRoot, name);
    const npwm = Number((await readFile(join(chipDir, 'npwm'), 'utf8')).trim());
    const channel = channelOption ?? pwmChannelFor(gpio, npwm);
    if (channel !== undefined && channel < npwm) return { chipDir, channel };
  }
  throw new Error(
    `no PWM channel for GPIO ${gpio} under ${pwmRoot} (found: ${names.join(', ') || 'none'}); ` +
      'enable a PWM overlay (dtoverlay=pwm-2chan) or set options.pwmChip/pwmChannel',
  );
}

/** One sysfs PWM channel. Writes are asynchronous; errors are kept in lastError. */
export class SysfsPwm implements PwmOutput {
  private ratio = 0;
  private hz: number;
  private periodNs = 0;
  private tail: Promise<void> = Promise.resolve();
  lastError: Error | undefined;

  private constructor(
    readonly role: PwmRole,
    private readonly channelDir: string,
    frequencyHz: number,
  ) {
    this.hz = frequencyHz;
  }

  /** Exports the channel if needed, sets the frequency at duty 0 and enables it. */
  static async open(
    role: PwmRole,
    chipDir: string,
    channel: number,
    frequencyHz: number,
  ): Promise<SysfsPwm> {
    const channelDir = join(chipDir, `pwm${channel}`);
    const exists = await access(channelDir).then(
      () => true,
      () => false,
    );
    if (!exists) await writeFile(join(chipDir, 'export'), String(channel));
    const pwm = new SysfsPwm(role, channelDir, frequencyHz);
    pwm.setFrequency(frequencyHz);
    pwm.queue(() => writeFile(join(channelDir, 'enable'), '1'));
    await pwm.settled();
    return pwm;
  }

  setDuty(ratio: number): void {
    if (Number.isNaN(ratio)) throw new RangeError('PWM duty is NaN');
    this.ratio = Math.min(1, Math.max(0, ratio));
    const dutyNs = Math.round(this.ratio * this.periodNs);
    this.queue(() => writeFile(join(this.channelDir, 'duty_cycle'), String(dutyNs)));
  }

  setFrequency(hz: number): void {
    if (!(hz > 0 && Number.isFinite(hz))) throw new RangeError(`PWM frequency ${hz} Hz is not > 0`);
    this.hz = hz;
    this.periodNs = Math.round(1e9 / hz);
    const periodNs = this.periodNs;
    // The kernel refuses a duty above the period: zero it before changing the period.
    this.queue(() => writeFile(join(this.channelDir, 'duty_cycle'), '0'));
    this.queue(() => writeFile(join(this.channelDir, 'period'), String(periodNs)));
    this.setDuty(this.ratio);
  }

  duty(): number {
    return this.ratio;
  }

  frequencyHz(): number {
    return this.hz;
  }

  /** Resolves when every write so far has been made. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Duty 0 and the channel disabled. */
  async close(): Promise<void> {
    this.setDuty(0);
    this.queue(() => writeFile(join(this.channelDir, 'enable'), '0'));
    await this.settled();
  }

  private queue(op: () => Promise<void>): void {
    this.tail = this.tail.then(op).catch((err: unknown) => {
      this.lastError ??= err instanceof Error ? err : new Error(String(err));
    });
  }
}
