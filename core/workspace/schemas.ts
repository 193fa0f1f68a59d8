// One zod schema per workspace config file. Objects are strict so a misspelt field is reported
// instead of silently ignored, and messages are phrased as "expected …" for problems.ts.
import { isIP } from 'node:net';
import { z } from 'zod';

/** Names that appear in host names (`<codebase>.<gateway>.<workspace>.localhost`) share one rule. */
export const NAME_RULE = 'lowercase letters, digits and dashes, starting with a letter, at most 40 characters';
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export const nameSchema = z
  .string({ error: `expected a name of ${NAME_RULE}` })
  .regex(NAME_PATTERN, { error: `expected ${NAME_RULE}` });

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name) && !name.endsWith('-');
}

const PORT_MESSAGE = 'expected a number from 1 to 65535';
export const portSchema = z
  .number({ error: PORT_MESSAGE })
  .int({ error: PORT_MESSAGE })
  .min(1, { error: PORT_MESSAGE })
  .max(65535, { error: PORT_MESSAGE });

const positive = (what: string) => z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const positiveInt = (what: string) => positive(what).int({ error: `expected ${what}` });

const logTokens = z
  .number({ error: 'expected a whole number of tokens from 200 to 1000000' })
  .int({ error: 'expected a whole number of tokens from 200 to 1000000' })
  .min(200, { error: 'expected a whole number of tokens from 200 to 1000000' })
  .max(1_000_000, { error: 'expected a whole number of tokens from 200 to 1000000' });
/** Tokens per log file, by log type (core/logs has the defaults). */
export const logsSettingsSchema = z.strictObject({
  tokens: z
    .strictObject({ pm2: logTokens.optional(), ttyd: logTokens.optional(), 'api-gateway': logTokens.optional() })
    .optional(),
});
export type LogsSettings = z.infer<typeof logsSettingsSchema>;

export const manifestSchema = z.strictObject({
  $schema: z.string().optional(),
  name: nameSchema,
  formatVersion: z.literal(1, { error: 'expected 1 (the only workspace format this version reads)' }),
  createdAt: z.iso.datetime({ error: 'expected an ISO 8601 date-time' }),
  /** The logs repository, relative to the workspace root (it lives beside the workspace). */
  logsRepository: z.string({ error: 'expected a path' }).min(1, { error: 'expected a path' }),
  logs: logsSettingsSchema.optional(),
});
export type WorkspaceManifest = z.infer<typeof manifestSchema>;

const limitsSchema = z.strictObject({
  memoryMb: positiveInt('a whole number of megabytes above 0'),
  cpus: positive('a number of CPUs above 0'),
  pids: positiveInt('a whole number of processes above 0'),
});

const serverSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('local-docker'), socket: z.string().min(1).optional() }),
    z.strictObject({
      kind: z.literal('remote-docker'),
      url: z.url({ error: 'expected a URL such as tcp://host:2376' }),
      tlsDir: z.string().optional(),
    }),
    z.strictObject({
      kind: z.literal('ssh'),
      host: z.string().min(1),
      user: z.string().optional(),
      port: portSchema.optional(),
    }),
  ],
  { error: 'expected kind "local-docker", "remote-docker" or "ssh"' },
);

export const serversSchema = z.strictObject({
  $schema: z.string().optional(),
  defaultServer: nameSchema,
  servers: z.record(nameSchema, serverSchema, { error: 'expected an object of named servers' }),
  /** Limits of each codebase container and agent sandbox. */
  limits: limitsSchema,
  /** A registry image to run branches in instead of the locally built base image. */
  image: z.string().min(1).nullable(),
  /** The budget of live branch processes on this machine; past it, the least recently used sleep first. */
  live: z
    .strictObject({
      maxBranches: positiveInt('a whole number of branches above 0').optional(),
      maxMemoryMb: positiveInt('a whole number of megabytes above 0').optional(),
    })
    .optional(),
});
export type ServersConfig = z.infer<typeof serversSchema>;

