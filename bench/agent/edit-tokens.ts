// Output tokens a model spends on a one-line change to a 400-line file: `edit_file` (the line
// and its replacement) against `write_file` (the whole file again), both carried out on a real
// working copy and checked to leave the same file.
//   node --import tsx bench/agent/edit-tokens.ts
import { testWorkspace } from '../../core/git/fixtures/test-workspace.ts';
import { runTool, WorkingCopy } from '../../core/agent/index.ts';
import { countTokens } from '../../core/tokens/index.ts';

const FILE = 'src/features/orders/services/pricing.ts';
const lines = Array.from(
  { length: 400 },
  (_, i) =>
    `export function price${i + 1}(quantity: number): number {\n  return quantity * ${(i + 1) * 3} / 100;\n}`.split(
      '\n',
    )[i % 3]!,
);
const original = `${lines.join('\n')}\n`;
const target = lines.findIndex(
  (l) => l.includes('return quantity * ') && lines.indexOf(l) === lines.lastIndexOf(l) && lines.indexOf(l) > 200,
);
const changedLine = lines[target]!.replace('/ 100', '/ 1000');
const edited = original.replace(lines[target]!, changedLine);

const ws = await testWorkspace();
try {
  const results: { tool: string; tokens: number; same: boolean }[] = [];
  for (const [tool, args] of [
    ['write_file', { path: FILE, content: edited }],
    ['edit_file', { path: FILE, old_text: lines[target]!, new_text: changedLine }],
  ] as const) {
    const copy = await WorkingCopy.open(ws.codebase, `${ws.root}/../${tool}.json`, 1);
    await runTool(copy, 'write_file', JSON.stringify({ path: FILE, content: original }));
    const call = JSON.stringify(args);
    const outcome = await runTool(copy, tool, call);
    if (outcome.kind !== 'answer' || !outcome.ok) throw new Error(`${tool} was refused: ${JSON.stringify(outcome)}`);
    // What the model writes: the tool's name and its arguments.
    results.push({ tool, tokens: countTokens(tool + call), same: (await copy.read(FILE)) === edited });
  }
  const [write, edit] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(`bench/agent: output tokens of a one-line change to a ${lines.length}-line file (line ${target + 1})`);
  for (const r of results)
    console.log(
      `  ${r.tool.padEnd(12)} ${String(r.tokens).padStart(6)} tokens   file as intended: ${r.same ? 'yes' : 'NO'}`,
    );
  console.log(`  ratio edit_file / write_file   ${(edit.tokens / write.tokens).toFixed(3)} ×`);
  if (!write.same || !edit.same) process.exitCode = 1;
} finally {
  await ws.dispose();
}
