package dev.quota4j.reports;

import java.math.BigDecimal;
import java.util.List;

/**
 * One agent's statistics.
 *
 * @param agent the agent
 * @param calls SUCCESS and ERROR events
 * @param errors ERROR events
 * @param errorRatePercent errors per call, in percent
 * @param denials QUOTA_EXCEEDED events
 * @param totalTokens input plus output tokens
 * @param averageTokens tokens per call
 * @param cost the priced cost
 */
public record AgentStats(
    String agent,
    long calls,
    long errors,
    BigDecimal errorRatePercent,
    long denials,
    long totalTokens,
    BigDecimal averageTokens,
    BigDecimal cost)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<AgentStats> COLUMNS =
      Columns.of(AgentStats.class)
          .add("agent", AgentStats::agent)
          .add("calls", AgentStats::calls)
          .add("errors", AgentStats::errors)
          .add("error_rate_percent", AgentStats::errorRatePercent)
          .add("denials", AgentStats::denials)
          .add("total_tokens", AgentStats::totalTokens)
          .add("average_tokens", AgentStats::averageTokens)
          .add("cost", AgentStats::cost);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  @Override
  public Columns<AgentStats> columns() {
    return COLUMNS;
  }
}