export const aiSchema = z.strictObject({
  $schema: z.string().optional(),
  provider: z.string().min(1),
  // http(s) only: the engine sends the key there; file: or data: URLs are no endpoint.
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL of an OpenAI-compatible endpoint' }),
  model: z.string({ error: 'expected a model name' }).min(1, { error: 'expected a model name' }),
  /** The environment variable that holds the key; the key itself never lives in the workspace. */
  keyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name such as BRANCHYARD_AI_KEY' }),
  prices: z.strictObject({
    inputPerMillionUsd: z
      .number({ error: 'expected a price in USD' })
      .nonnegative({ error: 'expected a price in USD' }),
    outputPerMillionUsd: z
      .number({ error: 'expected a price in USD' })
      .nonnegative({ error: 'expected a price in USD' }),
  }),
  maxOutputTokens: positiveInt('a whole number of tokens above 0'),
  budget: z.strictObject({
    perRevisionUsd: positive('an amount in USD above 0'),
    perMonthUsd: positive('an amount in USD above 0'),
    maxTurns: positiveInt('a whole number of turns above 0'),
    maxMinutes: positive('a number of minutes above 0'),
  }),
  context: z.strictObject({
    globalTokens: positiveInt('a whole number of tokens above 0'),
    codebaseTokens: positiveInt('a whole number of tokens above 0'),
    branchTokens: positiveInt('a whole number of tokens above 0'),
  }),
  /**
   * The agent's two roles (issue 22), each with its own model and prices (default: the ones
   * above). With `productOwner` present, a product owner reads each request first and asks or
   * writes the refined request that the developer builds from.
   */
  roles: z
    .strictObject({
      productOwner: aiRoleSchema().optional(),
      developer: aiRoleSchema().optional(),
    })
    .optional(),
});
export type AiConfig = z.infer<typeof aiSchema>;

function aiRoleSchema() {
  return z.strictObject({
    model: z.string({ error: 'expected a model name' }).min(1, { error: 'expected a model name' }).optional(),
    prices: z
      .strictObject({
        inputPerMillionUsd: z
          .number({ error: 'expected a price in USD' })
          .nonnegative({ error: 'expected a price in USD' }),
        outputPerMillionUsd: z
          .number({ error: 'expected a price in USD' })
          .nonnegative({ error: 'expected a price in USD' }),
      })
      .optional(),
  });
}

const BRANCH_MESSAGE = 'expected a five-digit branch number such as "00007"';
export const branchNumberSchema = z.string({ error: BRANCH_MESSAGE }).regex(/^\d{5}$/, { error: BRANCH_MESSAGE });

const CIDR_MESSAGE = 'expected an IPv4 or IPv6 address or CIDR range, such as 10.0.0.0/8, 127.0.0.1 or fd00::/8';
export const cidrSchema = z.string({ error: CIDR_MESSAGE }).refine(isCidr, { error: CIDR_MESSAGE });

/** An IP address alone, or with a prefix length that fits its family. */
export function isCidr(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const HASH_MESSAGE =
  'expected a scrypt or bcrypt hash of the password (setting a password on the gateway writes one), never the password itself';
/** `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url) or a bcrypt `$2a$`/`$2b$`/`$2y$` hash. */
export const passwordHashSchema = z
  .string({ error: HASH_MESSAGE })
  .regex(/^(scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]{16,}\$[A-Za-z0-9_-]{32,}|\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53})$/, {
    error: HASH_MESSAGE,
  });

const USER_MESSAGE = 'expected a user name of letters, digits, dots, dashes and underscores (no colon)';
const basicAuthSchema = z.strictObject({
  realm: z.string().min(1).max(100).optional(),
  users: z.record(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: USER_MESSAGE }), passwordHashSchema),
});

const accessFields = {
  allow: z.array(cidrSchema, { error: 'expected a list of addresses or CIDR ranges' }),
  deny: z.array(cidrSchema, { error: 'expected a list of addresses or CIDR ranges' }),
  /** Host names carry a random label, and every other name gets the unknown-host 404. */
  hidden: z.boolean({ error: 'expected true or false' }),
  /** Clients must send one of these users and its password; null turns it off. */
  basicAuth: basicAuthSchema.nullable(),
};
const accessSchema = z.strictObject({
  ...accessFields,
  hidden: accessFields.hidden.optional(),
  basicAuth: accessFields.basicAuth.optional(),
});
export type AccessConfig = z.infer<typeof accessSchema>;

const ms = (what: string) => positiveInt(`${what} in milliseconds above 0`);
const gatewayLimitsSchema = z.strictObject({
  maxHeaderBytes: positiveInt('a number of bytes above 0').optional(),
  maxBodyBytes: positiveInt('a number of bytes above 0').optional(),
  /** Time for a client to send its whole header: what stops slowloris. */
  headersTimeoutMs: ms('a time').optional(),
  requestTimeoutMs: ms('a time').optional(),
  /** Time for the branch to answer. */
  upstreamTimeoutMs: ms('a time').optional(),
  keepAliveTimeoutMs: ms('a time').optional(),
});
export type GatewayLimits = z.infer<typeof gatewayLimitsSchema>;

