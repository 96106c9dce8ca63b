package dev.quota4j.reports;

/** A provider key's state. */
public enum KeyState {
  /** Below the warning percentage. */
  AVAILABLE,
  /** At or above the warning percentage (80 % by default). */
  WARNING,
  /** At or above the critical percentage (90 % by default). */
  CRITICAL,
  /** A limit is used up, or the key is deactivated: do not use it. */
  DISABLED
}
