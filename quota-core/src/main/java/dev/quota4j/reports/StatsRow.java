package dev.quota4j.reports;

import dev.quota4j.Money;
import dev.quota4j.spi.AggregateRow;
import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A line of {@link PeriodStats}: the total, one operation, or one provider and model.
 *
 * @param group {@code total}, {@code operation} or {@code provider_model}
 * @param operation the operation, in an {@code operation} line
 * @param provider the provider, in a {@code provider_model} line
 * @param model the model, in a {@code provider_model} line
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param denials QUOTA_EXCEEDED events
 * @param inputTokens input tokens
 * @param outputTokens output tokens
 * @param totalTokens input plus output tokens
 * @param averageTokens tokens per call
 * @param cost the priced cost
 */
public record StatsRow(
    String group,
    @Nullable String operation,
    @Nullable String provider,
    @Nullable String model,
    long calls,
    long errors,
    long denials,
    long inputTokens,
    long outputTokens,
    long totalTokens,
    BigDecimal averageTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<StatsRow> COLUMNS =
      Columns.of(StatsRow.class)
          .add("group", StatsRow::group)
          .add("operation", StatsRow::operation)
          .add("provider", StatsRow::provider)
          .add("model", StatsRow::model)
          .add("calls", StatsRow::calls)
          .add("errors", StatsRow::errors)
          .add("denials", StatsRow::denials)
          .add("input_tokens", StatsRow::inputTokens)
          .add("output_tokens", StatsRow::outputTokens)
          .add("total_tokens", StatsRow::totalTokens)
          .add("average_tokens", StatsRow::averageTokens)
          .add("cost", StatsRow::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  static StatsRow of(String group, AggregateRow r) {
    return new StatsRow(
        group,
        r.operation(),
        r.provider(),
        r.model(),
        r.calls(),
        r.errors(),
        r.denials(),
        r.inputTokens(),
        r.outputTokens(),
        r.totalTokens(),
        Figures.average(r.totalTokens(), r.calls()),
        Money.fromMicros(r.costMicros()));
  }

  @Override
  public Columns<StatsRow> columns() {
    return COLUMNS;
  }
}
