package dev.quota4j.reports;

import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An agent, or an agent's tool, by tokens.
 *
 * @param agent the agent; null when the events named none
 * @param tool the tool; null in {@link UsageReports#topAgents}
 * @param calls SUCCESS and ERROR events
 * @param totalTokens input plus output tokens
 * @param averageTokens tokens per call
 * @param cost the priced cost
 */
public record TopEntry(
    @Nullable String agent,
    @Nullable String tool,
    long calls,
    long totalTokens,
    BigDecimal averageTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<TopEntry> COLUMNS =
      Columns.of(TopEntry.class)
          .add("agent", TopEntry::agent)
          .add("tool", TopEntry::tool)
          .add("calls", TopEntry::calls)
          .add("total_tokens", TopEntry::totalTokens)
          .add("average_tokens", TopEntry::averageTokens)
          .add("cost", TopEntry::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<TopEntry> columns() {
    return COLUMNS;
  }
}
