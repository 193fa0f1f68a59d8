// Turns that repeat: a model that makes the same refused call again and again (the same tool
// with the same arguments, or any call refused for the same reason) is not making progress,
// however many turns it has left. At the third refusal in a row it is told so plainly; if it
// goes on, the revision stops as `stuck` instead of burning its budget. Reading files between
// the refusals does not break the run: only a call that changes the working copy does.

/** At this many refusals in a row the model is warned; at STOP_AT the revision stops. */
export const WARN_AT = 3;
export const STOP_AT = 5;

export type RepeatVerdict = { kind: 'go-on' } | { kind: 'warn'; text: string } | { kind: 'stuck'; reason: string };

interface Refusal {
  call: string;
  reason: string;
}

export class RepeatWatch {
  private last: Refusal | null = null;
  private streak = 0;

  /** A call the engine refused (or a finish it turned back), with the reason it gave. */
  refused(tool: string, rawArguments: string, reason: string): RepeatVerdict {
    const refusal = { call: `${tool} ${canonical(rawArguments)}`, reason: `${tool}: ${reason.trim()}` };
    const same = this.last !== null && (this.last.call === refusal.call || this.last.reason === refusal.reason);
    this.streak = same ? this.streak + 1 : 1;
    this.last = refusal;
    const what = firstLine(reason);
    if (this.streak >= STOP_AT)
      return { kind: 'stuck', reason: `the same call was refused ${this.streak} times in a row (${tool}: ${what})` };
    if (this.streak >= WARN_AT) {
      return {
        kind: 'warn',
        text: `This is refusal number ${this.streak} in a row for the same ${tool} call or the same reason: "${what}". Repeating it will not work. Change what the refusal is about (read the files it names, change the code), or call ask_user if you cannot go on. The revision stops after ${STOP_AT} such refusals in a row.`,
      };
    }
    return { kind: 'go-on' };
  }

  /** A call that changed the working copy: whatever comes next is a new attempt. */
  progressed(): void {
    this.last = null;
    this.streak = 0;
  }
}

/** Arguments compared by meaning, not by spacing or key order. */
function canonical(raw: string): string {
  try {
    return JSON.stringify(sortKeys(JSON.parse(raw)));
  } catch {
    return raw.trim();
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
