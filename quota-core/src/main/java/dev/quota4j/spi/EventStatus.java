package dev.quota4j.spi;

/** The outcome a ledger event records. */
public enum EventStatus {
  /** The call happened and its usage was committed or recorded. */
  SUCCESS,
  /** The call failed; only what the provider billed was charged. */
  ERROR,
  /** The call was denied. */
  QUOTA_EXCEEDED,
  /** The reservation was released without a call. */
  RELEASED,
  /** The reservation's lease ended and the store reclaimed it. */
  EXPIRED,
  /** An operator changed counters or subjects (reset, migration, temporary increase). */
  ADMIN
}
