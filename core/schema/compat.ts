// Would the other live branches still compile against the proposed schema? Each is type-checked
// from its built files with its own schema copy replaced, in memory, by the proposed one: a
// branch that reads a column the proposal drops fails here, naming the file and line. Library
// and lib files are parsed once and kept between checks (core/build's library cache).
import path from 'node:path';
import type ts from 'typescript';
import { checkoutBranch, compilerOptions, libraryCachingHost, typescript } from '../build/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { formatBranch } from '../git/index.ts';
import type { SchemaProblem } from './report.ts';
import type { SchemaFiles } from './schema-files.ts';
import { BRANCH_SCHEMA_DIR } from './schema-files.ts';

export interface BranchTarget {
  codebase: CodebaseHandle;
  branch: number;
}

export async function checkAgainstSchema(target: BranchTarget, proposed: SchemaFiles): Promise<SchemaProblem[]> {
  const ts = typescript();
  const checkout = await checkoutBranch(target.codebase, target.branch);
  const models = path.join(checkout.dir, BRANCH_SCHEMA_DIR);
  const virtual = new Map([...proposed].map(([file, text]) => [path.join(models, file), text]));
  const replaced = (file: string) => file.startsWith(models) && !virtual.has(file);
  const options: ts.CompilerOptions = {
    ...compilerOptions(),
    typeRoots: [path.join(checkout.dir, 'node_modules', '@types')],
  };
  const host = libraryCachingHost(options);
  const own = path.join(checkout.dir, 'src') + path.sep;
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, onError) => {
    const text = virtual.get(fileName);
    if (text !== undefined) return ts.createSourceFile(fileName, text, language);
    if (replaced(fileName)) return undefined;
    return getSourceFile(fileName, language, onError);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => virtual.has(file) || (!replaced(file) && fileExists(file));
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => virtual.get(file) ?? (replaced(file) ? undefined : readFile(file));

  const roots = [
    ...checkout.files
      .filter(
        (f) => f.startsWith('src/') && f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith(BRANCH_SCHEMA_DIR),
      )
      .map((f) => path.join(checkout.dir, f)),
    ...virtual.keys(),
  ];
  const program = ts.createProgram({ rootNames: roots, options, host });
  const label = `${target.codebase.paths.name} ${formatBranch(target.branch)}`;
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && d.file.fileName.startsWith(own) && !virtual.has(d.file.fileName))
    .map((d) => {
      const { line, character } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return {
        kind: 'incompatible' as const,
        place: `${label} ${path.relative(checkout.dir, d.file!.fileName)}:${line + 1}:${character + 1}`,
        message: `would not compile against the proposed schema: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (TS${d.code})`,
        branch: { codebase: target.codebase.paths.name, branch: target.branch },
      };
    });
}
