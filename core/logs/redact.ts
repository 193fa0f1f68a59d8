// Redaction before anything is written: the secrets the engine knows (the LLM key), the values
// of credential headers and cookies, and strings shaped like common API keys. One pass of one
// regular expression per line, so the cost stays small beside tokenising it.

const MASK = '[redacted]';

/** Header-like `name: value` or `name=value` pairs whose value is a credential. */
const CREDENTIAL_FIELD = String.raw`\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|api[-_]?key|access[-_]?token|password|passwd|secret)(["']?\s*[:=]\s*["']?)([^\s"',;]+(?:[ ][^\s"',;]+)?)`;

/** Shapes of well-known keys and tokens. */
const KEY_SHAPES = [
  String.raw`\bsk-[A-Za-z0-9_-]{16,}`, // OpenAI, OpenRouter (sk-or-v1-), Anthropic (sk-ant-)
  String.raw`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}`, // Stripe
  String.raw`\bgh[pousr]_[A-Za-z0-9]{30,}`, // GitHub
  String.raw`\bgithub_pat_[A-Za-z0-9_]{30,}`,
  String.raw`\bglpat-[A-Za-z0-9_-]{20,}`, // GitLab
  String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`, // Slack
  String.raw`\bAKIA[0-9A-Z]{16}\b`, // AWS access key id
  String.raw`\bAIza[0-9A-Za-z_-]{35}`, // Google
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`, // JWT
  String.raw`\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}`,
  String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----`,
];

export class Redactor {
  private readonly pattern: RegExp;
  private readonly secrets: string[];

  /** `secrets`: exact values to hide wherever they appear (short ones are ignored: they would hide ordinary words). */
  constructor(secrets: (string | undefined)[] = []) {
    this.secrets = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8))].sort(
      (a, b) => b.length - a.length,
    );
    this.pattern = new RegExp(`${CREDENTIAL_FIELD}|${KEY_SHAPES.join('|')}`, 'gi');
  }

  redact(line: string): string {
    let text = line;
    for (const secret of this.secrets) if (text.includes(secret)) text = text.split(secret).join(MASK);
    return text.replace(this.pattern, (match: string, field?: string, separator?: string) =>
      field ? `${field}${separator}${MASK}` : MASK,
    );
  }
}
