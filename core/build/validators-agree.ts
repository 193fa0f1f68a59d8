// Validators agree with their functions: a hand-written `<name>Input` / `<name>Output` that no
// longer matches the function's types would type-check, build and run, and then answer every
// call with tRPC's 500 (output validation) or refuse inputs the function takes. The compiler
// proves the agreement instead: one generated file of assignments, checked with the branch's own
// program, never written to disk. A failed assignment becomes a diagnostic on the validator's
// line, naming the fields TypeScript names.
import path from 'node:path';
import type ts from 'typescript';
import { libraryCachingHost } from './library-files.ts';
import { typescript } from './typescript.ts';
import type { Diagnostic } from './typecheck.ts';

const CONTROLLER = /^src\/features\/([a-z][a-z0-9-]*)\/controllers\/(?![^/]+\.test\.ts$)[^/]+\.ts$/;
const VALIDATOR = /^src\/features\/([a-z][a-z0-9-]*)\/validators\/[^/]+\.ts$/;
/** Inside the branch folder, so that `zod` resolves from its node_modules; no file is written there. */
const GENERATED = '__branchyard_validators_agree__.ts';

interface Pair {
  feature: string;
  name: string;
  controller: string;
  validators: string;
  /** The validator's export name and the line it is declared on. */
  schema: string;
  line: number;
  column: number;
  side: 'Input' | 'Output';
}

interface Assertion {
  pair: Pair;
  /** What a failed assignment means, in the user's words. */
  meaning: string;
  source: string;
}

/** The generated file of assignments for a program's validator pairs, and how to read its diagnostics. */
export interface AgreementFile {
  /** Its path: `GENERATED` inside the folder the program sees. */
  file: string;
  text: string;
  /** Reads the generated file's semantic diagnostics as diagnostics on the validators' lines. */
  disagreements: (diagnostics: readonly ts.Diagnostic[], generated: ts.SourceFile) => Diagnostic[];
}

/** Where the generated file sits in a folder the compiler sees as `dir`. */
export function agreementFileName(dir: string): string {
  return path.join(dir, GENERATED);
}

/** The generated file for a program over the branch in `dir`, or null when no validator has a function. */
export function agreementFile(program: ts.Program, dir: string): AgreementFile | null {
  const ts = typescript();
  const pairs = findPairs(program, dir);
  if (pairs.length === 0) return null;
  const assertions = pairs.flatMap(assertionsOf);
  const imports = new Map<string, string>();
  const alias = (file: string) => imports.get(file) ?? (imports.set(file, `m${imports.size}`), `m${imports.size - 1}`);
  const body: string[] = [];
  const lineOf = new Map<number, Assertion>();
  for (const assertion of assertions) {
    const text = assertion.source
      .replaceAll('$C', alias(assertion.pair.controller))
      .replaceAll('$V', alias(assertion.pair.validators));
    lineOf.set(body.length, assertion);
    body.push(text);
  }
  const header = [
    "import type { z } from 'zod';",
    ...[...imports].map(([file, name]) => `import type * as ${name} from './${file}';`),
    // A function without a parameter ignores its input: any validator agrees with it.
    'type Given<F extends (...args: never[]) => unknown> = Parameters<F>["length"] extends 0 ? never : Parameters<F>[0];',
    'type Taken<F extends (...args: never[]) => unknown> = Parameters<F>["length"] extends 0 ? unknown : Parameters<F>[0];',
  ];
  const disagreements = (diagnostics: readonly ts.Diagnostic[], generated: ts.SourceFile): Diagnostic[] => {
    const found = new Map<string, Diagnostic>();
    for (const d of diagnostics) {
      if (d.start === undefined || d.file !== generated) continue;
      const assertion = lineOf.get(generated.getLineAndCharacterOfPosition(d.start).line - header.length);
      if (!assertion) continue;
      const { pair } = assertion;
      const key = `${pair.validators}:${pair.schema}:${assertion.meaning}`;
      if (found.has(key)) continue;
      const detail = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      const fields = [
        ...new Set(
          [...detail.matchAll(/propert(?:y|ies) '([^']+)'|: ([\w$]+(?:, [\w$]+)*)$/gm)]
            .flatMap((m) => (m[1] ?? m[2] ?? '').split(', '))
            .filter(Boolean),
        ),
      ];
      found.set(key, {
        file: pair.validators,
        line: pair.line,
        column: pair.column,
        code: 'BY-VALIDATOR',
        message: `${pair.schema} ${assertion.meaning} ${pair.feature}.${pair.name} (${pair.controller})${fields.length > 0 ? `; field${fields.length > 1 ? 's' : ''} ${fields.map((f) => `"${f}"`).join(', ')}` : ''}: ${detail.split('\n').slice(0, 4).join(' ')}`,
      });
    }
    return [...found.values()];
  };
  return { file: agreementFileName(dir), text: [...header, ...body].join('\n'), disagreements };
}

