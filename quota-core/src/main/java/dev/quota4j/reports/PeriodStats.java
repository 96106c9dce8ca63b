package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A period's statistics.
 *
 * @param subject the subject; null for everyone
 * @param from the start of the period
 * @param to the end of the period (excluded)
 * @param total the totals
 * @param byOperation one line per operation, most tokens first
 * @param byProviderModel one line per provider and model, most tokens first
 */
public record PeriodStats(
    @Nullable SubjectRef subject,
    Instant from,
    Instant to,
    StatsRow total,
    List<StatsRow> byOperation,
    List<StatsRow> byProviderModel) {
  /** Copies the lists. */
  public PeriodStats {
    byOperation = List.copyOf(byOperation);
    byProviderModel = List.copyOf(byProviderModel);
  }

  /** Every line, for CSV: the total, then the operations, then the providers and models. */
  public List<StatsRow> rows() {
    List<StatsRow> out = new ArrayList<>();
    out.add(total);
    out.addAll(byOperation);
    out.addAll(byProviderModel);
    return out;
  }
}
