// Home Assistant MQTT discovery: retained entity configs under
// `<discoveryPrefix>/<component>/<node_id>/<object_id>/config`. Sensors show the state, the
// positions and the job; buttons send one-shot commands. No switch on purpose: a dashboard
// toggle must never start motion by accident.
import type { MachineConfig } from '../config/schema.js';
import type { CommandName } from './commands.js';
import type { MachineTopics } from './topics.js';

/** One retained message to publish; an empty payload removes the entity from Home Assistant. */
export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

interface SensorDef {
  objectId: string;
  name: string;
  valueTemplate: string;
  unit?: string;
  deviceClass?: 'distance' | 'duration';
  stateClass?: 'measurement';
  icon?: string;
}

const AXIS_NAMES = ['x', 'y', 'z'] as const;

const SENSORS: SensorDef[] = [
  {
    objectId: 'state',
    name: 'State',
    valueTemplate: '{{ value_json.state }}',
    icon: 'mdi:state-machine',
  },
  {
    objectId: 'alarm',
    name: 'Alarm',
    valueTemplate: "{{ value_json.alarm if value_json.alarm is not none else 'none' }}",
    icon: 'mdi:alarm-light',
  },
  ...AXIS_NAMES.map((axis) => ({
    objectId: `machine_${axis}`,
    name: `Machine ${axis.toUpperCase()}`,
    valueTemplate: `{{ value_json.machinePositionMm.${axis} }}`,
    unit: 'mm',
    deviceClass: 'distance' as const,
    stateClass: 'measurement' as const,
    icon: 'mdi:axis-arrow',
  })),
  ...AXIS_NAMES.map((axis) => ({
    objectId: `work_${axis}`,
    name: `Work ${axis.toUpperCase()}`,
    valueTemplate: `{{ value_json.workPositionMm.${axis} }}`,
    unit: 'mm',
    deviceClass: 'distance' as const,
    stateClass: 'measurement' as const,
    icon: 'mdi:axis-arrow',
  })),
  {
    objectId: 'job_progress',
    name: 'Job progress',
    valueTemplate:
      '{{ (value_json.job.progress * 100) | round(1) if value_json.job is not none else 0 }}',
    unit: '%',
    stateClass: 'measurement',
    icon: 'mdi:progress-clock',
  },
  {
    objectId: 'job_name',
    name: 'Job',
    valueTemplate: "{{ value_json.job.name if value_json.job is not none else 'none' }}",
    icon: 'mdi:file-document-outline',
  },
  {
    objectId: 'job_remaining',
    name: 'Job time left',
    valueTemplate:
      '{{ value_json.job.remainingS | round(0) if value_json.job is not none and value_json.job.remainingS is not none else 0 }}',
    unit: 's',
    deviceClass: 'duration',
    stateClass: 'measurement',
    icon: 'mdi:timer-sand',
  },
];

const BUTTONS: { command: CommandName; name: string; icon: string }[] = [
  { command: 'hold', name: 'Feed hold', icon: 'mdi:pause' },
  { command: 'resume', name: 'Resume', icon: 'mdi:play' },
  { command: 'reset', name: 'Reset', icon: 'mdi:restart' },
  { command: 'home', name: 'Home', icon: 'mdi:home-import-outline' },
];

/** Home Assistant's node id for a machine. */
export function discoveryNodeId(machineId: string): string {
  return `minifactory_${machineId}`;
}

/** Every discovery message for the machine; buttons of refused commands are removed. */
export function discoveryMessages(
  config: Pick<MachineConfig, 'id' | 'board'> & {
    mqtt: Pick<MachineConfig['mqtt'], 'discoveryPrefix'>;
  },
  topics: MachineTopics,
  isCommandAllowed: (name: CommandName) => boolean,
  version: string,
): DiscoveryMessage[] {
  const nodeId = discoveryNodeId(config.id);
  const root = config.mqtt.discoveryPrefix.replace(/\/+$/, '');
  const common = {
    availability: [
      { topic: topics.status, payload_available: 'online', payload_not_available: 'offline' },
    ],
    device: {
      identifiers: [nodeId],
      name: `minifactory ${config.id}`,
      manufacturer: 'minifactory',
      model: `board ${config.board}`,
      sw_version: version,
    },
  };
  const messages: DiscoveryMessage[] = [];
  for (const sensor of SENSORS) {
    messages.push({
      topic: `${root}/sensor/${nodeId}/${sensor.objectId}/config`,
      payload: JSON.stringify({
        name: sensor.name,
        unique_id: `${nodeId}_${sensor.objectId}`,
        // Home Assistant 2025.10 replaced `object_id` with `default_entity_id` (domain.slug).
        default_entity_id: `sensor.${nodeId}_${sensor.objectId}`,
        state_topic: topics.state,
        value_template: sensor.valueTemplate,
        ...(sensor.unit === undefined ? {} : { unit_of_measurement: sensor.unit }),
        ...(sensor.deviceClass === undefined ? {} : { device_class: sensor.deviceClass }),
        ...(sensor.stateClass === undefined ? {} : { state_class: sensor.stateClass }),
        ...(sensor.icon === undefined ? {} : { icon: sensor.icon }),
        ...common,
      }),
    });
  }
  for (const button of BUTTONS) {
    const topic = `${root}/button/${nodeId}/${button.command}/config`;
    if (!isCommandAllowed(button.command)) {
      messages.push({ topic, payload: '' });
      continue;
    }
    messages.push({
      topic,
      payload: JSON.stringify({
        name: button.name,
        unique_id: `${nodeId}_${button.command}`,
        default_entity_id: `button.${nodeId}_${button.command}`,
        command_topic: topics.command(button.command),
        payload_press: '{}',
        icon: button.icon,
        ...common,
      }),
    });
  }
  return messages;
}
