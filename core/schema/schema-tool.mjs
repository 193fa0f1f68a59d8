// Run by the engine in its sandbox (schema code is the agent's, so it never runs in the engine or
// on the host): `node schema-tool.mjs <prev bundle> <cur bundle>` prints {prev, cur, statements}
// with the drizzle-kit snapshots of both and the SQL from one to the other. Stdin is never a
// terminal, so drizzle-kit cannot stop to ask a question.
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [prev, cur] = process.argv.slice(2).map((file) => path.resolve(file));

const snapshot = async (bundle) => generateDrizzleJson(await import(pathToFileURL(bundle).href));
const before = await snapshot(prev);
const after = await snapshot(cur);

// drizzle-kit asks whether a table or column that went away while another appeared was renamed.
// A rename is never assumed: the diff goes through a middle snapshot that only removes (so the
// data-loss checks see the drop) and then only adds, and neither half has anything to ask.
const middle = structuredClone(before);
for (const [key, table] of Object.entries(middle.tables)) {
  const next = after.tables[key];
  if (!next) delete middle.tables[key];
  else for (const column of Object.keys(table.columns)) if (!next.columns[column]) delete table.columns[column];
}
for (const key of Object.keys(middle.enums)) if (!after.enums[key]) delete middle.enums[key];
middle.id = `${before.id}-middle`;
const statements = [...(await generateMigration(before, middle)), ...(await generateMigration(middle, after))];
process.stdout.write(JSON.stringify({ prev: before, cur: after, statements }));