/** When a branch with no request sleeps (its process stopped, its routes kept); it wakes on its next request. */
export const sleepSchema = z.strictObject({
  idleMinutes: positive('a number of minutes above 0').optional(),
  /** Never sleep: the branches this gateway routes to stay awake. */
  pinned: z.boolean({ error: 'expected true or false' }).optional(),
});
export type SleepSettings = z.infer<typeof sleepSchema>;

const promotionRecordSchema = z.strictObject({
  codebase: nameSchema,
  from: branchNumberSchema.nullable(),
  to: branchNumberSchema,
  by: z.string().min(1),
  at: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time' }),
});
export type PromotionRecord = z.infer<typeof promotionRecordSchema>;

export const gatewaySchema = z.strictObject({
  $schema: z.string().optional(),
  /** HTTPS listener. */
  port: portSchema,
  /** Plain HTTP listener that redirects to HTTPS. */
  httpPort: portSchema.nullable(),
  /** Loopback unless the user decides otherwise. */
  host: z.string().min(1),
  server: nameSchema,
  /** A protected gateway takes only branches whose every check passed. */
  protected: z.boolean({ error: 'expected true or false' }),
  /** `newest`: follows the newest branch that passed its checks; `promotion`: changes only when promoted. */
  follow: z.enum(['newest', 'promotion'], { error: 'expected "newest" or "promotion"' }),
  /** The next gateway in the promotion chain, or null at its end. */
  promotesTo: nameSchema.nullable(),
  /** For each codebase, the branch this gateway serves; a codebase not named here is served its active-branch. */
  routes: z.record(nameSchema, branchNumberSchema),
  access: accessSchema,
  /** Per codebase, access rules that replace the gateway's own, field by field. */
  codebases: z.record(nameSchema, z.strictObject({ access: accessSchema.partial() })).optional(),
  limits: gatewayLimitsSchema.optional(),
  sleep: sleepSchema.optional(),
  /** Every branch gets its own host, `<branch>.<codebase>.<gateway>.<workspace>.localhost`; on by default where follow is "newest". */
  branchHosts: z.boolean({ error: 'expected true or false' }).optional(),
  /** The most recent promotions, newest last (the engine state keeps them all). */
  promotions: z.array(promotionRecordSchema).optional(),
});
export type GatewayConfig = z.infer<typeof gatewaySchema>;

export const databaseSchema = z.discriminatedUnion(
  'engine',
  [
    z.strictObject({ $schema: z.string().optional(), engine: z.literal('embedded') }),
    z.strictObject({
      $schema: z.string().optional(),
      engine: z.literal('postgres'),
      /** The variable holding the URL, so a password never lands in the workspace. */
      urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name' }),
    }),
  ],
  { error: 'expected engine "embedded" or "postgres"' },
);
export type DatabaseConfig = z.infer<typeof databaseSchema>;

/** The LLM key's variable when nothing else is configured. */
export const DEFAULT_KEY_ENV = 'BRANCHYARD_AI_KEY';

/**
 * Why a database's URL variable is refused, or undefined: it may never name the LLM key's
 * variable, or the engine would read the key as a connection URL and hand it on (to the
 * connection, its error messages and the branches it serves).
 */
export function urlEnvProblem(urlEnv: string, keyEnv: string): string | undefined {
  if (urlEnv !== keyEnv && urlEnv !== DEFAULT_KEY_ENV) return undefined;
  return `${urlEnv} holds the LLM key (ai/config.json keyEnv), not a database URL; name the variable that holds the database's URL, such as SHOP_DATABASE_URL`;
}

const DOMAIN_MESSAGE = 'expected a host name such as api.example.test (lowercase letters, digits, dashes and dots)';
export const domainSchema = z
  .string({ error: DOMAIN_MESSAGE })
  .max(253, { error: DOMAIN_MESSAGE })
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/, {
    error: DOMAIN_MESSAGE,
  });

/** `codebases/<name>/codebase.json`, optional: what a codebase declares about itself to the gateways. */
export const codebaseSettingsSchema = z.strictObject({
  $schema: z.string().optional(),
  /** Custom host names, answered by every gateway (the listener decides the environment). */
  domains: z.array(domainSchema, { error: 'expected a list of host names' }),
  logs: logsSettingsSchema.optional(),
  /** Its own idle time, and the gateways on which the branches they route to never sleep (`pinned`). */
  sleep: z
    .strictObject({
      idleMinutes: sleepSchema.shape.idleMinutes,
      pinned: z.array(nameSchema, { error: 'expected a list of gateway names, such as ["production"]' }).optional(),
    })
    .optional(),
});
export type CodebaseSettings = z.infer<typeof codebaseSettingsSchema>;
