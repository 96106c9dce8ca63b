package dev.quota4j;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where every limit of a subject stands.
 *
 * @param subject the subject
 * @param known whether the directory has an entry for it; true for the system and workflows, which
 *     need none
 * @param plan its plan, if it has one
 * @param active whether it may be admitted: false when it is deactivated, or unknown while the
 *     policy denies unknown subjects
 * @param limits one entry per limit that applies to it
 */
public record QuotaStatus(
    SubjectRef subject,
    boolean known,
    @Nullable String plan,
    boolean active,
    List<LimitStatus> limits) {

  /** Copies the list. */
  public QuotaStatus {
    limits = List.copyOf(limits);
  }

  /** The status of the limit called {@code limitName}. */
  public Optional<LimitStatus> limit(String limitName) {
    return limits.stream().filter(l -> l.limitName().equals(limitName)).findFirst();
  }

  /** The worst level over every limit. */
  public UsageLevel level() {
    UsageLevel worst = UsageLevel.OK;
    for (LimitStatus l : limits) {
      if (l.level().compareTo(worst) > 0) {
        worst = l.level();
      }
    }
    return worst;
  }
}
