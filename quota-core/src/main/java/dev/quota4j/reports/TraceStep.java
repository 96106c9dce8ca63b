package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.EventStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One event of a workflow.
 *
 * @param step 1 for the first event, then 2, 3, ...
 * @param time when it happened
 * @param eventId the event id
 * @param status the outcome
 * @param subject the primary subject
 * @param operation the operation
 * @param agent the agent
 * @param tool the tool
 * @param provider the provider
 * @param model the model
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param cost the priced cost
 * @param errorCode the denial code or error class, if any
 */
public record TraceStep(
    int step,
    Instant time,
    String eventId,
    EventStatus status,
    SubjectRef subject,
    @Nullable String operation,
    @Nullable String agent,
    @Nullable String tool,
    @Nullable String provider,
    @Nullable String model,
    long inputTokens,
    long outputTokens,
    BigDecimal cost,
    @Nullable String errorCode)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<TraceStep> COLUMNS =
      Columns.of(TraceStep.class)
          .add("step", TraceStep::step)
          .add("time", TraceStep::time)
          .add("event_id", TraceStep::eventId)
          .add("status", TraceStep::status)
          .add("subject_kind", r -> r.subject().kind())
          .add("subject_id", r -> r.subject().id())
          .add("operation", TraceStep::operation)
          .add("agent", TraceStep::agent)
          .add("tool", TraceStep::tool)
          .add("provider", TraceStep::provider)
          .add("model", TraceStep::model)
          .add("input_tokens", TraceStep::inputTokens)
          .add("output_tokens", TraceStep::outputTokens)
          .add("cost", TraceStep::cost)
          .add("error_code", TraceStep::errorCode);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<TraceStep> columns() {
    return COLUMNS;
  }
}
