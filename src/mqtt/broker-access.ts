// Who may do what on the embedded broker. The daemon logs in with a secret made at start (never
// configured, never on disk), so no client can pose as it; only the daemon publishes its own
// topics (status, state, event, replies, discovery); commands need an account allowed to send
// them. With no account configured, clients connect anonymously (the broker listens on
// loopback only) but the daemon's topics and client id stay its own.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';

/** One login on the embedded broker. */
export interface BrokerAccount {
  username: string;
  password: string;
  /** May publish under the command topics. */
  commands: boolean;
}

/** The rules the embedded broker enforces. */
export interface BrokerAccess {
  /** The daemon's own MQTT client id: only the daemon may use it. */
  daemonClientId: string;
  /** Topic filters only the daemon may publish to. */
  daemonTopics: string[];
  /** Topic filter of the commands (`…/cmd/#`). */
  commandFilter: string;
  /** Configured accounts; none: anonymous clients, who may send commands. */
  accounts: BrokerAccount[];
}

/** The daemon's login, made fresh for each start. */
export interface DaemonLogin {
  username: string;
  password: string;
}

/** CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3). */
const IDENTIFIER_REJECTED = 2;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

type Role = 'daemon' | 'operator' | 'viewer';

function authError(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Constant-time comparison, so a password cannot be guessed from response times. */
function sameSecret(given: Buffer, expected: string): boolean {
  const wanted = Buffer.from(expected, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** True when topic matches the MQTT filter (`+` one level, a final `#` any levels). */
export function topicMatches(filter: string, topic: string): boolean {
  const want = filter.split('/');
  const have = topic.split('/');
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '#') return i === want.length - 1;
    if (i >= have.length) return false;
    if (want[i] !== '+' && want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}

/** A fresh secret login for the daemon's own client. */
export function makeDaemonLogin(): DaemonLogin {
  return { username: 'minifactory-daemon', password: randomBytes(24).toString('base64url') };
}

/** aedes handlers enforcing `access` for the daemon logging in as `daemon`. */
export function brokerAccessHandlers(
  access: BrokerAccess,
  daemon: DaemonLogin,
): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  const roles = new WeakMap<Client, Role>();
  const roleOf = (username: string | undefined, password: Buffer | undefined): Role | null => {
    const given = password ?? Buffer.alloc(0);
    if (username === daemon.username) return sameSecret(given, daemon.password) ? 'daemon' : null;
    if (access.accounts.length === 0) return username === undefined ? 'operator' : null;
    const account = access.accounts.find((a) => a.username === username);
    if (account === undefined || !sameSecret(given, account.password)) return null;
    return account.commands ? 'operator' : 'viewer';
  };
  return {
    authenticate: (client, username, password, done) => {
      const role = roleOf(username, password);
      if (role === null) {
        const anonymous = username === undefined && access.accounts.length > 0;
        done(
          anonymous
            ? authError(NOT_AUTHORIZED, 'login required')
            : authError(BAD_USERNAME_OR_PASSWORD, 'bad username or password'),
          false,
        );
        return;
      }
      // aedes would otherwise disconnect the daemon in favour of a newcomer with its id.
      if (client.id === access.daemonClientId && role !== 'daemon') {
        done(authError(IDENTIFIER_REJECTED, 'client id reserved for the daemon'), false);
        return;
      }
      roles.set(client, role);
      done(null, true);
    },
    authorizePublish: (client, packet, callback) => {
      // null: a last will of a client long gone; on the daemon's topics it is refused too.
      const role = client === null ? null : (roles.get(client) ?? null);
      const topic = packet.topic;
      if (topic.startsWith('$SYS/')) return callback(new Error('$SYS topics are read-only'));
      if (role === 'daemon') return callback(null);
      if (access.daemonTopics.some((filter) => topicMatches(filter, topic))) {
        return callback(new Error(`only the daemon publishes ${topic}`));
      }
      if (topicMatches(access.commandFilter, topic) && role !== 'operator') {
        return callback(new Error('this account may not send commands'));
      }
      callback(null);
    },
    authorizeSubscribe: (client, subscription, callback) => {
      callback(roles.has(client) ? null : new Error('not logged in'), subscription);
    },
  };
}
