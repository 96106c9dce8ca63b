package dev.quota4j;

import dev.quota4j.spi.SubjectRecord;
import org.jspecify.annotations.Nullable;

/**
 * A subject resolved: its effective record (temporary increases applied), plan, or the denial; with
 * the bounds of its last request, reused while the request's shape and windows are the same (a
 * cached directory entry keeps its {@code Resolved}).
 */
final class Resolved {
  final SubjectRef subject;
  final @Nullable SubjectRecord record;
  final @Nullable Plan plan;
  final @Nullable QuotaDenial denial;
  final boolean fallback;
  volatile @Nullable BoundSet lastBounds;

  Resolved(
      SubjectRef subject,
      @Nullable SubjectRecord record,
      @Nullable Plan plan,
      @Nullable QuotaDenial denial,
      boolean fallback) {
    this.subject = subject;
    this.record = record;
    this.plan = plan;
    this.denial = denial;
    this.fallback = fallback;
  }

  Resolved(
      SubjectRef subject,
      @Nullable SubjectRecord record,
      @Nullable Plan plan,
      @Nullable QuotaDenial denial) {
    this(subject, record, plan, denial, false);
  }
}
