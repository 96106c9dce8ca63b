package dev.quota4j;

/** What a limit does when a call would pass it. */
public enum LimitMode {
  /** Deny the call. */
  ENFORCE,
  /** Admit and count; warn listeners. */
  SOFT,
  /** Admit and count; log the denial that would have happened. */
  SHADOW
}
