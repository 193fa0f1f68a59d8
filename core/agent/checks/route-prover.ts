// The route checks' verdicts, decided by the engine from the outside: every route of a branch's
// server is called with inputs generated from its declared schemas (property-based, so a failure
// shrinks to a small input) and with inputs of the wrong type. A valid input never gets a 5xx,
// every 2xx body matches the declared output schema, and a wrong input gets a 4xx. The server
// runs in the sandbox; only its answers cross, and they are judged here.
import http from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { JsonSchema, Resolve } from './schema-arbitrary.ts';
import { arbitraryOf, wrongValueFor } from './schema-arbitrary.ts';

export interface RouteFailure {
  method: string;
  path: string;
  /** valid: an input the schema allows; wrong: one of the wrong type; missing: the route is not served. */
  kind: 'valid' | 'wrong' | 'missing';
  input: unknown;
  status: number | null;
  body: string;
  reason: string;
}

export interface RouteReport {
  passed: boolean;
  /** Why no route was called, when none could be (the branch needs a database the sandbox lacks). */
  skipped?: string;
  routes: number;
  calls: number;
  failures: RouteFailure[];
  durationMs: number;
}

interface Operation {
  method: string;
  path: string;
  /** Query parameters (GET) or the JSON body's schema (the rest). */
  input:
    | { in: 'query'; parameters: { name: string; required: boolean; schema: JsonSchema }[] }
    | { in: 'body'; schema: JsonSchema | null };
  output: JsonSchema | null;
}

