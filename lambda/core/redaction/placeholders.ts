/**
 * The `{TYPE_n}` placeholders tokenize leaves in text, on their own: the vault and the executor
 * resolve them without loading the recognizers (a function that only re-identifies stays light).
 */
export const PLACEHOLDER = /\{([A-Z][A-Z0-9_]*?_\d+)\}/g;

/**
 * Input text that already has the shape of a placeholder (`{EMAIL_1}` typed into a CRM note)
 * gets ornament braces (`❴EMAIL_1❵`), so `reidentify` can never resolve it to a vault value of
 * the scope. Same length (one UTF-16 unit per brace), so entity offsets into the input still
 * hold; and no normalisation folds them back to `{}` (sanitize's NFKC would fold fullwidth ones).
 */
export function neutralizePlaceholders(text: string): string {
  return text.indexOf('{') === -1 ? text : text.replace(PLACEHOLDER, '\u2774$1\u2775');
}

/** Replace each `{TYPE_n}` placeholder that `lookup` knows; others stay as they are. */
export function reidentify(text: string, lookup: (placeholder: string) => string | undefined): string {
  return text.replace(PLACEHOLDER, (whole) => lookup(whole) ?? whole);
}

/** The distinct placeholders in `text`. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[0]))];
}
