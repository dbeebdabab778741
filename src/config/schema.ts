// The machine config's schema: every key, its type, its default. Unknown keys are refused.
import { z } from 'zod';

const axis = (defaults: {
  stepsPerMm: number;
  maxRateMmMin: number;
  accelMmS2: number;
  travelMm: number;
}) =>
  z
    .strictObject({
      stepsPerMm: z.number().positive().default(defaults.stepsPerMm),
      maxRateMmMin: z.number().positive().default(defaults.maxRateMmMin),
      accelMmS2: z.number().positive().default(defaults.accelMmS2),
      travelMm: z.number().positive().default(defaults.travelMm),
    })
    .prefault({});

const xyDefaults = { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 };

const homingAxis = z.enum(['x', 'y', 'z']);

export const machineConfigSchema = z
  .strictObject({
    /** Machine id: the MQTT topic prefix and the name in logs. */
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" or "_"')
      .default('minifactory'),
    /** A board name from boards/ or a path to a board YAML file. */
    board: z.string().min(1).default('sim'),
    kinematics: z.enum(['cartesian', 'corexy']).default('cartesian'),
    axes: z
      .strictObject({
        x: axis(xyDefaults),
        y: axis(xyDefaults),
        z: axis({ stepsPerMm: 400, maxRateMmMin: 600, accelMmS2: 50, travelMm: 80 }),
      })
      .prefault({}),
    planner: z
      .strictObject({
        junctionDeviationMm: z.number().positive().default(0.01),
        arcToleranceMm: z.number().positive().default(0.002),
      })
      .prefault({}),
    /**
     * Bound on computed motion queued ahead of the hardware: how long the machine can run on
     * if the host stalls, after which it stops in Alarm 3. 100 ms rides out a Node GC pause
     * on a Pi; lower it for more caution, raise it if underrun alarms show on a busy host.
     */
    maxQueuedMs: z.number().min(5).max(1000).default(100),
    homing: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** Groups homed in order; each group's axes seek together. */
        cycle: z.array(z.array(homingAxis).min(1)).default([['z'], ['x', 'y']]),
        /** Home towards max travel (Grbl's default) or min, per axis. */
        towardsMax: z
          .strictObject({
            x: z.boolean().default(true),
            y: z.boolean().default(true),
            z: z.boolean().default(true),
          })
          .prefault({}),
        seekMmMin: z.number().positive().default(2000),
        feedMmMin: z.number().positive().default(100),
        pullOffMm: z.number().nonnegative().default(1),
        debounceMs: z.number().nonnegative().default(25),
      })
      .prefault({}),
    limits: z
      .strictObject({
        hard: z.boolean().default(true),
        soft: z.boolean().default(false),
      })
      .prefault({}),
    spindle: z
      .strictObject({
        minRpm: z.number().nonnegative().default(0),
        maxRpm: z.number().positive().default(1000),
        pwmHz: z.number().positive().default(1000),
        /** Grbl's $32: M4 power follows speed, laser off on G0 and at rest. */
        laserMode: z.boolean().default(false),
        spinUpS: z.number().nonnegative().default(0),
      })
      .prefault({}),
    /** The simulated plant (board: sim): where switches close and the probe touches. */
    sim: z
      .strictObject({
        /** Run the simulator on a virtual clock (tests) or the real one (default). */
        clock: z.enum(['real', 'virtual']).default('real'),
        /** Machine position at power-on, mm. */
        startMm: z
          .strictObject({
            x: z.number().default(0),
            y: z.number().default(0),
            z: z.number().default(0),
          })
          .prefault({}),
        /** Each limit switch closes this far beyond its end of travel, mm. */
        limitMarginMm: z.number().nonnegative().default(1),
        /** Probe touches when z goes at or below this machine position, mm. */
        probeZMm: z.number().default(-1e9),
      })
      .prefault({}),
    mqtt: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** mqtt://, mqtts:// or ws:// broker; none: an embedded broker on 127.0.0.1. */
        url: z.string().optional(),
        /** Port of the embedded broker (0: any free port). */
        embeddedPort: z.number().int().min(0).max(65535).default(1883),
        /**
         * With mqtt.url: the daemon's login at that broker. With the embedded broker: the
         * account every client (senders, Home Assistant) must log in with; it may send commands.
         */
        username: z.string().optional(),
        password: z.string().optional(),
        /** More accounts on the embedded broker; `commands: false` may only read. */
        users: z
          .array(
            z.strictObject({
              username: z.string().min(1),
              password: z.string().min(1),
              commands: z.boolean().default(true),
            }),
          )
          .default([]),
        prefix: z.string().optional(),
        tls: z
          .strictObject({
            ca: z.string().optional(),
            cert: z.string().optional(),
            key: z.string().optional(),
          })
          .optional(),
        statusRateHz: z.number().positive().max(100).default(10),
        readOnly: z.boolean().default(false),
        allowCommands: z.array(z.string()).optional(),
        /**
         * The folder `{file}` jobs are read from; a job names a file inside it. A relative path
         * is taken from the config file's folder. Unset: `{file}` jobs are refused.
         */
        jobsDir: z.string().min(1).optional(),
        discovery: z.boolean().default(true),
        discoveryPrefix: z.string().default('homeassistant'),
        /** Fleet: take jobs from $share/<group>/minifactory/jobs/<capability> while idle. */
        fleet: z
          .strictObject({
            group: z.string().min(1),
            capabilities: z.array(z.string().min(1)).min(1),
          })
          .optional(),
      })
      .prefault({}),
    grbl: z
      .strictObject({
        enabled: z.boolean().default(true),
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(23000),
      })
      .prefault({}),
  })
  .prefault({});

/** A validated machine config with every default filled in. */
export type MachineConfig = z.output<typeof machineConfigSchema>;
