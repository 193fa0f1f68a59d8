// Who may use a gateway: IP allow and deny lists (deny wins; an empty allow list allows all) and
// HTTP basic auth. A gateway's rules apply to every codebase unless the gateway file overrides
// them for one, field by field.
import { createHash, randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { AccessConfig } from '../workspace/index.ts';
import { verifyPassword } from './passwords.ts';

export interface AccessPolicy {
  allow: BlockList | null;
  deny: BlockList | null;
  hidden: boolean;
  basicAuth: { realm: string; users: Map<string, string> } | null;
}

export function accessPolicy(
  base: AccessConfig,
  override: Partial<AccessConfig> | undefined,
  realm: string,
): AccessPolicy {
  const merged = { ...base, ...override };
  const basicAuth = merged.basicAuth ?? null;
  return {
    allow: merged.allow.length > 0 ? blockList(merged.allow) : null,
    deny: merged.deny.length > 0 ? blockList(merged.deny) : null,
    hidden: merged.hidden ?? false,
    basicAuth: basicAuth ? { realm: basicAuth.realm ?? realm, users: new Map(Object.entries(basicAuth.users)) } : null,
  };
}

function blockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** `::ffff:10.1.2.3` (an IPv4 client on a dual-stack socket) is checked as 10.1.2.3. */
export interface ClientAddress {
  address: string;
  family: 'ipv4' | 'ipv6';
  /** False for what is no IP address at all (a socket with no peer). */
  valid: boolean;
}

export function clientAddress(remote: string | undefined): ClientAddress {
  const address = remote?.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : (remote ?? '');
  const version = isIP(address);
  return { address, family: version === 6 ? 'ipv6' : 'ipv4', valid: version !== 0 };
}

/** `remote`: the socket's address, or what clientAddress made of it. */
export function ipAllowed(policy: AccessPolicy, remote: string | undefined | ClientAddress): boolean {
  const { address, family, valid } = typeof remote === 'object' ? remote : clientAddress(remote);
  if (!valid) return false;
  if (policy.deny?.check(address, family)) return false;
  return policy.allow ? policy.allow.check(address, family) : true;
}

export type AuthOutcome =
  | { ok: true; user: string }
  | { ok: false; reason: 'missing' | 'malformed' | 'wrong' | 'rate-limited'; retryAfterSeconds?: number };

interface Attempts {
  /** When each attempt of the window was made: counted as it starts, before its hash is checked. */
  failures: number[];
  blockedUntil: number;
}

export interface AuthLimits {
  /** Wrong attempts from one address within windowMs before it is locked out for lockoutMs. */
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
  /** How long a good answer is remembered. */
  cacheMs: number;
  /** Hashes being checked at once for one address, and for one user name from any address. */
  maxInFlightPerAddress: number;
  maxInFlightPerUser: number;
}

export const DEFAULT_AUTH_LIMITS: AuthLimits = {
  maxFailures: 5,
  windowMs: 60_000,
  lockoutMs: 60_000,
  cacheMs: 5 * 60_000,
  maxInFlightPerAddress: 2,
  maxInFlightPerUser: 4,
};

const MAX_TRACKED = 10_000;

/**
 * Checks basic-auth credentials. Good answers are cached under a keyed hash of the header (never
 * the password itself) so a client does not pay scrypt on every request. Every attempt counts
 * against the client's address as it starts, before the slow hash: guesses sent in parallel see
 * each other, so too many in a window lock the address out however they are timed. Hashes being
 * checked at once are limited per address and per user name (the CPU they take is bounded), and
 * requests carrying the same header share one check.
 */
export class BasicAuthChecker {
  private readonly cacheKey = randomBytes(32);
  private readonly good = new Map<string, { user: string; hash: string; until: number }>();
  private readonly attempts = new Map<string, Attempts>();
  private readonly checking = new Map<string, Promise<boolean>>();
  private readonly addressBusy = new Map<string, number>();
  private readonly userBusy = new Map<string, number>();

  private readonly limits: AuthLimits;

  constructor(
    limits: Partial<AuthLimits> = {},
    private readonly now = () => Date.now(),
  ) {
    this.limits = { ...DEFAULT_AUTH_LIMITS, ...limits };
  }

  async check(
    policy: NonNullable<AccessPolicy['basicAuth']>,
    header: string | undefined,
    client: string,
  ): Promise<AuthOutcome> {
    const now = this.now();
    const record = this.attempts.get(client);
    if (record && record.blockedUntil > now) return this.limited(record, now);
    if (!header) return { ok: false, reason: 'missing' };
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return this.count(client, now) ?? this.failed(client, now, 'malformed');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = policy.users.get(user);

    const key = createHash('sha256').update(this.cacheKey).update(header).digest('base64');
    const cached = this.good.get(key);
    if (cached && cached.until > now && cached.hash === hash) return { ok: true, user };
    // The same header already being checked (a browser's parallel first requests): one hash, one attempt.
    const shared = this.checking.get(key);
    if (shared) return this.outcome(await shared, user, hash, key, client);

    if (
      (this.addressBusy.get(client) ?? 0) >= this.limits.maxInFlightPerAddress ||
      (this.userBusy.get(user) ?? 0) >= this.limits.maxInFlightPerUser
    ) {
      return { ok: false, reason: 'rate-limited', retryAfterSeconds: 1 };
    }
    const refused = this.count(client, now);
    if (refused) return refused;
    // An unknown user still costs a hash check, so timing does not tell users apart.
    const checking = verifyPassword(password, hash ?? DUMMY_HASH).then((ok) => ok && hash !== undefined);
    this.checking.set(key, checking);
    bump(this.addressBusy, client, 1);
    bump(this.userBusy, user, 1);
    try {
      return this.outcome(await checking, user, hash, key, client);
    } finally {
      this.checking.delete(key);
      bump(this.addressBusy, client, -1);
      bump(this.userBusy, user, -1);
    }
  }

  private outcome(ok: boolean, user: string, hash: string | undefined, key: string, client: string): AuthOutcome {
    if (!ok || !hash) {
      // Counted when it started; now that it is known wrong, the window's last attempt may lock.
      const record = this.attempts.get(client);
      if (record && record.failures.length >= this.limits.maxFailures && record.blockedUntil <= this.now())
        this.lock(record, this.now());
      return { ok: false, reason: 'wrong' };
    }
    if (this.good.size > MAX_TRACKED) this.good.clear();
    this.good.set(key, { user, hash, until: this.now() + this.limits.cacheMs });
    this.attempts.delete(client);
    return { ok: true, user };
  }

  /** Counts an attempt from `client`; past the limit it is refused unchecked, and the address locked. */
  private count(client: string, now: number): AuthOutcome | undefined {
    let record = this.attempts.get(client);
    if (!record) {
      if (this.attempts.size > MAX_TRACKED) this.attempts.clear();
      record = { failures: [], blockedUntil: 0 };
      this.attempts.set(client, record);
    }
    record.failures = record.failures.filter((at) => at > now - this.limits.windowMs);
    if (record.failures.length >= this.limits.maxFailures) {
      this.lock(record, now);
      return this.limited(record, now);
    }
    record.failures.push(now);
    return undefined;
  }

  private failed(client: string, now: number, reason: 'malformed'): AuthOutcome {
    const record = this.attempts.get(client);
    if (record && record.failures.length >= this.limits.maxFailures) this.lock(record, now);
    return { ok: false, reason };
  }

  private lock(record: Attempts, now: number): void {
    record.blockedUntil = now + this.limits.lockoutMs;
    record.failures = [];
  }

  private limited(record: Attempts, now: number): AuthOutcome {
    return {
      ok: false,
      reason: 'rate-limited',
      retryAfterSeconds: Math.max(1, Math.ceil((record.blockedUntil - now) / 1000)),
    };
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}

/** A scrypt hash of a random password, checked against when the user is unknown. */
const DUMMY_HASH = `scrypt$16384$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
