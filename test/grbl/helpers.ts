// A real machine on the simulated board (virtual clock) behind a real Grbl TCP port, and a
// TCP client that records what the port sends.
import { connect, type Socket } from 'node:net';
import type { VirtualClock } from '../../hal/clock.js';
import { asSimBoard, type SimBoard } from '../../hal/sim/board.js';
import { validate } from '../../src/config/load.js';
import { machineConfigSchema, type MachineConfig } from '../../src/config/schema.js';
import { startGrblServer, type GrblServer } from '../../src/grbl/server.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';

export interface GrblRig {
  machine: Machine;
  sim: SimBoard;
  clock: VirtualClock;
  config: MachineConfig;
  server: GrblServer;
  clients: GrblClient[];
  /** Connects a client and waits for its first bytes (the welcome or a refusal). */
  connect(): Promise<GrblClient>;
  close(): Promise<void>;
}

type Plain = Record<string, unknown>;

/** Starts a machine (sim board, virtual clock) and a Grbl port on 127.0.0.1, any free port. */
export async function grblRig(extra: Plain = {}): Promise<GrblRig> {
  const config = validate(
    machineConfigSchema,
    {
      mqtt: { enabled: false },
      grbl: { enabled: true, host: '127.0.0.1', port: 0 },
      sim: { clock: 'virtual' },
      ...extra,
    },
    'test',
  );
  const machine = await createMachine(config, { clock: 'virtual' });
  const sim = asSimBoard(machine.board);
  if (sim === undefined || sim.virtualClock === undefined) throw new Error('not a virtual sim');
  const clock = sim.virtualClock;
  const server = await startGrblServer(machine, config);
  const clients: GrblClient[] = [];
  return {
    machine,
    sim,
    clock,
    config,
    server,
    clients,
    async connect() {
      const client = await GrblClient.connect(server.port);
      clients.push(client);
      await pump(clock, () => client.text.length > 0, 0);
      return client;
    },
    async close() {
      for (const client of clients) client.socket.destroy();
      await server.close();
      await machine.close();
    },
  };
}

/** A sender's end of the connection: everything received, as text and as lines. */
export class GrblClient {
  text = '';
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (data: string) => (this.text += data));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<GrblClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new GrblClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes text (latin1, so realtime bytes 0x80..0xff go out as single bytes). */
  send(text: string): void {
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  /** Complete lines received, without their CR LF. */
  lines(): string[] {
    const complete = this.text.slice(0, this.text.lastIndexOf('\r\n') + 2);
    return complete === '' ? [] : complete.slice(0, -2).split('\r\n');
  }

  /** Answers (`ok` / `error:N`) received so far, in order. */
  answers(): string[] {
    return this.lines().filter((line) => line === 'ok' || line.startsWith('error:'));
  }

  /** Status reports received so far. */
  reports(): string[] {
    return this.lines().filter((line) => line.startsWith('<'));
  }

  /** Forgets what was received so far. */
  clear(): void {
    this.text = '';
  }
}

/** Wall-clock bound on one wait: only a safety net, never a timing assertion. */
const WAIT_LIMIT_MS = 10_000;

/**
 * Lets socket I/O and promises run, moving simulated time on by up to stepUs per round
 * (0 or no clock: I/O only), until predicate holds.
 */
export async function pump(
  clock: VirtualClock | null,
  predicate: () => boolean,
  stepUs = 1000,
): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('pump: condition not met');
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (clock !== null && stepUs > 0 && !predicate()) clock.runUntil(predicate, stepUs);
  }
}

/** Sends `?` and waits for the report it brings (I/O only, simulated time stands still). */
export async function statusReport(rig: GrblRig, client: GrblClient): Promise<string> {
  const before = client.reports().length;
  client.send('?');
  await pump(rig.clock, () => client.reports().length > before, 0);
  return client.reports()[before];
}

/** Sends a line and waits for its answer (and any lines before it); returns what came. */
export async function request(
  rig: GrblRig,
  client: GrblClient,
  line: string,
  stepUs = 0,
): Promise<string[]> {
  const before = client.lines().length;
  const answered = client.answers().length;
  client.send(`${line}\n`);
  await pump(rig.clock, () => client.answers().length > answered, stepUs);
  return client.lines().slice(before);
}

/** Runs simulated time until the machine is settled (Idle or Alarm, nothing queued). */
export async function settle(rig: GrblRig): Promise<void> {
  let settled = false;
  void rig.machine.idle().then(() => (settled = true));
  await pump(rig.clock, () => settled, 10_000);
}
