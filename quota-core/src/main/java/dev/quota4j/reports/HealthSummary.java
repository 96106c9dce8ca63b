package dev.quota4j.reports;

import dev.quota4j.SubjectRef;
import dev.quota4j.UsageLevel;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A subject's health: every limit with its level, the worst level, and the alerts.
 *
 * @param subject the subject
 * @param plan its plan, if any
 * @param active whether it may be admitted
 * @param healthy active and every limit below its first threshold
 * @param level the worst level over its limits
 * @param limits every limit
 * @param alerts the limits at WARNING or worse
 */
public record HealthSummary(
    SubjectRef subject,
    @Nullable String plan,
    boolean active,
    boolean healthy,
    UsageLevel level,
    List<HealthLimit> limits,
    List<HealthLimit> alerts) {
  /** Copies the lists. */
  public HealthSummary {
    limits = List.copyOf(limits);
    alerts = List.copyOf(alerts);
  }
}