interface OpenApiDocument {
  paths?: Record<
    string,
    Record<
      string,
      {
        parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface ProveOptions {
  socket: string;
  /** The routes the engine found in the branch's code: each must be in the server's document. */
  expected: { method: string; path: string }[];
  /** Valid inputs tried per route before shrinking. */
  runs?: number;
  seed?: number;
  requestTimeoutMs?: number;
}

const MAX_FAILURES_PER_ROUTE = 2;

export async function proveRoutes(options: ProveOptions): Promise<RouteReport> {
  const started = performance.now();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const failures: RouteFailure[] = [];
  let calls = 0;
  const call = async (
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number | null; body: string }> => {
    calls += 1;
    return request(agent, options.socket, method, url, body, options.requestTimeoutMs ?? 5_000);
  };
  try {
    const served = await call('GET', '/openapi.json');
    // The document comes from the branch's own server: it says how to call the routes, never
    // which routes there are; those come from the engine's reading of the code.
    const document = parseDocument(served.body);
    if (!document) {
      const reason = `the server did not answer GET /openapi.json with its OpenAPI document (status ${served.status})`;
      return {
        passed: false,
        routes: 0,
        calls,
        failures: [
          {
            method: 'GET',
            path: '/openapi.json',
            kind: 'missing',
            input: null,
            status: served.status,
            body: served.body.slice(0, 500),
            reason,
          },
        ],
        durationMs: performance.now() - started,
      };
    }
    const resolve: Resolve = (ref) => document.components?.schemas?.[ref.replace(/^#\/components\/schemas\//, '')];
    const operations = operationsOf(document);
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
    for (const route of options.expected) {
      const operation = operations.find((o) => o.method === route.method && o.path === route.path);
      if (!operation) {
        failures.push({
          ...route,
          kind: 'missing',
          input: null,
          status: null,
          body: '',
          reason: 'the route is in the code but the server does not declare it',
        });
        continue;
      }
      failures.push(
        ...(await proveOperation(operation, {
          call,
          resolve,
          ajv,
          runs: options.runs ?? 20,
          seed: options.seed ?? 42,
        })),
      );
    }
  } finally {
    agent.destroy();
  }
  return {
    passed: failures.length === 0,
    routes: options.expected.length,
    calls,
    failures,
    durationMs: performance.now() - started,
  };
}

interface Context {
  call: (method: string, url: string, body?: unknown) => Promise<{ status: number | null; body: string }>;
  resolve: Resolve;
  ajv: Ajv2020;
  runs: number;
  seed: number;
}

async function proveOperation(operation: Operation, context: Context): Promise<RouteFailure[]> {
  const failures: RouteFailure[] = [];
  const { method, path } = operation;
  const send = (input: unknown) =>
    operation.input.in === 'query'
      ? context.call(method, withQuery(path, input as Record<string, unknown>))
      : context.call(method, path, input);
  const validate = operation.output ? compile(context.ajv, deref(operation.output, context.resolve)) : null;

  // Valid inputs: a failing one is shrunk by fast-check to the smallest it finds.
  let last: { status: number | null; body: string; reason: string } | undefined;
  const verdict = await fc.check(
    fc.asyncProperty(validInputs(operation, context.resolve), async (input) => {
      const answer = await send(input);
      const reason = judgeValid(answer, validate);
      if (reason) last = { ...answer, reason };
      return reason === null;
    }),
    { numRuns: context.runs, seed: context.seed, endOnFailure: false, interruptAfterTimeLimit: 15_000 },
  );
  if (verdict.failed && verdict.counterexample && last) {
    // The last failing call is the shrunk one's: call it again so status and body belong to it.
    const input = verdict.counterexample[0];
    const again = await send(input);
    const reason = judgeValid(again, validate) ?? last.reason;
    failures.push({
      method,
      path,
      kind: 'valid',
      input,
      status: again.status,
      body: again.body.slice(0, 1000),
      reason,
    });
  }

  // Wrong inputs: each must be refused with a 4xx.
  for (const input of wrongInputs(operation, context.resolve)) {
    if (failures.length >= MAX_FAILURES_PER_ROUTE) break;
    const answer = await send(input);
    if (answer.status !== null && answer.status >= 400 && answer.status < 500) continue;
    const reason =
      answer.status === null
        ? 'no answer (the server closed the connection or took too long)'
        : answer.status >= 500
          ? `an input of the wrong type got ${answer.status} instead of a 4xx`
          : `an input of the wrong type was accepted (${answer.status})`;
    failures.push({
      method,
      path,
      kind: 'wrong',
      input,
      status: answer.status,
      body: answer.body.slice(0, 1000),
      reason,
    });
  }
  return failures;
}

function judgeValid(answer: { status: number | null; body: string }, validate: ValidateFunction | null): string | null {
  if (answer.status === null) return 'no answer (the server closed the connection or took too long)';
  if (answer.status >= 500) return `a valid input got ${answer.status}`;
  if (answer.status < 200 || answer.status >= 300 || !validate) return null;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `the ${answer.status} body is not JSON`;
  }
  if (validate(body)) return null;
  const error = validate.errors?.[0];
  return `the ${answer.status} body does not match the declared output: ${error ? `${error.instancePath || '(the body)'} ${error.message}` : 'schema mismatch'}`;
}

function validInputs(operation: Operation, resolve: Resolve): Arbitrary<unknown> {
  if (operation.input.in === 'body')
    return operation.input.schema ? arbitraryOf(operation.input.schema, resolve) : fc.constant(undefined);
  const model: Record<string, Arbitrary<unknown>> = {};
  for (const p of operation.input.parameters) model[p.name] = arbitraryOf(p.schema, resolve);
  return fc.record(model, { requiredKeys: operation.input.parameters.filter((p) => p.required).map((p) => p.name) });
}

/** Inputs a route must refuse: each required field left out, each typed field of another type. */
function wrongInputs(operation: Operation, resolve: Resolve): unknown[] {
  const sample = fc.sample(validInputs(operation, resolve), { numRuns: 1, seed: 7 })[0];
  const wrong: unknown[] = [];
  if (operation.input.in === 'query') {
    const base = (sample ?? {}) as Record<string, unknown>;
    for (const p of operation.input.parameters) {
      if (p.required) wrong.push(omit(base, p.name));
      const type = resolved(p.schema, resolve)?.type;
      // In a query everything is text: only numbers and booleans have a wrong type.
      if (type === 'number' || type === 'integer' || type === 'boolean')
        wrong.push({ ...base, [p.name]: 'not-a-number' });
    }
    return wrong;
  }
  const schema = operation.input.schema ? resolved(operation.input.schema, resolve) : undefined;
  if (!schema || schema.type !== 'object') return wrong;
  wrong.push([]);
  const base = (sample ?? {}) as Record<string, unknown>;
  for (const name of schema.required ?? []) wrong.push(omit(base, name));
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const value = wrongValueFor(property, resolve);
    if (value !== undefined) wrong.push({ ...base, [name]: value });
  }
  return wrong;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const [method, spec] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      const query = (spec.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} }));
      const input: Operation['input'] =
        upper === 'GET' || upper === 'DELETE'
          ? { in: 'query', parameters: query }
          : { in: 'body', schema: spec.requestBody?.content?.['application/json']?.schema ?? null };
      const ok = Object.entries(spec.responses ?? {}).find(([status]) => /^2\d\d$/.test(status))?.[1];
      operations.push({ method: upper, path, input, output: ok?.content?.['application/json']?.schema ?? null });
    }
  }
  return operations;
}

