package dev.quota4j.spi;

import dev.quota4j.Beta;

/**
 * What ledger aggregates can be grouped and filtered by. Every dimension is a column of {@link
 * UsageEvent}.
 *
 * <p>Beta until 1.0.
 */
@Beta
public enum Dimension {
  /** The primary subject (kind and id). Filter with {@link AggregateQuery#subject}. */
  SUBJECT,
  /** {@link UsageEvent#operation()}. */
  OPERATION,
  /** {@link UsageEvent#provider()}. */
  PROVIDER,
  /** {@link UsageEvent#model()}. */
  MODEL,
  /** {@link UsageEvent#agent()}. */
  AGENT,
  /** {@link UsageEvent#tool()}. */
  TOOL,
  /** {@link UsageEvent#providerKey()}. */
  PROVIDER_KEY,
  /** {@link UsageEvent#status()}: SUCCESS, ERROR or QUOTA_EXCEEDED. */
  STATUS
}
