// The shape of a function's input or output, read from its TypeScript types: the subset that
// maps onto JSON and zod (objects, arrays, primitives, literal unions, optional and nullable
// fields, dates as ISO strings). Anything else is refused, naming the type.
import type ts from 'typescript';
import { typescript } from './typescript.ts';

export type Shape =
  | { kind: 'string' }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'date' }
  | { kind: 'null' }
  | { kind: 'void' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'array'; items: Shape }
  | { kind: 'record'; values: Shape }
  | { kind: 'object'; properties: Property[] }
  | { kind: 'union'; options: Shape[] };

export interface Property {
  name: string;
  shape: Shape;
  optional: boolean;
}

export class UnmappableType extends Error {}

export function shapeOf(checker: ts.TypeChecker, type: ts.Type, at: ts.Node, seen: ts.Type[] = []): Shape {
  const ts = typescript();
  const flags = type.flags;
  if (flags & ts.TypeFlags.Any || flags & ts.TypeFlags.Unknown)
    throw unmappable(checker, type, 'it says nothing about the data');
  if (flags & ts.TypeFlags.StringLiteral) return { kind: 'literal', value: (type as ts.StringLiteralType).value };
  if (flags & ts.TypeFlags.NumberLiteral) return { kind: 'literal', value: (type as ts.NumberLiteralType).value };
  if (flags & ts.TypeFlags.BooleanLiteral) return { kind: 'literal', value: checker.typeToString(type) === 'true' };
  if (flags & ts.TypeFlags.String) return { kind: 'string' };
  if (flags & ts.TypeFlags.Number) return { kind: 'number' };
  if (flags & ts.TypeFlags.Boolean) return { kind: 'boolean' };
  if (flags & ts.TypeFlags.Null) return { kind: 'null' };
  if (flags & (ts.TypeFlags.Void | ts.TypeFlags.Undefined)) return { kind: 'void' };
  if (flags & ts.TypeFlags.Union) return unionShape(checker, (type as ts.UnionType).types, at, seen);
  if (seen.includes(type)) throw unmappable(checker, type, 'it refers to itself');
  const next = [...seen, type];
  if (type.getSymbol()?.getName() === 'Date') return { kind: 'date' };
  if (checker.isArrayType(type))
    return { kind: 'array', items: shapeOf(checker, checker.getTypeArguments(type as ts.TypeReference)[0]!, at, next) };
  if (flags & ts.TypeFlags.Object) {
    if (type.getCallSignatures().length > 0) throw unmappable(checker, type, 'a function cannot travel as JSON');
    const name = type.getSymbol()?.getName();
    if (name && ['Map', 'Set', 'WeakMap', 'WeakSet', 'Promise', 'RegExp', 'Buffer', 'Uint8Array'].includes(name))
      throw unmappable(checker, type, `a ${name} does not map onto JSON`);
    const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
    if (index && checker.getPropertiesOfType(type).length === 0)
      return { kind: 'record', values: shapeOf(checker, index.type, at, next) };
    const properties: Property[] = [];
    for (const symbol of checker.getPropertiesOfType(type)) {
      const propertyType = checker.getTypeOfSymbolAtLocation(symbol, at);
      if (propertyType.getCallSignatures().length > 0) continue; // methods do not travel as JSON
      const shape = shapeOf(checker, propertyType, at, next);
      // `a?: T` and `a: T | undefined` are the same on the wire: the key may be absent.
      const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0 || hasVoid(shape);
      properties.push({ name: symbol.getName(), shape: dropVoid(shape), optional });
    }
    return { kind: 'object', properties };
  }
  throw unmappable(checker, type, 'it has no JSON form');
}

function unionShape(checker: ts.TypeChecker, members: ts.Type[], at: ts.Node, seen: ts.Type[]): Shape {
  const options = members.map((m) => shapeOf(checker, m, at, seen));
  // `boolean` is `true | false` to the checker; say boolean again.
  const trueAndFalse =
    options.some((o) => o.kind === 'literal' && o.value === true) &&
    options.some((o) => o.kind === 'literal' && o.value === false);
  const merged = trueAndFalse
    ? [...options.filter((o) => !(o.kind === 'literal' && typeof o.value === 'boolean')), { kind: 'boolean' as const }]
    : options;
  return merged.length === 1 ? merged[0]! : { kind: 'union', options: merged };
}

function hasVoid(shape: Shape): boolean {
  return shape.kind === 'void' || (shape.kind === 'union' && shape.options.some((o) => o.kind === 'void'));
}

function dropVoid(shape: Shape): Shape {
  if (shape.kind !== 'union') return shape;
  const kept = shape.options.filter((o) => o.kind !== 'void');
  return kept.length === 1 ? kept[0]! : { kind: 'union', options: kept };
}

function unmappable(checker: ts.TypeChecker, type: ts.Type, why: string): UnmappableType {
  return new UnmappableType(`type ${checker.typeToString(type)} cannot be mapped: ${why}`);
}
