/**
 * Scrubs secrets out of text before it is written anywhere durable (session files, logs).
 * Two sources: the exact values we know are secret (API keys from the environment) and the
 * shapes that well-known tokens have, so a key the user pastes is caught too.
 */

export const REDACTED = "[REDACTED]";

/** Returns the text with every secret replaced by `[REDACTED]`. Pure and idempotent. */
export type Redactor = (text: string) => string;

export interface RedactorOptions {
  /** Exact secret values. Values shorter than 8 characters are ignored: they would match ordinary text. */
  secrets?: readonly string[];
  /** Extra shapes to redact; the whole match is replaced. */
  patterns?: readonly RegExp[];
}

/** Shortest secret value we redact by exact match. */
export const MIN_SECRET_LENGTH = 8;

interface Rule {
  pattern: RegExp;
  replacement: string;
}

/**
 * Well-known token shapes. Each requires enough characters (and, where words could look alike,
 * a digit) that ordinary prose and identifiers such as `sk-learn` or `Bearer authentication`
 * are left alone.
 */
const BUILT_IN_RULES: readonly Rule[] = [
  // First, so the base64 body is not half-eaten by the shorter rules below. An unterminated
  // block (a truncated paste) is redacted to the end of the text.
  {
    pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(-----END ([A-Z0-9]+ )*PRIVATE KEY-----|$)/g,
    replacement: REDACTED,
  },
  // Anthropic `sk-ant-…`, OpenAI `sk-…`, `sk-proj-…`, `sk-svcacct-…`.
  { pattern: /\bsk-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}/g, replacement: REDACTED },
  // Hugging Face.
  { pattern: /\bhf_[A-Za-z0-9]{30,}/g, replacement: REDACTED },
  // GitHub classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained tokens.
  { pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/g, replacement: REDACTED },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replacement: REDACTED },
  // AWS access key ids (long-lived AKIA, temporary ASIA).
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: REDACTED },
  // `Authorization: Bearer <token>` in logs, curl commands, headers. The scheme is kept so the
  // text still reads sensibly.
  {
    pattern: /\b([Bb]earer\s+)(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*/g,
    replacement: `$1${REDACTED}`,
  },
];

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const rules: Rule[] = [];
  const secretRule = exactValuesRule(options.secrets ?? []);
  if (secretRule) rules.push(secretRule);
  rules.push(...BUILT_IN_RULES);
  for (const pattern of options.patterns ?? []) {
    // A non-global pattern would replace only the first occurrence.
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
    rules.push({ pattern: global, replacement: REDACTED });
  }

  return (text: string): string => {
    if (text.length < MIN_SECRET_LENGTH) return text;
    let result = text;
    for (const rule of rules) {
      rule.pattern.lastIndex = 0;
      result = result.replace(rule.pattern, rule.replacement);
    }
    return result;
  };
}

function exactValuesRule(secrets: readonly string[]): Rule | undefined {
  const usable = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (usable.length === 0) return undefined;
  // Longest first, so a secret that contains another is replaced whole.
  usable.sort((a, b) => b.length - a.length);
  // `$` in a replacement string is special, so use a function.
  return { pattern: new RegExp(usable.map(escapeRegExp).join("|"), "g"), replacement: REDACTED };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

/**
 * Env var names whose values are secret: `*_API_KEY`, `*_KEY`, `*_TOKEN`, `*_SECRET`,
 * `*PASSWORD`, `*_PAT`, `*_CREDENTIALS`, `*_AUTH`, AWS's secret and session keys, and kin.
 */
const SECRET_ENV_NAME =
  /(^|_)(API_?KEY|KEY|TOKEN|SECRET|SECRET_KEY|SECRET_ACCESS_KEY|ACCESS_KEY|PRIVATE_KEY|PASSWORD|PASSWD|PAT|CREDENTIALS?|AUTH)$/i;

export function isSecretEnvName(name: string): boolean {
  return SECRET_ENV_NAME.test(name) || /^AWS_(SECRET|SESSION)_/i.test(name);
}

/**
 * Values of the env vars that hold secrets, to hand to `createRedactor({ secrets })` so a key
 * from the environment never lands in a session file. `names` adds vars to treat as secret
 * beyond those whose names look secret (e.g. a custom provider's key declared in config).
 */
export function secretsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[] = [],
): string[] {
  const extra = new Set(names);
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (extra.has(name) || isSecretEnvName(name)) values.add(value);
  }
  return [...values];
}
