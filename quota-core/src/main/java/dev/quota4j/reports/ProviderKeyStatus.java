package dev.quota4j.reports;

import dev.quota4j.LimitStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where one provider key stands.
 *
 * @param key the provider key
 * @param state its state
 * @param remainingPercent the least remaining percentage over its limits, one decimal place
 * @param tightestLimit the limit with the least remaining; null when it has none
 * @param used used plus reserved in that limit's window
 * @param limit that limit's amount
 * @param resetsAt when that limit's window resets
 * @param limits every limit of the key
 */
public record ProviderKeyStatus(
    String key,
    KeyState state,
    BigDecimal remainingPercent,
    @Nullable String tightestLimit,
    long used,
    long limit,
    @Nullable Instant resetsAt,
    List<LimitStatus> limits)
    implements ReportRow {
  /** The columns, declared once: the CSV header and each row's values. */
  public static final Columns<ProviderKeyStatus> COLUMNS =
      Columns.of(ProviderKeyStatus.class)
          .add("key", ProviderKeyStatus::key)
          .add("state", ProviderKeyStatus::state)
          .add("remaining_percent", ProviderKeyStatus::remainingPercent)
          .add("tightest_limit", ProviderKeyStatus::tightestLimit)
          .add("used", ProviderKeyStatus::used)
          .add("limit", ProviderKeyStatus::limit)
          .add("resets_at", ProviderKeyStatus::resetsAt);

  /** The CSV header: the names of {@link #COLUMNS}. */
  public static final List<String> HEADER = COLUMNS.names();

  /** Copies the limits. */
  public ProviderKeyStatus {
    limits = List.copyOf(limits);
  }

  @Override
  public Columns<ProviderKeyStatus> columns() {
    return COLUMNS;
  }
}
