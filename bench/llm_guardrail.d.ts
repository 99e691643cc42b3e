/** Types for the untyped peer `llm_guardrail` (ESM, bundled TF-IDF + logistic regression). */
declare module 'llm_guardrail' {
  export function checkInjection(prompt: string): Promise<{ detected: boolean; confidence: number }>;
}
