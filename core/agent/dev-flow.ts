// The dev flow: from a prompt to a branch. A dev revision's agent loop (model call, tools,
// checks) until the agent finishes with passing checks, asks the user, or a limit stops it.
// Everything it does is recorded as it goes: prompt.md and response.md, the transcript and the
// working copy (so an answer resumes the same revision where it stopped), the cost ledger and
// the audit log of actions. The engine, not the model, decides when a branch is made: only
// after its own run of the checks passes.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BranchyardError, describeError } from '../errors/index.ts';
import type { EventBus } from '../events/index.ts';
import type { CodebaseHandle } from '../git/index.ts';
import { createBranch, formatBranch, formatRevision, recordChecks } from '../git/index.ts';
import {
  addResponse,
  linkRevisionBranch,
  readRevision,
  recordRole,
  setRevisionStatus,
  writeRefined,
} from '../revisions/index.ts';
import type { Sandbox } from '../sandbox/index.ts';
import type { RevisionStatus as RevisionStatusName, StateDb } from '../store/index.ts';
import { revisionId, spent } from '../store/index.ts';
import { countTokens } from '../tokens/index.ts';
import type { AiConfig, Workspace } from '../workspace/index.ts';
import type { AuditRecorder } from './audit.ts';
import { argsDigest, auditRecorder } from './audit.ts';
import { describeRouteChecks, runRouteChecks } from './checks/route-checks.ts';
import type { RouteReport } from './checks/route-checks.ts';
import { describeChecks, runChecks } from './checks/run-checks.ts';
import type { ChecksOutcome } from './checks/run-checks.ts';
import type { ContextLevel } from './context.ts';
import { assembleContext, contextMessage, SYSTEM_PROMPT } from './context.ts';
import type { LlmClient, LlmMessage } from './llm/llm-client.ts';
import { callModel, OverBudget } from './model-call.ts';
import type { ProductOwnerState } from './product-owner.ts';
import { runProductOwner } from './product-owner.ts';
import { RepeatWatch } from './repeats.ts';
import type { AgentRole } from './roles.ts';
import { hasProductOwner, roleSettings } from './roles.ts';
import { runTool, TOOLS } from './tools.ts';
import { WorkingCopy } from './working-copy.ts';

export interface DevFlowDeps {
  workspace: Workspace;
  codebase: CodebaseHandle;
  db: StateDb;
  events: EventBus;
  sandbox: Sandbox;
  llm: LlmClient;
  config: AiConfig;
  /** Builds, starts and serves a new branch; says which gateways serve it. Throws when it does not build. */
  launch: (branch: number) => Promise<{ gateways: string[] }>;
  checksTimeoutMs?: number;
  /**
   * Aborted when the engine running the revision stops: the revision is left open where its last
   * completed turn got to (transcript saved) and the outcome says `open`; the engine then marks it
   * interrupted, to be resumed or discarded.
   */
  signal?: AbortSignal;
}

export interface RevisionOutcome {
  codebase: string;
  revision: number;
  status: RevisionStatusName;
  branch: number | null;
  costMicroUsd: number;
  message: string;
  gateways: string[];
}

export interface Transcript {
  messages: LlmMessage[];
  /** The ask_user call waiting for the user's answer. */
  pendingAsk: string | null;
  turns: number;
  activeMs: number;
  /** The product owner's part, when the workspace has one (issue 22): it runs before the first turn above. */
  productOwner?: ProductOwnerState;
}

/** Where a revision's transcript and working copy are kept (engine files, never committed). */
export function agentDir(deps: Pick<DevFlowDeps, 'workspace' | 'codebase'>, revision: number): string {
  return path.join(deps.workspace.paths.engineDir, 'agent', deps.codebase.paths.name, formatRevision(revision));
}

