// Grbl's numbered `$N` settings, mapped from the machine config for `$$`. The config (YAML) is
// the one source of truth: these are a read-only view, except `$10` (status report mask),
// which only shapes this connection's reports.
import type { MachineConfig } from '../config/schema.js';

/** One Grbl setting: its number, value and the decimals Grbl prints it with. */
export interface GrblSetting {
  id: number;
  value: number;
  decimals: number;
}

/** `$10` bit 0: report machine position (else work position). */
export const MASK_MPOS = 1;
/** `$10` bit 1: report the buffer state (`Bf:`). */
export const MASK_BUFFER = 2;
/** Reports MPos and Bf unless a sender asks otherwise. */
export const DEFAULT_STATUS_MASK = MASK_MPOS | MASK_BUFFER;
/** Grbl's `$1=255`: steppers stay enabled at rest, as the machine keeps them. */
const STEPPERS_ALWAYS_ON = 255;
/** Grbl's smallest step pulse, µs ($0 below 3 is refused). */
const MIN_PULSE_US = 3;

const AXES = ['x', 'y', 'z'] as const;

/** The settings `$$` prints, in Grbl's order, for a config and a connection's `$10` mask. */
export function grblSettings(
  config: MachineConfig,
  stepPulseUs: number,
  statusMask: number,
): GrblSetting[] {
  const int = (id: number, value: number): GrblSetting => ({ id, value, decimals: 0 });
  const real = (id: number, value: number): GrblSetting => ({ id, value, decimals: 3 });
  const flag = (id: number, on: boolean): GrblSetting => int(id, on ? 1 : 0);
  const homing = config.homing;
  // Grbl homes towards +max unless an axis's $23 bit is set.
  const homingDirMask = AXES.reduce(
    (mask, axis, bit) => (homing.towardsMax[axis] ? mask : mask | (1 << bit)),
    0,
  );
  const settings: GrblSetting[] = [
    int(0, Math.max(MIN_PULSE_US, Math.ceil(stepPulseUs))),
    int(1, STEPPERS_ALWAYS_ON),
    // Pin polarity lives in the board file, already applied: Grbl's masks read as none.
    int(2, 0),
    int(3, 0),
    flag(4, false),
    flag(5, false),
    flag(6, false),
    int(10, statusMask),
    real(11, config.planner.junctionDeviationMm),
    real(12, config.planner.arcToleranceMm),
    flag(13, false),
    flag(20, config.limits.soft),
    flag(21, config.limits.hard),
    flag(22, homing.enabled),
    int(23, homingDirMask),
    real(24, homing.feedMmMin),
    real(25, homing.seekMmMin),
    int(26, Math.round(homing.debounceMs)),
    real(27, homing.pullOffMm),
    int(30, config.spindle.maxRpm),
    int(31, config.spindle.minRpm),
    flag(32, config.spindle.laserMode),
  ];
  AXES.forEach((axis, i) => settings.push(real(100 + i, config.axes[axis].stepsPerMm)));
  AXES.forEach((axis, i) => settings.push(real(110 + i, config.axes[axis].maxRateMmMin)));
  AXES.forEach((axis, i) => settings.push(real(120 + i, config.axes[axis].accelMmS2)));
  AXES.forEach((axis, i) => settings.push(real(130 + i, config.axes[axis].travelMm)));
  return settings;
}

/** The `$$` printout: one `$N=value` line per setting. */
export function settingsReportLines(settings: GrblSetting[]): string[] {
  return settings.map((s) => `$${s.id}=${s.value.toFixed(s.decimals)}`);
}

export type SettingWrite =
  | { kind: 'statusMask'; mask: number }
  | { kind: 'unchanged' }
  | { kind: 'refused'; code: number; message?: string };

/** Grbl's "invalid statement": unknown setting or a write we do not take. */
const ERR_INVALID_STATEMENT = 3;
const ERR_BAD_NUMBER = 2;
const ERR_NEGATIVE = 4;
const READ_ONLY_MESSAGE =
  'Settings are read-only here: edit the machine config (YAML) and restart minifactory';

/**
 * What a `$N=value` write does: `$10` changes this connection's reports; writing the value a
 * setting already has is accepted (senders that restore settings keep working); anything
 * else is refused with a message pointing at the config file.
 */
export function settingWrite(settings: GrblSetting[], id: number, valueText: string): SettingWrite {
  const value = Number(valueText.trim());
  if (valueText.trim() === '' || !Number.isFinite(value)) {
    return { kind: 'refused', code: ERR_BAD_NUMBER };
  }
  if (value < 0) return { kind: 'refused', code: ERR_NEGATIVE };
  const setting = settings.find((s) => s.id === id);
  if (setting === undefined) return { kind: 'refused', code: ERR_INVALID_STATEMENT };
  if (id === 10) return { kind: 'statusMask', mask: Math.trunc(value) & 0xff };
  // Same value as printed (to its decimals): nothing to change.
  const tolerance = 0.5 * 10 ** -setting.decimals;
  if (Math.abs(value - setting.value) <= tolerance) return { kind: 'unchanged' };
  return { kind: 'refused', code: ERR_INVALID_STATEMENT, message: READ_ONLY_MESSAGE };
}
