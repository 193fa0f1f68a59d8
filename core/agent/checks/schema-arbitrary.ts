// Inputs for the route checks, generated from the JSON Schemas of a branch's OpenAPI document
// (3.1, so JSON Schema 2020-12): values the schema allows, as fast-check arbitraries so a
// failure shrinks to a small input the agent can read; and values of the wrong type, which a
// route must refuse with a 4xx. fast-check has no JSON Schema front end that is kept up, so
// this maps the subset the build emits (zod's JSON Schema output) and treats the rest as any
// JSON value, which only makes the checks less strict, never wrong.
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
}

/** Resolves `#/components/schemas/x` references against the document they come from. */
export type Resolve = (ref: string) => JsonSchema | undefined;

const MAX_ITEMS = 5;
const MAX_DEPTH = 6;

export function arbitraryOf(schema: JsonSchema, resolve: Resolve, depth = 0): Arbitrary<unknown> {
  if (depth > MAX_DEPTH) return fc.constant(null);
  const next = (s: JsonSchema) => arbitraryOf(s, resolve, depth + 1);
  if (schema.$ref) {
    const target = resolve(schema.$ref);
    return target ? arbitraryOf(target, resolve, depth + 1) : fc.jsonValue();
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices && choices.length > 0) return fc.oneof(...choices.map(next));
  if (schema.allOf && schema.allOf.length > 0) return next(Object.assign({}, ...schema.allOf) as JsonSchema);
  const types = typeof schema.type === 'string' ? [schema.type] : (schema.type ?? []);
  if (types.length > 1) return fc.oneof(...types.map((type) => next({ ...schema, type })));
  switch (types[0]) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({
        min: bound(schema.minimum, schema.exclusiveMinimum, 1, -1e6),
        max: bound(schema.maximum, schema.exclusiveMaximum, -1, 1e6),
      });
    case 'number':
      return fc.double({
        min: schema.minimum ?? schema.exclusiveMinimum ?? -1e6,
        max: schema.maximum ?? schema.exclusiveMaximum ?? 1e6,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (schema.prefixItems) return fc.tuple(...schema.prefixItems.map(next));
      return fc.array(schema.items ? next(schema.items) : fc.jsonValue(), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      });
    case 'object':
      return objectOf(schema, next);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): Arbitrary<string> {
  switch (schema.format) {
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
    case 'uri':
    case 'url':
      return fc.webUrl();
  }
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = schema.minLength ?? 0;
  return fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 40, 40)) });
}

function objectOf(schema: JsonSchema, next: (s: JsonSchema) => Arbitrary<unknown>): Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, Arbitrary<unknown>> = {};
  for (const [name, property] of Object.entries(properties)) model[name] = next(property);
  return fc.record(model, { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) });
}

function bound(inclusive: number | undefined, exclusive: number | undefined, step: number, fallback: number): number {
  if (inclusive !== undefined) return Math.ceil(inclusive);
  if (exclusive !== undefined) return Math.floor(exclusive) + step;
  return fallback;
}

/** A value of another JSON type than the schema allows, or undefined when it allows any. */
export function wrongValueFor(schema: JsonSchema, resolve: Resolve): unknown {
  const target = schema.$ref ? resolve(schema.$ref) : schema;
  if (!target || target.anyOf || target.oneOf || target.allOf) return undefined;
  if (target.enum) return '\u0000 not one of the allowed values';
  const types = typeof target.type === 'string' ? [target.type] : (target.type ?? []);
  if (types.length !== 1) return undefined;
  const wrong: Record<string, unknown> = {
    string: 12345,
    integer: 'not a number',
    number: 'not a number',
    boolean: 'not a boolean',
    array: 7,
    object: 7,
    null: 'not null',
  };
  return wrong[types[0]!];
}
