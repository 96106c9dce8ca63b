package dev.quota4j.spi;

import dev.quota4j.Beta;

/**
 * What ledger aggregates can be grouped and filtered by. Every dimension is a column of {@link
 * UsageEvent}. Every dimension but {@link #WORKFLOW} is also kept in the daily summaries of purged
 * events, so an aggregate grouped or filtered by those stays exact, at day resolution, over days
 * that retention has purged.
 *
 * <p>A store that cannot group or filter by a dimension (one written before it was added, say)
 * throws {@link UnsupportedOperationException} naming it from {@link QuotaStore#aggregate}; it
 * never ignores it. Constants may be added in later versions: code that switches over them needs a
 * default branch.
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
  STATUS,
  /**
   * {@link UsageEvent#workflowId()}. Workflows are counted from the ledger's events: over days
   * retention has purged, their usage counts but their workflows do not. Usage read from the daily
   * summaries has no workflow (a null group; left out by a filter on a workflow), as the summaries
   * keep none. No rollup keeps it either, so a query that groups or filters by it reads the ledger
   * itself (on JDBC, the events table rather than the rollups compaction writes): slower over long
   * ranges, and one row per workflow.
   */
  WORKFLOW
}