function parseDocument(text: string): OpenApiDocument | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && 'paths' in parsed ? (parsed as OpenApiDocument) : null;
  } catch {
    return null;
  }
}

function compile(ajv: Ajv2020, schema: JsonSchema): ValidateFunction | null {
  try {
    return ajv.compile(schema as object);
  } catch {
    // A schema Ajv cannot read is not the branch's failure: the body goes unchecked.
    return null;
  }
}

/** The schema with its references to the document's components written in place (cycles cut). */
function deref(schema: unknown, resolve: Resolve, depth = 0): JsonSchema {
  if (Array.isArray(schema)) return schema.map((item) => deref(item, resolve, depth)) as unknown as JsonSchema;
  if (typeof schema !== 'object' || schema === null) return schema as JsonSchema;
  const ref = (schema as JsonSchema).$ref;
  if (ref) return depth > 8 ? {} : deref(resolve(ref) ?? {}, resolve, depth + 1);
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, deref(value, resolve, depth)]),
  ) as JsonSchema;
}

function resolved(schema: JsonSchema, resolve: Resolve): JsonSchema | undefined {
  return schema.$ref ? resolve(schema.$ref) : schema;
}

function omit(value: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _left, ...rest } = value;
  return rest;
}

function withQuery(path: string, input: Record<string, unknown>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(input ?? {})) {
    if (value === undefined) continue;
    query.set(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

function request(
  agent: http.Agent,
  socketPath: string,
  method: string,
  url: string,
  body: unknown,
  timeoutMs: number,
): Promise<{ status: number | null; body: string }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        socketPath,
        agent,
        method,
        path: url,
        headers: {
          host: 'branch',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', () => resolve({ status: null, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: null, body: '' }));
    req.end(payload);
  });
}

/** The failures as the agent reads them, like type errors: route, input, status, body. */
export function describeRouteChecks(report: RouteReport, maxChars = 6000): string {
  if (report.skipped) return `Route checks: not run (${report.skipped}).`;
  if (report.passed)
    return `Route checks: ${report.routes} route(s) passed (${report.calls} calls with generated inputs).`;
  const lines = [`Route checks: ${report.failures.length} failure(s) over ${report.routes} route(s):`];
  for (const f of report.failures) {
    lines.push(`- ${f.method} ${f.path}: ${f.reason}`);
    if (f.kind !== 'missing')
      lines.push(
        `  input: ${JSON.stringify(f.input)?.slice(0, 400) ?? 'none'}`,
        `  status: ${f.status ?? 'none'}`,
        `  body: ${f.body.slice(0, 400) || '(empty)'}`,
      );
  }
  const text = lines.join('\n');
  return text.length > maxChars ? `${text.slice(0, maxChars)}\n… (cut)` : text;
}
