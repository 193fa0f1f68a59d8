// What a branch exposes: every function exported from src/features/<feature>/controllers/*.ts,
// with its route (GET for get/list/find/search names, POST for the rest, `@route` overrides),
// the shapes of its input and output from its types, and the zod validators named
// `<name>Input` / `<name>Output` in the feature's validators/ when they exist.
import path from 'node:path';
import type ts from 'typescript';
import { typescript } from './typescript.ts';
import type { Shape } from './shapes.ts';
import { shapeOf, UnmappableType } from './shapes.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ExposedFunction {
  feature: string;
  name: string;
  /** Relative to the branch root. */
  file: string;
  line: number;
  method: HttpMethod;
  path: string;
  input: Shape;
  output: Shape;
  /** The validators module and the names it exports for this function, when it has them. */
  validators: { file: string; input: string | null; output: string | null } | null;
  description: string;
}

export interface BuildProblem {
  file: string;
  line: number;
  function: string;
  message: string;
}

/** Tests beside a controller (`notes.test.ts`) are run by the checks, never exposed. */
const CONTROLLER = /^src\/features\/([a-z][a-z0-9-]*)\/controllers\/(?![^/]+\.test\.ts$)[^/]+\.ts$/;
const VALIDATOR = /^src\/features\/([a-z][a-z0-9-]*)\/validators\/[^/]+\.ts$/;
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function discover(program: ts.Program, dir: string): { functions: ExposedFunction[]; problems: BuildProblem[] } {
  const ts = typescript();
  const checker = program.getTypeChecker();
  const functions: ExposedFunction[] = [];
  const problems: BuildProblem[] = [];
  const validators = validatorExports(program, checker, dir);

  for (const source of program.getSourceFiles()) {
    const file = path.relative(dir, source.fileName).split(path.sep).join('/');
    const feature = CONTROLLER.exec(file)?.[1];
    if (!feature) continue;
    const module = checker.getSymbolAtLocation(source);
    if (!module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (!declaration) continue;
      const name = exported.getName();
      const line = source.getLineAndCharacterOfPosition(declaration.getStart()).line + 1;
      const fail = (message: string) => problems.push({ file, line, function: `${feature}.${name}`, message });
      const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
      const signatures = type.getCallSignatures();
      if (signatures.length === 0) continue; // constants and types are not routes
      if (signatures.length > 1) {
        fail('has several overloads; an exposed function has exactly one signature');
        continue;
      }
      const signature = signatures[0]!;
      if (signature.parameters.length > 1) {
        fail(`takes ${signature.parameters.length} parameters; an exposed function takes at most one, an object`);
        continue;
      }
      const route = routeOf(declaration, feature, name);
      if (typeof route === 'string') {
        fail(route);
        continue;
      }
      const own = validators.get(`${feature}/${name}`);
      try {
        const param = signature.parameters[0];
        const input: Shape = param
          ? shapeOf(checker, checker.getTypeOfSymbolAtLocation(param, declaration), declaration)
          : { kind: 'void' };
        if (input.kind !== 'void' && input.kind !== 'object' && !own?.input) {
          fail(`its parameter is ${describe(input)}; it must be an object (its fields become the request's fields)`);
          continue;
        }
        const output = shapeOf(
          checker,
          checker.getAwaitedType(signature.getReturnType()) ?? signature.getReturnType(),
          declaration,
        );
        functions.push({
          feature,
          name,
          file,
          line,
          ...route,
          input,
          output,
          validators: own ?? null,
          description: ts.displayPartsToString(symbol.getDocumentationComment(checker)),
        });
      } catch (error) {
        if (!(error instanceof UnmappableType)) throw error;
        fail(error.message);
      }
    }
  }
  const clashes = new Map<string, ExposedFunction>();
  for (const fn of functions) {
    const key = `${fn.method} ${fn.path}`;
    const other = clashes.get(key);
    if (other)
      problems.push({
        file: fn.file,
        line: fn.line,
        function: `${fn.feature}.${fn.name}`,
        message: `route ${key} is already taken by ${other.feature}.${other.name}`,
      });
    clashes.set(key, fn);
  }
  return { functions, problems };
}

function routeOf(
  declaration: ts.Declaration,
  feature: string,
  name: string,
): { method: HttpMethod; path: string } | string {
  const ts = typescript();
  const tag = ts.getJSDocTags(declaration).find((t) => t.tagName.text === 'route');
  if (tag) {
    const text = (typeof tag.comment === 'string' ? tag.comment : (ts.getTextOfJSDocComment(tag.comment) ?? '')).trim();
    const match = /^([A-Z]+)\s+(\/\S*)$/.exec(text);
    if (!match || !METHODS.includes(match[1] as HttpMethod))
      return `@route "${text}" is not "<METHOD> /path" with a method of ${METHODS.join(', ')}`;
    return { method: match[1] as HttpMethod, path: match[2]! };
  }
  const method: HttpMethod = /^(get|list|find|search)([A-Z0-9_]|$)/.test(name) ? 'GET' : 'POST';
  return { method, path: `/${feature}/${kebab(name)}` };
}

export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

function validatorExports(
  program: ts.Program,
  checker: ts.TypeChecker,
  dir: string,
): Map<string, { file: string; input: string | null; output: string | null }> {
  const found = new Map<string, { file: string; input: string | null; output: string | null }>();
  for (const source of program.getSourceFiles()) {
    const file = path.relative(dir, source.fileName).split(path.sep).join('/');
    const feature = VALIDATOR.exec(file)?.[1];
    const module = feature ? checker.getSymbolAtLocation(source) : undefined;
    if (!feature || !module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const match = /^(.+)(Input|Output)$/.exec(exported.getName());
      if (!match) continue;
      const key = `${feature}/${match[1]}`;
      const entry = found.get(key) ?? { file, input: null, output: null };
      if (match[2] === 'Input') entry.input = exported.getName();
      else entry.output = exported.getName();
      found.set(key, entry);
    }
  }
  return found;
}

function describe(shape: Shape): string {
  return shape.kind === 'literal' ? `the literal ${JSON.stringify(shape.value)}` : `a ${shape.kind}`;
}
