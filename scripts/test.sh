#!/usr/bin/env bash
# The one test command (README, .ci/run). As root on a fresh machine it installs what the tests
# need (docker.io, postgresql, chromium), starts dockerd and PostgreSQL when they are not
# running, installs node modules when absent, then runs lint, type-check, and the unit,
# integration and e2e tests. Any failure makes it exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
export BRANCHYARD_TEST_PG_URL="${BRANCHYARD_TEST_PG_URL:-postgres://branchyard:branchyard@127.0.0.1:5432/postgres}"

install_system_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v pg_ctlcluster >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

start_docker() {
  docker info >/dev/null 2>&1 && return 0
  log "starting dockerd"
  nohup dockerd >/tmp/branchyard-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "dockerd did not start; its log:" >&2
  tail -20 /tmp/branchyard-dockerd.log >&2
  return 1
}

start_postgres() {
  local cluster
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2" "$4}')
  [ -n "$cluster" ] || { echo "no PostgreSQL cluster exists (pg_createcluster failed?)" >&2; return 1; }
  set -- $cluster
  if [ "$3" != "online" ]; then
    log "starting PostgreSQL $1/$2"
    pg_ctlcluster "$1" "$2" start
  fi
  # The tests' role: loopback only, password auth, may create throw-away databases.
  su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname = 'branchyard'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"create role branchyard login password 'branchyard' createdb\""
}

if [ "$(id -u)" = "0" ]; then
  install_system_packages
  start_docker
  start_postgres
else
  echo "not root: using the Docker engine, PostgreSQL and Chromium already on this machine; tests that need a missing one fail and name it"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund
fi

# Lint beside the rest (format check, type-check, CLI bundle): each is a single busy process, so
# two lanes keep both cores working. A lane's output is shown when it ends; any failure stops here.
# The CLI bundle is built once here rather than by the first of many CLI processes the tests start
# at once (the others would run the sources through tsx meanwhile); bin/cli-bundle.js still
# rebuilds it if a source changes.
log "lint | format check, type-check, CLI bundle"
mkdir -p test-results
npx --no-install eslint --max-warnings 0 . >test-results/lint.log 2>&1 &
lint_pid=$!
checks_ok=1
{
  log "format check" && npx --no-install prettier --check --log-level warn . &&
    log "type-check" && npx --no-install tsc --noEmit -p tsconfig.json &&
    log "CLI bundle" && node --import tsx scripts/build-cli.ts
} >test-results/checks.log 2>&1 || checks_ok=0
cat test-results/checks.log
lint_ok=1
wait "$lint_pid" || lint_ok=0
log "lint"
cat test-results/lint.log
[ "$lint_ok" = 1 ] || { echo "lint failed" >&2; exit 1; }
[ "$checks_ok" = 1 ] || { echo "format check, type-check or CLI bundle failed" >&2; exit 1; }
rm -rf test-results/reports
# Two test files at a time: most of a file's time is spent waiting on Docker, git, PGlite or
# Chromium, so two workers keep both cores busy (BRANCHYARD_TEST_WORKERS=1 runs them one by one).
# Unit and integration files run one after another in their worker's process (--no-isolate): a
# fresh process per file spent ~6 s starting and loading the engine's modules again, a third of
# the integration run; each file still makes its own workspaces, servers and containers. The e2e
# files keep a process each. A failing project does not stop the others; the script fails at the end.
failed_projects=()
for project in unit integration e2e; do
  log "$project tests"
  isolation=--no-isolate
  [ "$project" = e2e ] && isolation=--isolate
  npx --no-install vitest run --project "$project" --maxWorkers="${BRANCHYARD_TEST_WORKERS:-2}" --minWorkers=1 "$isolation" \
    --reporter=default --reporter=json --outputFile="test-results/reports/$project.json" || failed_projects+=("$project")
done

# One plain closing line over all three projects.
node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync("test-results/reports")) {
    const r = JSON.parse(fs.readFileSync("test-results/reports/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  }
  // Skipped is said, never counted as passed (the Electron window where its binary is absent).
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
'
# A project whose run failed without a failed test (a file that did not load, a crash) fails too.
if [ ${#failed_projects[@]} -gt 0 ]; then
  echo "failed: ${failed_projects[*]}" >&2
  exit 1
fi
log "all checks passed"
