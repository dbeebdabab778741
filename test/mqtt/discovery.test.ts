import { describe, expect, it } from 'vitest';
import { discoveryMessages } from '../../src/mqtt/discovery.js';
import { machineTopics } from '../../src/mqtt/topics.js';

const config = { id: 'mill1', board: 'sim', mqtt: { discoveryPrefix: 'homeassistant' } };
const topics = machineTopics('minifactory/mill1/');

describe('discoveryMessages', () => {
  const messages = discoveryMessages(config, topics, () => true, '1.2.3');
  const byTopic = new Map(messages.map((m) => [m.topic, m.payload]));
  const parsed = (topic: string): Record<string, unknown> =>
    JSON.parse(byTopic.get(topic) ?? 'null') as Record<string, unknown>;

  it('describes sensors for the state, every position and the job, on the state topic', () => {
    const sensors = messages.filter((m) => m.topic.startsWith('homeassistant/sensor/'));
    expect(sensors.map((m) => m.topic.split('/')[3]).sort()).toEqual([
      'alarm',
      'job_name',
      'job_progress',
      'job_remaining',
      'machine_x',
      'machine_y',
      'machine_z',
      'state',
      'work_x',
      'work_y',
      'work_z',
    ]);
    const x = parsed('homeassistant/sensor/minifactory_mill1/machine_x/config');
    expect(x).toMatchObject({
      unique_id: 'minifactory_mill1_machine_x',
      default_entity_id: 'sensor.minifactory_mill1_machine_x',
      state_topic: 'minifactory/mill1/state',
      value_template: '{{ value_json.machinePositionMm.x }}',
      unit_of_measurement: 'mm',
      availability: [
        {
          topic: 'minifactory/mill1/status',
          payload_available: 'online',
          payload_not_available: 'offline',
        },
      ],
      device: { identifiers: ['minifactory_mill1'], sw_version: '1.2.3' },
    });
  });

  it('offers buttons for hold, resume, reset and home only, and no switch', () => {
    const buttons = messages.filter((m) => m.topic.startsWith('homeassistant/button/'));
    expect(buttons.map((m) => parsed(m.topic).command_topic).sort()).toEqual([
      'minifactory/mill1/cmd/hold',
      'minifactory/mill1/cmd/home',
      'minifactory/mill1/cmd/reset',
      'minifactory/mill1/cmd/resume',
    ]);
    expect(messages.some((m) => m.topic.includes('/switch/'))).toBe(false);
    const uniqueIds = messages.map((m) => parsed(m.topic).unique_id);
    expect(new Set(uniqueIds).size).toBe(messages.length);
  });

  it('removes the buttons of commands the config refuses', () => {
    const onlyHold = discoveryMessages(config, topics, (name) => name === 'hold', '1.2.3');
    const buttons = onlyHold.filter((m) => m.topic.startsWith('homeassistant/button/'));
    expect(buttons.filter((m) => m.payload !== '').map((m) => m.topic)).toEqual([
      'homeassistant/button/minifactory_mill1/hold/config',
    ]);
    expect(buttons.filter((m) => m.payload === '')).toHaveLength(3);
  });
});
