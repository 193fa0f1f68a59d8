// Type-checking a branch with the TypeScript compiler, under the strict settings the
// boilerplate ships with. Diagnostics come back as file, line, column and message; an import
// outside the stack is reported as such, naming the package.
import path from 'node:path';
import type ts from 'typescript';
import { libraryCachingHost } from './library-files.ts';
import { typescript } from './typescript.ts';
import { isInStack, packageOf, STACK_PACKAGES } from './stack.ts';
import { validatorDisagreements } from './validators-agree.ts';

export interface Diagnostic {
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
  code: string;
}

const SETTINGS: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  allowImportingTsExtensions: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

/** The compiler's enums are values of the compiler: these settings exist once it is loaded. */
export function compilerOptions(): ts.CompilerOptions {
  const ts = typescript();
  return {
    ...SETTINGS,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
}

export interface CheckedProgram {
  program: ts.Program;
  diagnostics: Diagnostic[];
}

/** Type-checks every .ts file under `src/` of a checkout, and proves its validators agree with their functions. */
export function typecheck(dir: string, files: string[]): CheckedProgram {
  const ts = typescript();
  const { program, options } = branchProgram(dir, files);
  const diagnostics = [
    ...outsideStack(program, dir),
    ...ts.getPreEmitDiagnostics(program).map((d) => toDiagnostic(d, dir)),
    ...validatorDisagreements(program, dir, options),
  ];
  return { program, diagnostics: dedupe(diagnostics) };
}

/** The compiler's program over a branch's sources, not yet checked (what discovery reads). */
export function branchProgram(dir: string, files: string[]): { program: ts.Program; options: ts.CompilerOptions } {
  const roots = sourceRoots(files).map((f) => path.join(dir, f));
  const ts = typescript();
  const options = { ...compilerOptions(), typeRoots: [path.join(dir, 'node_modules', '@types')] };
  return { program: ts.createProgram({ rootNames: roots, options, host: libraryCachingHost(options) }), options };
}

/** The files a check starts from: every .ts file under `src/` (relative to the branch root). */
export function sourceRoots(files: string[]): string[] {
  return files.filter((f) => f.startsWith('src/') && f.endsWith('.ts') && !f.endsWith('.d.ts'));
}

/** Imports of packages the stack does not hold, named plainly instead of "cannot find module". */
export function outsideStack(program: ts.Program, dir: string): Diagnostic[] {
  const ts = typescript();
  const found: Diagnostic[] = [];
  for (const source of program.getSourceFiles()) {
    if (!source.fileName.startsWith(path.join(dir, 'src'))) continue;
    for (const statement of source.statements) {
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier
          : undefined;
      if (!specifier || isInStack(specifier.text)) continue;
      const { line, character } = source.getLineAndCharacterOfPosition(specifier.getStart(source));
      found.push({
        file: path.relative(dir, source.fileName),
        line: line + 1,
        column: character + 1,
        message: `imports "${packageOf(specifier.text)}", which is not in the stack a branch may use (${STACK_PACKAGES.join(', ')} and node: built-ins)`,
        code: 'BY-STACK',
      });
    }
  }
  return found;
}

export function toDiagnostic(d: ts.Diagnostic, dir: string): Diagnostic {
  const ts = typescript();
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return { file: null, line: null, column: null, message, code: `TS${d.code}` };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return {
    file: path.relative(dir, d.file.fileName),
    line: line + 1,
    column: character + 1,
    message,
    code: `TS${d.code}`,
  };
}

/** "Cannot find module 'x'" says the same as our stack error for the same line: keep ours. */
export function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const stackLines = new Set(diagnostics.filter((d) => d.code === 'BY-STACK').map((d) => `${d.file}:${d.line}`));
  return diagnostics.filter(
    (d) => d.code === 'BY-STACK' || !(d.code === 'TS2307' && stackLines.has(`${d.file}:${d.line}`)),
  );
}

export function formatDiagnostic(d: Diagnostic): string {
  return d.file ? `${d.file}:${d.line}:${d.column} ${d.code}: ${d.message}` : `${d.code}: ${d.message}`;
}
