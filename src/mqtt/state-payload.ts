// The retained `state` message: the machine's status as plain JSON, numbers rounded so that
// float noise in the last digits does not count as a change.
import type { VecMm } from '../../motion/types.js';
import type { MachineStatus } from '../machine/types.js';

const round = (value: number, digits: number): number => {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
};

const roundVec = (v: VecMm): VecMm => ({ x: round(v.x, 4), y: round(v.y, 4), z: round(v.z, 4) });

/** The JSON published on `state`. */
export type StatePayload = ReturnType<typeof toStatePayload>;

/** Maps a status snapshot to the `state` payload. */
export function toStatePayload(status: MachineStatus) {
  return {
    state: status.state,
    alarm: status.alarm,
    positionKnown: status.positionKnown,
    machinePositionMm: roundVec(status.machinePositionMm),
    workPositionMm: roundVec(status.workPositionMm),
    feedMmMin: round(status.feedMmMin, 1),
    spindle: { mode: status.spindle, rpm: round(status.spindleRpm, 1) },
    coolant: { mist: status.coolant.mist, flood: status.coolant.flood },
    overrides: { ...status.overrides },
    inputs: [...status.inputs],
    buffer: {
      queuedMs: round(status.buffer.queuedMs, 1),
      plannedMoves: status.buffer.plannedMoves,
    },
    job:
      status.job === null
        ? null
        : {
            name: status.job.name,
            line: status.job.line,
            totalLines: status.job.totalLines,
            progress: round(status.job.progress, 4),
            elapsedS: round(status.job.elapsedS, 1),
            remainingS: status.job.remainingS === null ? null : round(status.job.remainingS, 1),
          },
  };
}
