package dev.quota4j.spi;

import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Which ledger events to read: {@code from <= time < to}, optionally of one subject or workflow,
 * oldest first, at most {@code limit}.
 *
 * @param from inclusive lower bound on the event time
 * @param to exclusive upper bound on the event time
 * @param subject only events of this primary subject, if not null
 * @param workflowId only events of this workflow, if not null
 * @param limit the most events returned
 */
public record EventQuery(
    Instant from,
    Instant to,
    @Nullable SubjectRef subject,
    @Nullable String workflowId,
    int limit) {

  /** Validates the bounds. */
  public EventQuery {
    Checks.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
    Checks.positive("limit", limit);
    Checks.optionalId("workflowId", workflowId);
  }

  /** Every event, up to {@code limit}. */
  public static EventQuery all(int limit) {
    return new EventQuery(Instant.MIN, Instant.MAX, null, null, limit);
  }

  /** The same query for one subject. */
  public EventQuery forSubject(SubjectRef s) {
    return new EventQuery(from, to, s, workflowId, limit);
  }

  /** The same query for one workflow. */
  public EventQuery forWorkflow(String id) {
    return new EventQuery(from, to, subject, id, limit);
  }
}
