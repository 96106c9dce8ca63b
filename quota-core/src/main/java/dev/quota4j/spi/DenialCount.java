package dev.quota4j.spi;

import dev.quota4j.Beta;
import dev.quota4j.SubjectKind;
import dev.quota4j.internal.Checks;
import org.jspecify.annotations.Nullable;

/**
 * How many denials (QUOTA_EXCEEDED events) one code had for subjects of one kind ({@link
 * QuotaStore#denialsByCode}).
 *
 * <p>Beta until 1.0.
 *
 * @param code the denial's code ({@link UsageEvent#errorCode()}); null for denials that had none,
 *     or that were summarized by a store version that did not keep it
 * @param subjectKind the kind of the denied request's primary subject
 * @param denials how many
 */
@Beta
public record DenialCount(@Nullable String code, SubjectKind subjectKind, long denials) {
  /** Validates the count. */
  public DenialCount {
    Checks.notNull("subjectKind", subjectKind);
    Checks.nonNegative("denials", denials);
  }
}
