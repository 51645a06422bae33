/**
 * Scrubs secrets out of text before it is written anywhere durable (session files, logs).
 * Two sources: the exact values we know are secret (API keys from the environment) and the
 * shapes that well-known tokens have, so a key the user pastes is caught too.
 */

export const REDACTED = "[REDACTED]";

/**
 * Returns the text with every secret replaced by `[REDACTED]`. Pure and idempotent. `findsNothingIn`,
 * where the redactor can tell, says whether the text that `pieces` make joined holds nothing it
 * would replace, read piece by piece: a 50 MB answer is then written as it is, never flattened
 * into one more copy for the regular expressions (long-text.ts). Without it, or when it says
 * false, the text is redacted whole.
 */
export type Redactor = ((text: string) => string) & { findsNothingIn?: (pieces: readonly string[]) => boolean };

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
  /** Strings of which every match holds at least one: text with none of them cannot match. */
  needles: readonly string[];
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
    needles: ["PRIVATE KEY-----"],
  },
  // Anthropic `sk-ant-…`, OpenAI `sk-…`, `sk-proj-…`, `sk-svcacct-…`.
  { pattern: /\bsk-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{20,}/g, replacement: REDACTED, needles: ["sk-"] },
  // Hugging Face.
  { pattern: /\bhf_[A-Za-z0-9]{30,}/g, replacement: REDACTED, needles: ["hf_"] },
  // GitHub classic (ghp_, gho_, ghu_, ghs_, ghr_) and fine-grained tokens.
  {
    pattern: /\bgh[pousr]_[A-Za-z0-9]{30,}/g,
    replacement: REDACTED,
    needles: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
  },
  { pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g, replacement: REDACTED, needles: ["github_pat_"] },
  // AWS access key ids (long-lived AKIA, temporary ASIA).
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replacement: REDACTED, needles: ["AKIA", "ASIA"] },
  // `Authorization: Bearer <token>` in logs, curl commands, headers. The scheme is kept so the
  // text still reads sensibly.
  {
    pattern: /\b([Bb]earer\s+)(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*/g,
    replacement: `$1${REDACTED}`,
    needles: ["Bearer", "bearer"],
  },
];

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const rules: Rule[] = [];
  const secretRule = exactValuesRule(options.secrets ?? []);
  if (secretRule) rules.push(secretRule);
  rules.push(...BUILT_IN_RULES);
  // A pattern of the user's has no known needle: with one, every text is redacted whole.
  const needles = options.patterns?.length ? undefined : rules.flatMap((rule) => rule.needles);
  for (const pattern of options.patterns ?? []) {
    // A non-global pattern would replace only the first occurrence.
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
    rules.push({ pattern: global, replacement: REDACTED, needles: [] });
  }

  // One search for every rule's needles: most text holds none, and then none of the rules' passes
  // (eight regular expressions over the whole text, for each string of each entry) can replace anything.
  const anyNeedle = needles ? new RegExp(needles.map(escapeRegExp).join("|")) : undefined;
  const redact: Redactor = (text: string): string => {
    if (text.length < MIN_SECRET_LENGTH) return text;
    if (anyNeedle && !anyNeedle.test(text)) return text;
    let result = text;
    for (const rule of rules) {
      rule.pattern.lastIndex = 0;
      result = result.replace(rule.pattern, rule.replacement);
    }
    return result;
  };
  if (needles && anyNeedle) redact.findsNothingIn = (pieces) => !holdsAny(pieces, needles, anyNeedle);
  return redact;
}

/** Whether any needle occurs in the pieces joined, also across the seams between pieces. */
function holdsAny(pieces: readonly string[], needles: readonly string[], search: RegExp): boolean {
  // Enough of the text before a seam to hold all but the last character of any needle.
  const reach = Math.max(...needles.map((needle) => needle.length)) - 1;
  let before = "";
  for (const piece of pieces) {
    if (search.test(piece)) return true;
    if (reach > 0 && search.test(before + piece.slice(0, reach))) return true;
    before = piece.length >= reach ? piece.slice(piece.length - reach) : (before + piece).slice(-reach);
  }
  return false;
}

function exactValuesRule(secrets: readonly string[]): Rule | undefined {
  const usable = [...new Set(secrets)].filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (usable.length === 0) return undefined;
  // Longest first, so a secret that contains another is replaced whole.
  usable.sort((a, b) => b.length - a.length);
  // `$` in a replacement string is special, so use a function.
  return { pattern: new RegExp(usable.map(escapeRegExp).join("|"), "g"), replacement: REDACTED, needles: usable };
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
