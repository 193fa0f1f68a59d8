// The order test files start in: longest first, by the durations of a past run kept in
// scripts/test-durations.json. vitest's own order needs its cache of the last run, which a clean
// clone (CI) has not got; it then starts files by size, and a short file with long tests (the
// renderer build) could start last and hold the run open on its own. Files the list does not
// know start first, as vitest does. `node --import tsx scripts/test-order.ts [reports folder]`
// rewrites the list from the reports scripts/test.sh leaves in test-results/reports/.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DURATIONS = path.join(ROOT, 'scripts', 'test-durations.json');
const REPORTS = path.join(ROOT, 'test-results', 'reports');

/** Seconds per file, keyed `<project>:<path from the root>`. */
type Durations = Record<string, number>;

function readDurations(): Durations {
  return existsSync(DURATIONS) ? (JSON.parse(readFileSync(DURATIONS, 'utf8')) as Durations) : {};
}

export class LongestFirst extends BaseSequencer {
  private readonly durations = readDurations();

  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (spec: TestSpecification) =>
      this.durations[`${spec.project.name}:${path.relative(ROOT, spec.moduleId).split(path.sep).join('/')}`];
    // Unknown (new) files first, then the longest; ties keep the order vitest found them in.
    const rank = (spec: TestSpecification) => seconds(spec) ?? Number.MAX_SAFE_INTEGER;
    return [...files].sort((a, b) => rank(b) - rank(a));
  }
}

/**
 * The list rewritten from vitest's JSON reports of a full run (`<project>.json`, as test.sh names
 * them; the folder may be given): a reported project's files replace its old ones, so a deleted
 * file leaves the list.
 */
function writeDurations(reports: string): void {
  let durations: Durations = readDurations();
  for (const report of readdirSync(reports).filter((f) => f.endsWith('.json'))) {
    const project = path.basename(report, '.json');
    const { testResults } = JSON.parse(readFileSync(path.join(reports, report), 'utf8')) as {
      testResults: Array<{ name: string; startTime: number; endTime: number }>;
    };
    // Paths as the run saw them: a run in another checkout (a clean clone) names the same files.
    const root = path.dirname(path.dirname(path.resolve(reports)));
    durations = Object.fromEntries(Object.entries(durations).filter(([key]) => !key.startsWith(`${project}:`)));
    for (const file of testResults) {
      const key = `${project}:${path.relative(root, file.name).split(path.sep).join('/')}`;
      durations[key] = Math.max(0, Math.round((file.endTime - file.startTime) / 1000));
    }
  }
  const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(DURATIONS, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`${Object.keys(sorted).length} files in ${path.relative(ROOT, DURATIONS)}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  writeDurations(process.argv[2] ?? REPORTS);
