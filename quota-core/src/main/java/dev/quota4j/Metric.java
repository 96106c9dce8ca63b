package dev.quota4j;

/** What a limit counts. */
public enum Metric {
  /** Input plus output tokens. */
  TOKENS,
  /** Input (prompt) tokens. */
  INPUT_TOKENS,
  /** Output (completion) tokens. */
  OUTPUT_TOKENS,
  /** Calls. */
  REQUESTS,
  /** Unicode code points of the text sent. */
  CHARACTERS,
  /** Cost, counted in micro-units (1e-6) of the currency. */
  COST
}
