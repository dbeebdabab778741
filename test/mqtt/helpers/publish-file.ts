// A separate process that publishes one file as one MQTT message (QoS 1), as another client
// on the network would: exit 0 once the broker acknowledged it, 3 when the broker dropped the
// connection instead. Usage: node --import tsx publish-file.ts URL TOPIC FILE
import { readFileSync } from 'node:fs';
import { connectAsync } from 'mqtt';

const [url, topic, file] = process.argv.slice(2);
const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
client.on('error', () => undefined);
const closed = new Promise((resolve) => client.once('close', () => resolve('closed')));
const acked = client.publishAsync(topic, readFileSync(file), { qos: 1 }).then(() => 'acked');
const outcome = await Promise.race([acked, closed]);
if (outcome === 'acked') await client.endAsync();
process.exit(outcome === 'acked' ? 0 : 3);
