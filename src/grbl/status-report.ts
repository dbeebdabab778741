// Grbl 1.1's `?` status report, `<Idle|MPos:...|FS:...>`, built from a machine status. The
// intermittent fields (WCO, Ov with accessories) follow Grbl's refresh rules, per connection.
import type { DoorPhase, MachineStatus } from '../machine/types.js';
import { MASK_BUFFER, MASK_MPOS } from './settings-report.js';

type InputRole = MachineStatus['inputs'][number];
type VecMm = MachineStatus['machinePositionMm'];

/** Planner blocks Grbl reports as its buffer (15 on an AVR): `Bf:` counts down from these. */
export const PLANNER_BLOCKS = 15;
/** Grbl's serial receive buffer, bytes: what character-counting senders assume. */
export const RX_BUFFER_BYTES = 128;

/** Reports between WCO refreshes (busy, idle) and between Ov refreshes, as Grbl's defaults. */
const WCO_REFRESH = { busy: 30, idle: 10 };
const OV_REFRESH = { busy: 20, idle: 10 };

/** Grbl's Pn: letters; e-stop as grblHAL reports it (E). */
const PIN_LETTERS: Partial<Record<InputRole, string>> = {
  limitX: 'X',
  limitY: 'Y',
  limitZ: 'Z',
  probe: 'P',
  door: 'D',
  hold: 'H',
  reset: 'R',
  resume: 'S',
  estop: 'E',
};

const vec = (v: VecMm): string => `${v.x.toFixed(3)},${v.y.toFixed(3)},${v.z.toFixed(3)}`;

/** What the connection adds to the machine's status. */
export interface ReportContext {
  /** `$10` status report mask. */
  statusMask: number;
  /** Bytes received on the connection whose line is not yet answered. */
  rxPendingBytes: number;
}

/**
 * Grbl's Door:N: 0 closed (ready to resume), 1 open at rest, 2 stopping after the door opened,
 * 3 closed and restoring spindle and coolant before the cycle goes on.
 */
const DOOR_SUBSTATES: Record<DoorPhase, number> = { closed: 0, open: 1, stopping: 2, restoring: 3 };

/** The state field with Grbl's sub-states. */
function stateField(status: MachineStatus): string {
  switch (status.state) {
    case 'Hold':
      // Hold:0 is a completed hold (ready to resume), Hold:1 one still decelerating.
      return status.feedMmMin > 0 ? 'Hold:1' : 'Hold:0';
    case 'Door':
      return `Door:${DOOR_SUBSTATES[status.door ?? (status.inputs.includes('door') ? 'open' : 'closed')]}`;
    default:
      return status.state;
  }
}

function accessories(status: MachineStatus): string {
  let letters = '';
  if (status.spindle === 'cw') letters += 'S';
  if (status.spindle === 'ccw') letters += 'C';
  if (status.coolant.flood) letters += 'F';
  if (status.coolant.mist) letters += 'M';
  return letters;
}

/**
 * Builds status reports for one connection. WCO appears in the first report, when the
 * offset changes, and every 10 (idle) or 30 (busy) reports; Ov (with A:) in the report after
 * that, when an override or accessory changes, and every 10 or 20 reports, never together
 * with WCO.
 */
export class StatusReporter {
  private wcoCountdown = 0;
  private ovCountdown = 0;
  private lastWco: string | null = null;
  private lastOv: string | null = null;

  /** Starts over as after a reset: WCO in the next report, Ov in the one after. */
  restart(): void {
    this.wcoCountdown = 0;
    this.ovCountdown = 0;
    this.lastWco = null;
    this.lastOv = null;
  }

  /** The report line (without its line ending). */
  report(status: MachineStatus, context: ReportContext): string {
    const busy = status.state !== 'Idle' && status.state !== 'Alarm' && status.state !== 'Sleep';
    const fields = [stateField(status)];
    const mpos = (context.statusMask & MASK_MPOS) !== 0;
    fields.push(
      mpos ? `MPos:${vec(status.machinePositionMm)}` : `WPos:${vec(status.workPositionMm)}`,
    );
    if ((context.statusMask & MASK_BUFFER) !== 0) {
      const blocksFree = Math.max(0, PLANNER_BLOCKS - status.buffer.plannedMoves);
      const rxFree = Math.max(0, RX_BUFFER_BYTES - context.rxPendingBytes);
      fields.push(`Bf:${blocksFree},${rxFree}`);
    }
    // Grbl reports the executing block's N word when it has one (and it is not N0).
    if (status.lineNumber !== null && status.lineNumber > 0) fields.push(`Ln:${status.lineNumber}`);
    fields.push(`FS:${Math.round(status.feedMmMin)},${Math.round(status.spindleRpm)}`);
    const pins = status.inputs.map((role) => PIN_LETTERS[role] ?? '').join('');
    if (pins !== '') fields.push(`Pn:${pins}`);

    const m = status.machinePositionMm;
    const w = status.workPositionMm;
    const wco = vec({ x: m.x - w.x, y: m.y - w.y, z: m.z - w.z });
    const o = status.overrides;
    const ov = `${o.feedPct},${o.rapidPct},${o.spindlePct}`;
    const acc = accessories(status);
    if (wco !== this.lastWco) this.wcoCountdown = 0;
    if (`${ov}|${acc}` !== this.lastOv) this.ovCountdown = 0;
    this.lastWco = wco;
    this.lastOv = `${ov}|${acc}`;

    if (this.wcoCountdown > 0) {
      this.wcoCountdown--;
    } else {
      this.wcoCountdown = (busy ? WCO_REFRESH.busy : WCO_REFRESH.idle) - 1;
      // Ov waits for the next report rather than lengthen this one.
      if (this.ovCountdown === 0) this.ovCountdown = 1;
      fields.push(`WCO:${wco}`);
    }
    if (this.ovCountdown > 0) {
      this.ovCountdown--;
    } else {
      this.ovCountdown = (busy ? OV_REFRESH.busy : OV_REFRESH.idle) - 1;
      fields.push(`Ov:${ov}`);
      if (acc !== '') fields.push(`A:${acc}`);
    }
    return `<${fields.join('|')}>`;
  }
}
