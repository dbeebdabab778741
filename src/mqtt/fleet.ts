// A fleet worker: while the machine is idle it holds a shared subscription on the job queue of
// each of its capabilities, so the broker hands each job to exactly one idle machine. The
// moment a job arrives (or the machine gets busy otherwise) it unsubscribes; when the machine
// is idle again it subscribes again.
import type { CommandError, JobEvent, MachineApi, MachineStatus } from '../machine/types.js';
import { MAX_JOB_PAYLOAD_BYTES, MqttErrorCode, parseJobPayload } from './commands.js';
import type { EventPayload } from './events.js';
import { resolveJob, startJobConfirmed } from './jobs.js';
import { fleetJobTopic, fleetShareFilter } from './topics.js';

/** What the worker needs from the MQTT connection. */
export interface FleetLink {
  subscribe(filter: string): void;
  unsubscribe(filter: string): void;
  publishEvent(event: EventPayload): void;
  /** Puts a job back on the queue, for another idle machine. */
  requeue(topic: string, payload: Buffer): void;
}

/** The answer for a job message that carried an MQTT 5 response topic. */
export type FleetReply =
  { ok: true; machine: string; name: string } | { ok: false; error: CommandError };

function isIdle(status: MachineStatus): boolean {
  return status.state === 'Idle' && status.job === null;
}

/** Takes jobs from the shared queue while the machine is idle. */
export class FleetWorker {
  private connected = false;
  private subscribed = false;
  /** The job this worker took and the machine has not yet finished; null when free. */
  private activeJob: string | null = null;
  private taking = false;
  private readonly filters: string[];
  private readonly onState = (): void => this.update();
  private readonly onJob = (event: JobEvent): void => {
    if (event.name === this.activeJob && event.kind !== 'started') this.activeJob = null;
    this.update();
  };

  constructor(
    private readonly machine: MachineApi,
    /** `jobsDir`: the folder `{file}` jobs are read from; unset: `{file}` jobs are refused. */
    private readonly fleet: { group: string; capabilities: string[]; jobsDir?: string },
    private readonly link: FleetLink,
  ) {
    this.filters = fleet.capabilities.map((cap) => fleetShareFilter(fleet.group, cap));
    machine.on('state', this.onState);
    machine.on('job', this.onJob);
  }

  /** The capability a message topic belongs to, or null when it is not a fleet job. */
  capabilityOf(topic: string): string | null {
    return this.fleet.capabilities.find((cap) => fleetJobTopic(cap) === topic) ?? null;
  }

  /** Tells the worker the connection came up (subscriptions are gone after a clean start). */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.subscribed = false;
    this.update();
  }

  /** Whether the worker currently holds its shared subscriptions. */
  isSubscribed(): boolean {
    return this.subscribed;
  }

  /** Handles one job message from the queue; resolves with the reply for its requester. */
  async take(topic: string, payload: Buffer): Promise<FleetReply> {
    const capability = this.capabilityOf(topic) ?? topic;
    if (this.taking || this.activeJob !== null || !isIdle(this.machine.status())) {
      // Delivered while we were getting busy: hand it on rather than lose it.
      const error = { code: MqttErrorCode.notAllowed, message: `${this.machine.id} is busy` };
      this.link.requeue(topic, payload);
      this.link.publishEvent({ kind: 'jobRefused', capability, topic, error, requeued: true });
      return { ok: false, error };
    }
    this.taking = true;
    this.update();
    try {
      const refuse = (error: CommandError): FleetReply => {
        this.link.publishEvent({ kind: 'jobRefused', capability, topic, error, requeued: false });
        return { ok: false, error };
      };
      if (payload.length > MAX_JOB_PAYLOAD_BYTES) {
        return refuse({
          code: MqttErrorCode.payloadTooLarge,
          message: `job of ${payload.length} bytes exceeds ${MAX_JOB_PAYLOAD_BYTES} bytes`,
        });
      }
      const request = parseJobPayload(payload);
      if (!request.ok) return refuse(request.error);
      const job = await resolveJob(request.value, this.fleet.jobsDir);
      if (!job.ok) return refuse(job.error);
      this.activeJob = job.value.name;
      const started = await startJobConfirmed(this.machine, job.value);
      if (!started.ok) {
        this.activeJob = null;
        return refuse(started.error);
      }
      this.link.publishEvent({ kind: 'jobTaken', name: job.value.name, capability, topic });
      return { ok: true, machine: this.machine.id, name: job.value.name };
    } finally {
      this.taking = false;
      this.update();
    }
  }

  /** Detaches from the machine. */
  close(): void {
    this.machine.off('state', this.onState);
    this.machine.off('job', this.onJob);
  }

  private update(): void {
    const wanted =
      this.connected && !this.taking && this.activeJob === null && isIdle(this.machine.status());
    if (wanted === this.subscribed) return;
    this.subscribed = wanted;
    for (const filter of this.filters) {
      if (wanted) this.link.subscribe(filter);
      else this.link.unsubscribe(filter);
    }
  }
}
