package dev.quota4j.reports;

/** What a top list of subjects ranks by, most first. */
public enum TopBy {
  /** Input plus output tokens. */
  TOKENS,
  /** The priced cost. */
  COST,
  /** Requests: SUCCESS and ERROR events. */
  REQUESTS,
  /** Denials: QUOTA_EXCEEDED events. */
  DENIALS
}
