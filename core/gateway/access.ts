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

export function accessPolicy(base: AccessConfig, override: Partial<AccessConfig> | undefined, realm: string): AccessPolicy {
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

export type AuthOutcome = { ok: true; user: string } | { ok: false; reason: 'missing' | 'malformed' | 'wrong' | 'rate-limited'; retryAfterSeconds?: number };

interface Attempts {
  failures: number[];
  blockedUntil: number;
}

/**
 * Checks basic-auth credentials. Good answers are cached under a keyed hash of the header (never
 * the password itself) so a client does not pay scrypt on every request; wrong ones count
 * against the client's address, and too many in a window lock it out for a while.
 */
export class BasicAuthChecker {
  private readonly cacheKey = randomBytes(32);
  private readonly good = new Map<string, { user: string; hash: string; until: number }>();
  private readonly attempts = new Map<string, Attempts>();

  constructor(
    private readonly limits = { maxFailures: 5, windowMs: 60_000, lockoutMs: 60_000, cacheMs: 5 * 60_000 },
    private readonly now = () => Date.now(),
  ) {}

  async check(policy: NonNullable<AccessPolicy['basicAuth']>, header: string | undefined, client: string): Promise<AuthOutcome> {
    const now = this.now();
    const record = this.attempts.get(client);
    if (record && record.blockedUntil > now) return { ok: false, reason: 'rate-limited', retryAfterSeconds: Math.ceil((record.blockedUntil - now) / 1000) };
    if (!header) return { ok: false, reason: 'missing' };
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) return this.fail(client, now, 'malformed');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = policy.users.get(user);

    const key = createHash('sha256').update(this.cacheKey).update(header).digest('base64');
    const cached = this.good.get(key);
    if (cached && cached.until > now && cached.hash === hash) return { ok: true, user };
    // An unknown user still costs a hash check, so timing does not tell users apart.
    const ok = await verifyPassword(password, hash ?? DUMMY_HASH);
    if (!ok || !hash) return this.fail(client, now, 'wrong');
    if (this.good.size > 10_000) this.good.clear();
    this.good.set(key, { user, hash, until: now + this.limits.cacheMs });
    this.attempts.delete(client);
    return { ok: true, user };
  }

  private fail(client: string, now: number, reason: 'malformed' | 'wrong'): AuthOutcome {
    const record = this.attempts.get(client) ?? { failures: [], blockedUntil: 0 };
    record.failures = record.failures.filter((at) => at > now - this.limits.windowMs);
    record.failures.push(now);
    if (record.failures.length >= this.limits.maxFailures) {
      record.blockedUntil = now + this.limits.lockoutMs;
      record.failures = [];
    }
    if (this.attempts.size > 10_000) this.attempts.clear();
    this.attempts.set(client, record);
    return { ok: false, reason };
  }
}

/** A scrypt hash of a random password, checked against when the user is unknown. */
const DUMMY_HASH = `scrypt$16384$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
