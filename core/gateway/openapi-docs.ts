// The OpenAPI document of each routed branch, asked of the branch's own process (what it
// serves is what it documents) and kept per branch: a branch's code never changes. The
// gateway's document merges those of every codebase it routes.
import http from 'node:http';
import { formatBranch } from '../git/index.ts';
import { PathMatcher } from './request-path.ts';

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  servers?: Array<{ url: string; description?: string }>;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
  tags?: Array<{ name: string; description?: string }>;
  [key: string]: unknown;
}

export interface BranchDocument {
  document: OpenApiDocument;
  matcher: PathMatcher;
}

export class BranchDocuments {
  private readonly cache = new Map<string, Promise<BranchDocument>>();
  /** The same documents once loaded, for the per-request path to read without waiting a tick. */
  private readonly loaded = new Map<string, BranchDocument>();

  constructor(private readonly timeoutMs = 5_000) {}

  /** The document of a running branch; rejects (and forgets) when the branch does not answer. */
  get(codebase: string, branch: number, socketPath: string): Promise<BranchDocument> {
    const key = `${codebase}:${branch}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = fetchDocument(socketPath, this.timeoutMs).then((document) => ({
        document,
        matcher: new PathMatcher(document.paths ?? {}),
      }));
      this.cache.set(key, entry);
      entry.then(
        (loaded) => this.cache.get(key) === entry && this.loaded.set(key, loaded),
        () => this.cache.delete(key),
      );
    }
    return entry;
  }

  /** The document when it is already loaded. */
  peek(codebase: string, branch: number): BranchDocument | undefined {
    return this.loaded.get(`${codebase}:${branch}`);
  }
}

function fetchDocument(socketPath: string, timeoutMs: number): Promise<OpenApiDocument> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: '/openapi.json', timeout: timeoutMs, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200)
          return reject(new Error(`the branch answered ${response.statusCode} for its OpenAPI document`));
        try {
          const document = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OpenApiDocument;
          if (typeof document !== 'object' || document === null || typeof document.paths !== 'object')
            throw new Error('no paths');
          resolve(document);
        } catch (error) {
          reject(new Error(`the branch's OpenAPI document is not valid: ${(error as Error).message}`));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('the branch did not answer in time')));
    request.on('error', reject);
  });
}

export interface DocumentSource {
  codebase: string;
  branch: number;
  url: string;
  document: OpenApiDocument | null;
}

/** One codebase's document, pointed at the address the client used. */
export function codebaseDocument(
  source: DocumentSource & { document: OpenApiDocument },
  gateway: string,
): OpenApiDocument {
  return {
    ...source.document,
    info: {
      ...source.document.info,
      description: `${source.codebase} branch ${formatBranch(source.branch)} on the ${gateway} gateway`,
    },
    servers: [{ url: source.url, description: `${source.codebase} on ${gateway}` }],
  };
}

/**
 * Every codebase's routes in one OpenAPI 3 document: each path carries its codebase's server
 * URL, operations are tagged with the codebase, and component schemas are prefixed by it so two
 * codebases' `Note` do not collide. Where two codebases declare the same path and method, the
 * first (by name) is kept and the other is listed under `x-branchyard-shadowed`.
 */
export function mergeDocuments(gateway: string, workspace: string, sources: DocumentSource[]): OpenApiDocument {
  const merged: OpenApiDocument = {
    openapi: '3.0.3',
    info: {
      title: `${workspace} — ${gateway}`,
      version: new Date().toISOString().slice(0, 10),
      description: `Every codebase the ${gateway} gateway routes.`,
    },
    paths: {},
    components: { schemas: {} },
    tags: [],
  };
  const shadowed: string[] = [];
  const unavailable: string[] = [];
  for (const source of [...sources].sort((a, b) => a.codebase.localeCompare(b.codebase))) {
    if (!source.document) {
      unavailable.push(source.codebase);
      continue;
    }
    const prefix = `${source.codebase}.`;
    const rename = (value: unknown): unknown => renameRefs(value, prefix);
    merged.tags!.push({
      name: source.codebase,
      description: `branch ${formatBranch(source.branch)} at ${source.url}`,
    });
    for (const [name, schema] of Object.entries(source.document.components?.schemas ?? {}))
      merged.components!.schemas![prefix + name] = rename(schema);
    for (const [path, item] of Object.entries(source.document.paths)) {
      const target = (merged.paths[path] ??= { servers: [{ url: source.url }] });
      const owner = (target.servers as Array<{ url: string }>)[0]!.url;
      for (const [method, operation] of Object.entries(item)) {
        if (method in target || owner !== source.url) {
          shadowed.push(`${source.codebase} ${method.toUpperCase()} ${path}`);
          continue;
        }
        const op = rename(operation) as Record<string, unknown>;
        target[method] = {
          ...op,
          tags: [source.codebase],
          ...(typeof op.operationId === 'string' ? { operationId: prefix + op.operationId } : {}),
        };
      }
    }
  }
  if (shadowed.length > 0) merged['x-branchyard-shadowed'] = shadowed;
  if (unavailable.length > 0) merged['x-branchyard-unavailable'] = unavailable;
  return merged;
}

function renameRefs(value: unknown, prefix: string): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, prefix));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string'
          ? v.replace('#/components/schemas/', `#/components/schemas/${prefix}`)
          : renameRefs(v, prefix),
      ]),
    );
  }
  return value;
}
