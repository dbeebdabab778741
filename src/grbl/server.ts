// The Grbl 1.1 TCP port: existing senders (UGS, CNCjs, bCNC, LightBurn, LaserGRBL) connect
// to it as to a Grbl board. One client at a time is the controller; others are turned away.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { loadBoard } from '../config/board.js';
import type { MachineConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { AlarmEvent, MachineApi, MachineStatus, ProbeEvent } from '../machine/types.js';
import { EOL, MSG } from './messages.js';
import { GrblSession } from './session.js';

/** Grbl's default `$0` when the board's pulse width is unknown, µs. */
const DEFAULT_PULSE_US = 10;
/** `$0` is a byte in Grbl. */
const MAX_PULSE_US = 255;

export interface GrblServerOptions {
  log?: Logger;
  /** Step pulse width reported as `$0`, µs (default: the board file's, else 10). */
  stepPulseUs?: number;
}

/** A listening Grbl port. */
export interface GrblServer {
  /** The TCP port it listens on (the chosen one when the config says 0). */
  port: number;
  /** Disconnects the client and stops listening. */
  close(): Promise<void>;
}

/** The widest step pulse of the configured board's motors, µs, or Grbl's default. */
export function boardStepPulseUs(config: MachineConfig): number {
  try {
    const motors = loadBoard(config.board).motors;
    if (motors.length === 0) return DEFAULT_PULSE_US;
    return Math.min(MAX_PULSE_US, Math.max(...motors.map((m) => m.pulseUs)));
  } catch {
    // A board path relative to a config folder we do not know: the figure is cosmetic.
    return DEFAULT_PULSE_US;
  }
}

/** Listens on config.grbl.host:port and serves the Grbl 1.1 protocol for the machine. */
export async function startGrblServer(
  machine: MachineApi,
  config: MachineConfig,
  options: GrblServerOptions = {},
): Promise<GrblServer> {
  const log = options.log;
  const stepPulseUs = options.stepPulseUs ?? boardStepPulseUs(config);
  const sockets = new Set<Socket>();
  let active: GrblSession | null = null;

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (active !== null) {
      // Two senders streaming into one machine would interleave their lines.
      socket.on('error', () => socket.destroy());
      socket.end(MSG.busy + EOL);
      log?.warn({ peer }, 'grbl client refused: another client is connected');
      return;
    }
    const session: GrblSession = new GrblSession(socket, machine, {
      config,
      stepPulseUs,
      ...(log !== undefined ? { log } : {}),
      onClose: () => {
        if (active === session) active = null;
        log?.info({ peer }, 'grbl client disconnected');
      },
    });
    active = session;
    log?.info({ peer }, 'grbl client connected');
    session.start();
  });

  const onAlarm = (alarm: AlarmEvent): void => active?.onAlarm(alarm);
  const onState = (status: MachineStatus): void => active?.onState(status);
  const onProbe = (event: ProbeEvent): void => active?.onProbe(event);
  machine.on('alarm', onAlarm);
  machine.on('state', onState);
  machine.on('probe', onProbe);

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.grbl.port, config.grbl.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    machine.off('alarm', onAlarm);
    machine.off('state', onState);
    machine.off('probe', onProbe);
    throw err;
  }
  server.on('error', (err) => log?.error({ err }, 'grbl server error'));
  const port = (server.address() as AddressInfo).port;
  log?.info({ host: config.grbl.host, port }, 'grbl port listening');

  let closed = false;
  return {
    port,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      machine.off('alarm', onAlarm);
      machine.off('state', onState);
      machine.off('probe', onProbe);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await stopped;
    },
  };
}

/** The daemon's Grbl adapter: the port when config.grbl.enabled, else nothing. */
export async function grblDaemonAdapter(
  machine: MachineApi,
  config: MachineConfig,
  log: Logger,
): Promise<GrblServer | null> {
  return config.grbl.enabled ? startGrblServer(machine, config, { log }) : null;
}