/** Diagnostics for every validator that disagrees with its function's types; none when all agree. */
export function validatorDisagreements(program: ts.Program, dir: string, options: ts.CompilerOptions): Diagnostic[] {
  const ts = typescript();
  const agreement = agreementFile(program, dir);
  if (!agreement) return [];
  const { file, text } = agreement;
  const host = libraryCachingHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError, create) =>
    name === file ? ts.createSourceFile(name, text, version) : getSourceFile(name, version, onError, create);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  // The branch's program again with one more root: its files are reused, only ours is checked.
  const checked = ts.createProgram({
    rootNames: [...program.getRootFileNames(), file],
    options,
    host,
    oldProgram: program,
  });
  const generated = checked.getSourceFile(file)!;
  return agreement.disagreements(checked.getSemanticDiagnostics(generated), generated);
}

function assertionsOf(pair: Pair): Assertion[] {
  const fn = `typeof $C.${pair.name}`;
  const schema = `typeof $V.${pair.schema}`;
  // A value of a type without running anything; each assertion is one line of the file.
  const check = (id: string, target: string, value: string) =>
    `{ const ${id}: ${target} = null as unknown as ${value}; void ${id}; }`;
  if (pair.side === 'Output') {
    return [
      {
        pair,
        meaning: 'does not accept what it returns:',
        source: check('returned', `z.input<${schema}>`, `Awaited<ReturnType<${fn}>>`),
      },
    ];
  }
  return [
    {
      pair,
      meaning: 'refuses inputs that the parameter of',
      source: check('allowed', `z.input<${schema}>`, `Given<${fn}>`),
    },
    {
      pair,
      meaning: 'lets through values that do not fit the parameter of',
      source: check('passed', `Taken<${fn}>`, `z.output<${schema}>`),
    },
  ];
}

/** Every validator export whose function exists in a controller of the same feature. */
function findPairs(program: ts.Program, dir: string): Pair[] {
  const ts = typescript();
  const checker = program.getTypeChecker();
  const functions = new Map<string, string>();
  const schemas: Omit<Pair, 'controller'>[] = [];
  for (const source of program.getSourceFiles()) {
    const file = path.relative(dir, source.fileName).split(path.sep).join('/');
    const controller = CONTROLLER.exec(file)?.[1];
    const validator = VALIDATOR.exec(file)?.[1];
    const module = controller || validator ? checker.getSymbolAtLocation(source) : undefined;
    if (!module) continue;
    for (const exported of checker.getExportsOfModule(module)) {
      const name = exported.getName();
      if (controller) {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
        if (declaration && checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures().length === 1)
          functions.set(`${controller}/${name}`, file);
        continue;
      }
      const match = /^(.+)(Input|Output)$/.exec(name);
      const declaration = exported.declarations?.[0];
      if (!match || !declaration) continue;
      const at = source.getLineAndCharacterOfPosition(declaration.getStart(source));
      schemas.push({
        feature: validator!,
        name: match[1]!,
        validators: file,
        schema: name,
        line: at.line + 1,
        column: at.character + 1,
        side: match[2] as Pair['side'],
      });
    }
  }
  return schemas.flatMap((s) => {
    const controller = functions.get(`${s.feature}/${s.name}`);
    return controller ? [{ ...s, controller }] : [];
  });
}