/** Runs a revision that is open: from its start, or on from where it waited for an answer. */
export async function runRevision(deps: DevFlowDeps, revisionNumber: number): Promise<RevisionOutcome> {
  const { codebase, events } = deps;
  const name = codebase.paths.name;
  const dir = agentDir(deps, revisionNumber);
  const revision = await readRevision(codebase, revisionNumber);
  const id = await revisionId(deps.db, name, revisionNumber);
  if (id === undefined)
    throw new BranchyardError(
      'NotFoundError',
      `dev revision ${formatRevision(revisionNumber)} of ${name} is not in the engine state`,
    );
  const records = { codebase, state: deps.db, events };
  const copy = await WorkingCopy.open(codebase, path.join(dir, 'working-copy.json'), revision.info.parentBranch ?? 1);
  const transcript = await loadTranscript(dir);
  const started = Date.now();
  const deadline = started + deps.config.budget.maxMinutes * 60_000 - transcript.activeMs;
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(new Error('time limit')), Math.max(0, deadline - Date.now()));
  const stopped = () => deps.signal?.aborted === true;
  const callSignal = deps.signal ? AbortSignal.any([limit.signal, deps.signal]) : limit.signal;

  const promptTokens = new PromptTokens();
  // Per run of the loop: a resumed revision starts a fresh count.
  const repeats = new RepeatWatch();
  // Whose turn it is: the audit trail names the role of each action of the agent.
  let role: AgentRole = 'developer';
  const audit = auditRecorder(deps.db, id, () => role);
  const developer = roleSettings(deps.config, 'developer');
  const developerLlm = deps.llm.withModel(developer.model);
  let lastSaved = started;
  const save = async () => {
    transcript.activeMs += Date.now() - lastSaved;
    lastSaved = Date.now();
    await saveTranscript(dir, transcript);
  };

  const end = async (
    status: RevisionStatusName,
    message: string,
    branch: number | null = null,
    gateways: string[] = [],
  ): Promise<RevisionOutcome> => {
    clearTimeout(timer);
    await save();
    if (status !== 'done')
      await addResponse({
        ...records,
        number: revisionNumber,
        kind: status === 'needs-answer' ? 'questions' : 'error',
        text: message,
        // Questions are the asking role's; an error is the engine's word.
        role: status === 'needs-answer' ? role : undefined,
      });
    await setRevisionStatus({ ...records, number: revisionNumber, status });
    await audit('revision.end', { status, branch, message }, 'engine');
    const outcome = {
      codebase: name,
      revision: revisionNumber,
      status,
      branch,
      costMicroUsd: await spent(deps.db, { devRevisionId: id }),
      message,
      gateways,
    };
    events.emit('revision.ended', outcome);
    return outcome;
  };

  const leave = async (): Promise<RevisionOutcome> => {
    clearTimeout(timer);
    await save();
    return {
      codebase: name,
      revision: revisionNumber,
      status: 'open',
      branch: null,
      costMicroUsd: await spent(deps.db, { devRevisionId: id }),
      message: 'the engine stopped',
      gateways: [],
    };
  };

  const answers = () => {
    const lastQuestions = revision.responses.filter((r) => r.kind === 'questions').at(-1)?.at ?? new Date(0);
    const given = revision.prompts.filter((p) => p.kind === 'answer' && p.at >= lastQuestions).map((p) => p.text);
    if (given.length === 0)
      throw new BranchyardError(
        'InvalidInputError',
        `dev revision ${formatRevision(revisionNumber)} of ${name} is waiting for an answer`,
        { hint: { do: 'answer', codebase: name, revision: revisionNumber } },
      );
    return given;
  };

  /** The product owner's turn: an outcome when the revision stops there (questions, a limit), else the refined request is written. */
  const productOwnerTurn = async (levels: ContextLevel[]): Promise<RevisionOutcome | undefined> => {
    const settings = roleSettings(deps.config, 'product-owner');
    const state = (transcript.productOwner ??= { messages: [], pendingAsk: null, refined: null, turns: 0 });
    const given = state.pendingAsk ? answers() : [];
    // Cut off while it worked (not while it waited: the answer given since is its next message),
    // it goes on from its last completed turn, told so.
    if (revision.info.status === 'interrupted' && !state.pendingAsk && state.messages.length > 0) {
      resumeTranscript(state);
      await audit('revision.resume', { role: 'product-owner', turns: state.turns }, 'engine');
    }
    if (revision.info.status !== 'open')
      await setRevisionStatus({ ...records, number: revisionNumber, status: 'open' });
    await recordRole({ ...records, number: revisionNumber, role: 'product-owner', model: settings.model });
    role = 'product-owner';
    const outcome = await runProductOwner({
      db: deps.db,
      events,
      config: deps.config,
      llm: deps.llm.withModel(settings.model),
      settings,
      revisionId: id,
      codebase: name,
      revision: revisionNumber,
      audit,
      signal: callSignal,
      state,
      copy,
      levels,
      prompts: revision.prompts,
      answers: given,
      saveRefined: (text) => writeRefined({ ...records, number: revisionNumber, text }).then(() => undefined),
      save,
    });
    if (outcome.kind === 'ask')
      return end('needs-answer', `The product owner asks:\n${outcome.questions.map((q) => `- ${q}`).join('\n')}`);
    role = 'developer';
    if (outcome.kind === 'stop') return end(outcome.status, `the product owner stopped: ${outcome.message}`);
    await addResponse({
      ...records,
      number: revisionNumber,
      kind: 'message',
      text: `The product owner refined the request (refined.md):\n\n${outcome.text}`,
      role: 'product-owner',
    });
    return undefined;
  };

  try {
    if (transcript.messages.length === 0) {
      const prompt = revision.prompts.map((p) => p.text).join('\n');
      const logsRoot = path.resolve(deps.workspace.paths.root, deps.workspace.manifest.logsRepository);
      const levels = await assembleContext({
        paths: deps.workspace.paths,
        codebase,
        copy,
        prompt,
        budget: deps.config.context,
        logsRoot,
      });
      await audit(
        'context',
        levels.map((l) => ({ level: l.name, tokens: l.tokens, budget: l.budget, cut: l.cut })),
        'engine',
      );
      // refined.md is kept before the transcript is saved: an engine stopped between the two has it
      // all the same, and the product owner is not asked again.
      if (!transcript.productOwner?.refined && revision.info.refined)
        (transcript.productOwner ??= { messages: [], pendingAsk: null, refined: null, turns: 0 }).refined =
          await readFile(path.join(revision.dir, revision.info.refined), 'utf8');
      if (hasProductOwner(deps.config) && !transcript.productOwner?.refined) {
        const ended = await productOwnerTurn(levels);
        if (ended) return ended;
      }
      transcript.messages.push(
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: contextMessage(levels, revision.prompts) },
      );
      const refined = transcript.productOwner?.refined;
      if (refined)
        transcript.messages.push({
          role: 'user',
          content: `The product owner refined this request; build what it says and meet every acceptance point:\n\n${refined}`,
        });
    } else if (revision.info.status === 'interrupted') {
      resumeTranscript(transcript);
      await audit('revision.resume', { turns: transcript.turns }, 'engine');
    } else if (transcript.pendingAsk) {
      transcript.messages.push({
        role: 'tool',
        tool_call_id: transcript.pendingAsk,
        content: `The user answered:\n${answers().join('\n\n')}`,
      });
      transcript.pendingAsk = null;
    }
    if (revision.info.status !== 'open')
      await setRevisionStatus({ ...records, number: revisionNumber, status: 'open' });
    await recordRole({ ...records, number: revisionNumber, role: 'developer', model: developer.model });
    await save();

    for (;;) {
      if (stopped()) return await leave();
      if (transcript.turns >= deps.config.budget.maxTurns)
        return await end(
          'turn-limit',
          `stopped at the limit of ${deps.config.budget.maxTurns} turns (ai/config.json budget.maxTurns) before the work was finished`,
        );
      if (Date.now() >= deadline) return await end('time-limit', TIME_LIMIT(deps));
      transcript.turns += 1;
      events.emit('agent.turn', {
        codebase: name,
        revision: revisionNumber,
        turn: transcript.turns,
        maxTurns: deps.config.budget.maxTurns,
      });

      let reply;
      try {
        reply = await callModel({
          db: deps.db,
          events,
          config: deps.config,
          llm: developerLlm,
          settings: developer,
          revisionId: id,
          codebase: name,
          revision: revisionNumber,
          audit,
          messages: transcript.messages,
          tools: TOOLS,
          countedTokens: promptTokens.count(transcript.messages),
          signal: callSignal,
        });
      } catch (error) {
        if (stopped()) return await leave();
        if (error instanceof OverBudget)
          return await end('over-budget', `stopped before a call that could pass the budget: ${error.message}`);
        if (limit.signal.aborted) return await end('time-limit', TIME_LIMIT(deps));
        return await end('failed', describeError(error));
      }

      transcript.messages.push({
        role: 'assistant',
        content: reply.content || null,
        ...(reply.toolCalls.length > 0
          ? {
              tool_calls: reply.toolCalls.map((c) => ({
                id: c.id,
                type: 'function' as const,
                function: { name: c.name, arguments: c.arguments },
              })),
            }
          : {}),
      });
      if (reply.content.trim())
        await addResponse({ ...records, number: revisionNumber, kind: 'message', text: reply.content, role });
      if (reply.toolCalls.length === 0) {
        transcript.messages.push({
          role: 'user',
          content:
            'Go on with the tools: call finish when the work is done and the checks pass, or ask_user if the request is unclear.',
        });
        await save();
        continue;
      }

      let stop: RevisionOutcome | undefined;
      for (const call of reply.toolCalls) {
        if (stop) {
          transcript.messages.push({
            role: 'tool',
            tool_call_id: call.id,
            content: 'Not run: the revision stopped before this call.',
          });
          continue;
        }
        const toolStarted = performance.now();
        const fields = (result: string) => ({
          tool: call.name,
          argsDigest: argsDigest(call.arguments),
          outcome: result,
          durationMs: Math.round(performance.now() - toolStarted),
        });
        const outcome = await runTool(copy, call.name, call.arguments);
        const argPath = safePath(call.arguments);
        if (outcome.kind === 'answer') {
          const verdict = outcome.ok
            ? (changesCopy(call.name) && repeats.progressed(), { kind: 'go-on' as const })
            : repeats.refused(call.name, call.arguments, outcome.text);
          transcript.messages.push({
            role: 'tool',
            tool_call_id: call.id,
            content: verdict.kind === 'warn' ? `${outcome.text}\n\n${verdict.text}` : outcome.text,
          });
          await audit(
            `tool:${call.name}`,
            { path: argPath, ok: outcome.ok, result: outcome.text.slice(0, 300) },
            'agent',
            fields(outcome.ok ? 'ok' : 'refused'),
          );
          events.emit('agent.tool', {
            codebase: name,
            revision: revisionNumber,
            role: 'developer',
            tool: call.name,
            ...(argPath ? { path: argPath } : {}),
            ok: outcome.ok,
            summary: outcome.text.split('\n')[0]!.slice(0, 200),
          });
          if (verdict.kind === 'stuck') stop = await end('stuck', `stopped: ${verdict.reason}`);
        } else if (outcome.kind === 'checks') {
          const proof = await proveTree(deps, copy, 'agent', revisionNumber);
          transcript.messages.push({ role: 'tool', tool_call_id: call.id, content: proof.text });
          await audit(
            'tool:run_checks',
            {
              passed: proof.passed,
              failure: proof.checks.failure,
              routes: proof.routes && { passed: proof.routes.passed, failures: proof.routes.failures.length },
              durationMs: Math.round(proof.durationMs),
            },
            'agent',
            fields(proof.passed ? 'passed' : 'failed'),
          );
        } else if (outcome.kind === 'ask') {
          await audit('tool:ask_user', { questions: outcome.questions }, 'agent', fields('asked'));
          events.emit('agent.tool', {
            codebase: name,
            revision: revisionNumber,
            role: 'developer',
            tool: 'ask_user',
            ok: true,
            summary: outcome.questions[0]!.slice(0, 200),
          });
          transcript.pendingAsk = call.id;
          stop = await end('needs-answer', outcome.questions.map((q) => `- ${q}`).join('\n'));
        } else {
          await audit('tool:finish', { summary: outcome.summary }, 'agent', fields('called'));
          events.emit('agent.tool', {
            codebase: name,
            revision: revisionNumber,
            role: 'developer',
            tool: 'finish',
            ok: true,
            summary: outcome.summary.slice(0, 200),
          });
          const result = await finish(deps, copy, revisionNumber, outcome.summary, audit);
          if (result.kind === 'retry') {
            const verdict = repeats.refused('finish', call.arguments, result.text);
            transcript.messages.push({
              role: 'tool',
              tool_call_id: call.id,
              content: verdict.kind === 'warn' ? `${result.text}\n\n${verdict.text}` : result.text,
            });
            if (verdict.kind === 'stuck') stop = await end('stuck', `stopped: ${verdict.reason}`);
          } else {
            transcript.messages.push({
              role: 'tool',
              tool_call_id: call.id,
              content: `Branch ${formatBranch(result.branch)} was made.`,
            });
            stop = await end('done', outcome.summary, result.branch, result.gateways);
          }
        }
      }
      if (stop) {
        await saveTranscript(dir, transcript);
        return stop;
      }
      await save();
    }
  } catch (error) {
    if (stopped()) return leave();
    if (limit.signal.aborted) return end('time-limit', TIME_LIMIT(deps));
    return end('failed', `the engine stopped the revision: ${describeError(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

const TIME_LIMIT = (deps: DevFlowDeps) =>
  `stopped at the limit of ${deps.config.budget.maxMinutes} minutes (ai/config.json budget.maxMinutes)`;

/**
 * Picks up a transcript cut off when the engine stopped. It was saved at the end of the last
 * completed turn, but a turn that stopped half-way may have saved it with calls left unanswered
 * (the model's API refuses those), and the working copy may hold writes of the lost turn: the
 * calls are closed and the model is told where it stands.
 */
export function resumeTranscript(transcript: Pick<Transcript, 'messages' | 'pendingAsk'>): void {
  const answered = new Set(transcript.messages.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : [])));
  const last = transcript.messages.findLast((m) => m.role === 'assistant');
  const calls = last?.role === 'assistant' ? (last.tool_calls ?? []) : [];
  for (const call of calls) {
    if (answered.has(call.id)) continue;
    const content =
      call.id === transcript.pendingAsk
        ? 'Not answered: the engine stopped before the user saw these questions. Ask again if they still matter.'
        : 'Not run: the engine stopped before this call.';
    transcript.messages.push({ role: 'tool', tool_call_id: call.id, content });
  }
  transcript.pendingAsk = null;
  transcript.messages.push({
    role: 'user',
    content:
      'The engine stopped in the middle of this work and has been started again. The conversation goes on from the last turn that completed; the working copy keeps every file written so far, including any from the turn that was cut off (list_files and read_file show them). Go on with the task.',
  });
}

/**
 * The tokens of the prompt, each message counted once: the transcript only grows, so a turn
 * counts what it added instead of the whole conversation again (40 turns of a long revision
 * would otherwise tokenise it 40 times).
 */
class PromptTokens {
  private readonly tools = countTokens(JSON.stringify(TOOLS));
  private readonly counts: number[] = [];
  private total = 0;

  count(messages: LlmMessage[]): number {
    for (let i = this.counts.length; i < messages.length; i++) {
      const tokens = countTokens(JSON.stringify(messages[i]));
      this.counts.push(tokens);
      this.total += tokens;
    }
    return this.total + this.tools;
  }
}

interface Proof {
  passed: boolean;
  checks: ChecksOutcome;
  /** Null when the checks failed first: a tree that does not type-check has no routes to call. */
  routes: (RouteReport & { isolation: 'container' | 'none' }) | null;
  /** What the agent reads: the checks, then the route checks. */
  text: string;
  durationMs: number;
}

/** The checks in the sandbox, then, when they pass, the route checks of the same tree. */
async function proveTree(
  deps: DevFlowDeps,
  copy: WorkingCopy,
  by: 'agent' | 'engine',
  revision: number,
): Promise<Proof> {
  const started = performance.now();
  const tree = await mkdtemp(path.join(os.tmpdir(), 'branchyard-tree-'));
  const emit = (passed: boolean, summary: string, isolation: 'container' | 'none') =>
    deps.events.emit('agent.checks', { codebase: deps.codebase.paths.name, revision, by, passed, summary, isolation });
  try {
    await copy.materialize(tree);
    const checks = await runChecks({
      sandbox: deps.sandbox,
      dir: tree,
      engineDir: deps.workspace.paths.engineDir,
      timeoutMs: deps.checksTimeoutMs ?? 180_000,
    });
    emit(checks.passed, describeChecks(checks, 400).split('\n')[0]!, checks.isolation);
    if (!checks.passed)
      return {
        passed: false,
        checks,
        routes: null,
        text: describeChecks(checks),
        durationMs: performance.now() - started,
      };
    const routes = await runRouteChecks({ sandbox: deps.sandbox, dir: tree, files: copy.files(), typeChecked: true });
    const told = describeRouteChecks(routes);
    emit(routes.passed, told.split('\n')[0]!, routes.isolation);
    return {
      passed: routes.passed,
      checks,
      routes,
      text: `${describeChecks(checks)}\n\n${told}`,
      durationMs: performance.now() - started,
    };
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

type FinishResult = { kind: 'retry'; text: string } | { kind: 'branch'; branch: number; gateways: string[] };

/** The engine's own checks, then the branch, its records, and its launch. */
async function finish(
  deps: DevFlowDeps,
  copy: WorkingCopy,
  revision: number,
  summary: string,
  audit: AuditRecorder,
): Promise<FinishResult> {
  const { codebase, events } = deps;
  const changes = await copy.changes();
  if (changes.writes.length === 0 && changes.deletes.length === 0)
    return {
      kind: 'retry',
      text: 'Nothing was changed, so there is no branch to make. Make the changes the request needs, or ask_user if it is unclear.',
    };
  const proof = await proveTree(deps, copy, 'engine', revision);
  const { checks, routes } = proof;
  await audit(
    'checks',
    {
      passed: checks.passed,
      failure: checks.failure,
      isolation: checks.isolation,
      routes: routes && { passed: routes.passed, calls: routes.calls, failures: routes.failures.length },
    },
    'engine',
  );
  if (!proof.passed)
    return {
      kind: 'retry',
      text: `The ${checks.passed ? 'route checks' : 'checks'} failed, so no branch was made. Fix these and call finish again:\n\n${proof.text}`,
    };

  const records = { codebase, state: deps.db, events };
  const files = [...changes.writes.map((w) => w.path), ...changes.deletes.map((d) => `${d} (deleted)`)];
  const created = await createBranch({
    codebase,
    logsRepository: deps.workspace.manifest.logsRepository,
    parent: copy.parent,
    changes,
    author: 'agent',
    devRevision: revision,
    message: summary.split('\n')[0]!.slice(0, 120),
    summary: `${summary}\n\n## Files\n\n${files.map((f) => `- ${f}`).join('\n')}\n`,
    events,
  });
  const branch = created.info.number;
  await linkRevisionBranch({ ...records, number: revision, branch });
  await addResponse({ ...records, number: revision, kind: 'summary', text: summary, role: 'developer' });
  const at = new Date().toISOString();
  const report = checks.report!;
  await recordChecks(codebase, branch, {
    checks: {
      typecheck: { status: 'passed', at, detail: 'type-checked in the sandbox' },
      tests: { status: 'passed', at, detail: report.tests.total === 0 ? 'no tests' : `${report.tests.total} passed` },
      routes: routes!.skipped
        ? { status: 'skipped', at, detail: routes!.skipped }
        : {
            status: 'passed',
            at,
            detail: `${routes!.routes} route${routes!.routes === 1 ? '' : 's'}, ${routes!.calls} calls with generated inputs (${routes!.isolation === 'container' ? 'in the sandbox' : 'no isolation'})`,
          },
    },
  });
  await audit('branch', { branch, files }, 'engine');
  try {
    const launched = await deps.launch(branch);
    await audit('launch', { branch, gateways: launched.gateways }, 'engine');
    return { kind: 'branch', branch, gateways: launched.gateways };
  } catch (error) {
    // The branch stays, recorded as it is; the agent gets the reason and can make a better one.
    await audit('launch', { branch, error: describeError(error) }, 'engine');
    return {
      kind: 'retry',
      text: `Branch ${formatBranch(branch)} was made but could not be started: ${describeError(error)}\nFix this and call finish again; a new branch will be made.`,
    };
  }
}

/** Tools whose success changes the working copy: progress, whatever was refused before. */
function changesCopy(tool: string): boolean {
  return tool === 'write_file' || tool === 'edit_file' || tool === 'delete_file';
}

function safePath(rawArguments: string): string | undefined {
  try {
    const parsed = JSON.parse(rawArguments) as { path?: unknown };
    return typeof parsed.path === 'string' ? parsed.path.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

async function loadTranscript(dir: string): Promise<Transcript> {
  const text = await readFile(path.join(dir, 'transcript.json'), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as Transcript) : { messages: [], pendingAsk: null, turns: 0, activeMs: 0 };
}

async function saveTranscript(dir: string, transcript: Transcript): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'transcript.json');
  await writeFile(`${file}.tmp`, JSON.stringify(transcript));
  await rename(`${file}.tmp`, file);
}
