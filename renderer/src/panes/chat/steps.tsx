// A revision's tool calls as collapsible step cards: a write shows what it wrote as a diff, a
// failed check opens on its full errors, and calls repeated with the same arguments or refused
// for the same reason fold into one card that says how many times and the engine's reason.
import {
  AlertTriangle,
  Check,
  ChevronRight,
  FileText,
  FolderTree,
  MessageCircleQuestion,
  Pencil,
  Search,
  ShieldCheck,
  Trash2,
  X,
} from 'lucide-react';
import type { LucideIcon } from 'lucide-react';
import type { Step } from '../../stores/chat-store.ts';
import { Markdown } from './markdown.tsx';

type ToolStep = Extract<Step, { kind: 'tool' }>;
export type Shown = Extract<Step, { kind: 'text' }> | { kind: 'tools'; step: ToolStep; count: number };

const ROLE_LABELS: Record<NonNullable<Step['role']>, string> = {
  'product-owner': 'Product owner',
  developer: 'Developer',
};

/** Which role said or did it (issue 22): shown only where a product owner took part, so a lone developer's steps stay plain. */
function RoleLabel({ role }: { role: Step['role'] }) {
  return role ? (
    <span className={`role-label role-${role}`} data-testid="step-role">
      {ROLE_LABELS[role]}
    </span>
  ) : null;
}

const ICONS: Record<string, LucideIcon> = {
  list_files: FolderTree,
  read_file: FileText,
  write_file: Pencil,
  edit_file: Pencil,
  delete_file: Trash2,
  search_files: Search,
  run_checks: ShieldCheck,
  checks: ShieldCheck,
  ask_user: MessageCircleQuestion,
  finish: Check,
};
const VERBS: Record<string, string> = {
  list_files: 'Listed the files',
  read_file: 'Read',
  write_file: 'Wrote',
  edit_file: 'Edited',
  delete_file: 'Deleted',
  search_files: 'Searched',
  run_checks: 'Ran the checks',
  checks: 'Checks',
  ask_user: 'Asked',
  finish: 'Finished',
};

/** Consecutive calls that are the same call, or refused for the same reason, become one card. */
export function groupSteps(steps: Step[]): Shown[] {
  const shown: Shown[] = [];
  for (const step of steps) {
    if (step.kind === 'text') {
      if (step.text.trim()) shown.push(step);
      continue;
    }
    const last = shown.at(-1);
    if (
      last?.kind === 'tools' &&
      last.step.role === step.role &&
      last.step.tool === step.tool &&
      last.step.ok === step.ok &&
      (step.arguments !== undefined && last.step.arguments === step.arguments
        ? true
        : !step.ok && reason(last.step) === reason(step))
    ) {
      last.count += 1;
      // The newest keeps the engine's latest word (a warning that the calls repeat).
      last.step = step;
    } else shown.push({ kind: 'tools', step, count: 1 });
  }
  return shown;
}

const reason = (step: ToolStep) => (step.result ?? step.summary).split('\n')[0]!;

function parsed(raw: string | undefined): Record<string, unknown> {
  try {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What a write or an edit changed, as diff lines. */
function changeOf(step: ToolStep): { sign: '+' | '-'; text: string }[] | null {
  const args = parsed(step.arguments);
  if (step.tool === 'write_file' && typeof args.content === 'string')
    return args.content
      .replace(/\n$/, '')
      .split('\n')
      .map((text) => ({ sign: '+', text }));
  if (step.tool === 'edit_file' && typeof args.old_text === 'string' && typeof args.new_text === 'string') {
    return [
      ...args.old_text.split('\n').map((text) => ({ sign: '-' as const, text })),
      ...args.new_text.split('\n').map((text) => ({ sign: '+' as const, text })),
    ];
  }
  return null;
}

export function StepCard({ step, count, labelled }: { step: ToolStep; count: number; labelled: boolean }) {
  const Icon = step.ok ? (ICONS[step.tool] ?? ChevronRight) : AlertTriangle;
  const change = changeOf(step);
  const args = parsed(step.arguments);
  const asked = Array.isArray(args.questions)
    ? args.questions.filter((q): q is string => typeof q === 'string').join(' ')
    : '';
  const subject = step.path ?? (typeof args.query === 'string' ? `“${args.query}”` : '');
  // The summary line already says what the answer opens with ("Type-check: 2 error(s):"): the
  // card's body goes on from there instead of saying it twice.
  const first = reason(step);
  const whole = step.result ?? '';
  const body = !step.ok && whole.startsWith(`${first}\n`) ? whole.slice(first.length + 1).replace(/^\n+/, '') : whole;
  // A failed call opens on its whole answer: the errors are what the user looks for.
  const open = !step.ok && count === 1;
  const expandable = change !== null || body.length > 0;
  return (
    <details
      className={`step-card ${step.ok ? 'ok' : 'failed'}`}
      open={open}
      data-testid="step-card"
      data-tool={step.tool}
    >
      <summary aria-disabled={!expandable || undefined}>
        <Icon size={14} aria-hidden className="step-icon" />
        {labelled && <RoleLabel role={step.role} />}
        <span className="step-verb">{VERBS[step.tool] ?? step.tool}</span>
        {subject && <code className="step-subject">{subject}</code>}
        {!step.ok && <X size={13} aria-label="failed" className="step-failed" />}
        {count > 1 && (
          <span className="badge repeat" data-testid="step-repeat">
            ×{count}
          </span>
        )}
        <span className="step-summary muted">{asked || first}</span>
      </summary>
      {change && (
        <pre
          className="step-diff"
          tabIndex={0}
          aria-label={`Change to ${step.path ?? 'the file'}`}
          data-testid="step-diff"
        >
          {change.map((line, i) => (
            <span key={i} className={line.sign === '+' ? 'add' : 'del'}>
              {line.sign} {line.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
      {body && !change && (
        <pre className="step-result" tabIndex={0} data-testid="step-result">
          {body}
        </pre>
      )}
      {body && change && <p className="muted step-answer">{body}</p>}
    </details>
  );
}

/** `labelled`: the revision's steps name their roles (given when they are shown in parts, one per answer). */
export function Steps({
  steps,
  labelled = steps.some((s) => s.role === 'product-owner'),
}: {
  steps: Step[];
  labelled?: boolean;
}) {
  const shown = groupSteps(steps);
  if (shown.length === 0) return null;
  return (
    <div className="steps" data-testid="revision-steps">
      {shown.map((s, i) =>
        s.kind === 'text' ? (
          <div key={i} className="step-message">
            {labelled && <RoleLabel role={s.role} />}
            <Markdown text={s.text} testId="revision-text" />
          </div>
        ) : s.step.tool === 'finish' && s.step.ok ? null : (
          <StepCard key={i} step={s.step} count={s.count} labelled={labelled} />
        ),
      )}
    </div>
  );
}
