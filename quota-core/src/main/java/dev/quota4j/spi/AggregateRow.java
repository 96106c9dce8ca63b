package dev.quota4j.spi;

import dev.quota4j.Beta;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One row of a ledger aggregate ({@link QuotaStore#aggregate}). A dimension that the query did not
 * group by is null; one it grouped by is null when the events had no value there.
 *
 * <p>Beta until 1.0.
 *
 * @param bucketStart the start of the UTC hour or day; null for {@link Bucket#NONE}
 * @param subject the primary subject, when grouped by {@link Dimension#SUBJECT}
 * @param operation the operation, when grouped by it
 * @param provider the provider, when grouped by it
 * @param model the model, when grouped by it
 * @param agent the agent, when grouped by it
 * @param tool the tool, when grouped by it
 * @param providerKey the provider key, when grouped by it
 * @param status the status, when grouped by it
 * @param workflowId the workflow, when grouped by it (null for usage read from the daily summaries,
 *     which keep no workflow)
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param inputTokens input tokens of SUCCESS and ERROR events
 * @param outputTokens output tokens of SUCCESS and ERROR events
 * @param cachedInputTokens cached input tokens of SUCCESS and ERROR events
 * @param characters characters of SUCCESS and ERROR events
 * @param costMicros cost, in micro-units, of SUCCESS and ERROR events
 */
@Beta
public record AggregateRow(
    @Nullable Instant bucketStart,
    @Nullable SubjectRef subject,
    @Nullable String operation,
    @Nullable String provider,
    @Nullable String model,
    @Nullable String agent,
    @Nullable String tool,
    @Nullable String providerKey,
    @Nullable EventStatus status,
    @Nullable String workflowId,
    long calls,
    long errors,
    long denials,
    long inputTokens,
    long outputTokens,
    long cachedInputTokens,
    long characters,
    long costMicros) {

  /** Validates the sums. */
  public AggregateRow {
    Checks.nonNegative("calls", calls);
    Checks.nonNegative("errors", errors);
    Checks.nonNegative("denials", denials);
    Checks.nonNegative("inputTokens", inputTokens);
    Checks.nonNegative("outputTokens", outputTokens);
    Checks.nonNegative("cachedInputTokens", cachedInputTokens);
    Checks.nonNegative("characters", characters);
    Checks.nonNegative("costMicros", costMicros);
  }

  /**
   * A row with no workflow: the constructor of the rows before {@link Dimension#WORKFLOW}, kept so
   * that code built against it still compiles and links.
   */
  public AggregateRow(
      @Nullable Instant bucketStart,
      @Nullable SubjectRef subject,
      @Nullable String operation,
      @Nullable String provider,
      @Nullable String model,
      @Nullable String agent,
      @Nullable String tool,
      @Nullable String providerKey,
      @Nullable EventStatus status,
      long calls,
      long errors,
      long denials,
      long inputTokens,
      long outputTokens,
      long cachedInputTokens,
      long characters,
      long costMicros) {
    this(
        bucketStart,
        subject,
        operation,
        provider,
        model,
        agent,
        tool,
        providerKey,
        status,
        null,
        calls,
        errors,
        denials,
        inputTokens,
        outputTokens,
        cachedInputTokens,
        characters,
        costMicros);
  }

  /** Input plus output tokens. */
  public long totalTokens() {
    return inputTokens + outputTokens;
  }

  /** The grouping key: bucket and every dimension, in {@link Dimension} order. */
  public List<@Nullable Object> key() {
    return Arrays.asList(
        bucketStart,
        subject,
        operation,
        provider,
        model,
        agent,
        tool,
        providerKey,
        status,
        workflowId);
  }

  /** This row with another row's sums added (same key). */
  public AggregateRow plus(AggregateRow o) {
    return new AggregateRow(
        bucketStart,
        subject,
        operation,
        provider,
        model,
        agent,
        tool,
        providerKey,
        status,
        workflowId,
        Checks.add("calls", calls, o.calls),
        Checks.add("errors", errors, o.errors),
        Checks.add("denials", denials, o.denials),
        Checks.add("inputTokens", inputTokens, o.inputTokens),
        Checks.add("outputTokens", outputTokens, o.outputTokens),
        Checks.add("cachedInputTokens", cachedInputTokens, o.cachedInputTokens),
        Checks.add("characters", characters, o.characters),
        Checks.add("costMicros", costMicros, o.costMicros));
  }

  /** Adds up rows with equal keys; keeps the order of first appearance. */
  public static List<AggregateRow> merge(Collection<AggregateRow> rows) {
    Map<List<@Nullable Object>, AggregateRow> out = new LinkedHashMap<>();
    for (AggregateRow r : rows) {
      out.merge(r.key(), r, AggregateRow::plus);
    }
    return new ArrayList<>(out.values());
  }
}
