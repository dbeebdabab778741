// The topic tree of one machine (`minifactory/<id>/…` by default) and of the fleet's job queue.

/** Root of the shared job queue; jobs for a capability go to `minifactory/jobs/<capability>`. */
export const FLEET_JOBS_ROOT = 'minifactory/jobs/';

/** Every topic one machine publishes or listens to. */
export interface MachineTopics {
  /** Always ends with `/`. */
  prefix: string;
  /** Retained `online` / `offline` (the last will). */
  status: string;
  /** Retained JSON snapshot of the machine. */
  state: string;
  /** Not retained: alarms, errors, job started/finished/failed/taken. */
  event: string;
  /** Filter matching every command topic. */
  commandFilter: string;
  command(name: string): string;
  /** Where a reply goes when the request carried no MQTT 5 response topic. */
  reply(name: string): string;
  /** The command name of a topic under `cmd/`, or null when the topic is not a command. */
  commandName(topic: string): string | null;
}

/** The prefix a machine uses: the configured one (a `/` appended if missing) or `minifactory/<id>/`. */
export function machinePrefix(id: string, prefix?: string): string {
  const chosen = prefix === undefined || prefix === '' ? `minifactory/${id}/` : prefix;
  return chosen.endsWith('/') ? chosen : `${chosen}/`;
}

/** The topic tree under a prefix. */
export function machineTopics(prefix: string): MachineTopics {
  const commandRoot = `${prefix}cmd/`;
  return {
    prefix,
    status: `${prefix}status`,
    state: `${prefix}state`,
    event: `${prefix}event`,
    commandFilter: `${commandRoot}#`,
    command: (name) => `${commandRoot}${name}`,
    reply: (name) => `${prefix}reply/${name}`,
    commandName: (topic) =>
      topic.startsWith(commandRoot) && topic.length > commandRoot.length
        ? topic.slice(commandRoot.length)
        : null,
  };
}

/** The topic a dispatcher publishes a job to for machines with `capability`. */
export function fleetJobTopic(capability: string): string {
  return `${FLEET_JOBS_ROOT}${capability}`;
}

/** The MQTT 5 shared subscription through which one machine of `group` takes such jobs. */
export function fleetShareFilter(group: string, capability: string): string {
  return `$share/${group}/${fleetJobTopic(capability)}`;
}
