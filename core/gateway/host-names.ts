// The names a gateway answers to. Every codebase gets `<codebase>.<gateway>.<workspace>.localhost`
// (browsers and curl resolve any `*.localhost` to loopback), the gateway itself gets
// `<gateway>.<workspace>.localhost` for its docs, and a hidden gateway puts its random label in
// front of each. Custom domains are the same on every gateway: the listener picks the environment.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBranch } from '../git/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

export function codebaseHost(codebase: string, gateway: string, workspace: string, label?: string): string {
  return [label, codebase, gateway, workspace, 'localhost'].filter(Boolean).join('.');
}

/** A branch's own name on a gateway: `00042.<codebase>.<gateway>.<workspace>.localhost`, a preview address per branch. */
export function branchHost(
  branch: number,
  codebase: string,
  gateway: string,
  workspace: string,
  label?: string,
): string {
  return [label, formatBranch(branch), codebase, gateway, workspace, 'localhost'].filter(Boolean).join('.');
}

export function gatewayHost(gateway: string, workspace: string, label?: string): string {
  return [label, gateway, workspace, 'localhost'].filter(Boolean).join('.');
}

const HOST_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The host name of a Host header, lowercased and without its port or a trailing dot; null when
 * the header is missing, is not a host name or has a port above 65535 (the caller answers 400). IP literals are
 * returned as they are: no route has one, so they end as unknown hosts.
 */
export function parseHostHeader(header: string | undefined): string | null {
  if (header === undefined || header.length === 0 || header.length > 300) return null;
  const lower = header.toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    const rest = lower.slice(end + 1);
    if (
      end < 0 ||
      !(rest === '' || (/^:\d{1,5}$/.test(rest) && isPort(rest.slice(1)))) ||
      !/^[0-9a-f:.]+$/.test(lower.slice(1, end))
    )
      return null;
    return lower.slice(0, end + 1);
  }
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(lower);
  // A port no URL can hold: the branch behind would fail on it (a 500 and a stack trace).
  if (!match || (match[2] !== undefined && !isPort(match[2]))) return null;
  const name = match[1]!.endsWith('.') ? match[1]!.slice(0, -1) : match[1]!;
  return HOST_NAME.test(name) ? name : null;
}

function isPort(digits: string): boolean {
  return Number(digits) <= 65_535;
}

/**
 * The random label of a hidden gateway, made once and kept in the engine's private folder
 * (not in the gateway file, which git shares): whoever lacks it cannot guess the names.
 */
export async function hiddenLabel(paths: WorkspacePaths, gateway: string): Promise<string> {
  const file = path.join(paths.engineDir, 'gateways', `${gateway}.label`);
  const existing = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    () => '',
  );
  if (/^[a-z0-9]{16,}$/.test(existing)) return existing;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Base 36 keeps it a valid DNS label; 16 characters are about 82 bits.
  const label = [...randomBytes(16)].map((b) => (b % 36).toString(36)).join('');
  try {
    await writeFile(file, `${label}\n`, { mode: 0o600, flag: 'wx' });
    return label;
  } catch {
    // Another process made it first: theirs is the one.
    return (await readFile(file, 'utf8')).trim();
  }
}
