package dev.quota4j.spi;

import dev.quota4j.Beta;
import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Checks;
import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A ledger aggregate: the outcome events ({@link EventStatus#SUCCESS}, {@link EventStatus#ERROR},
 * {@link EventStatus#QUOTA_EXCEEDED}) with {@code from <= time < to}, optionally of one subject or
 * one kind of subject and with equal values in some dimensions, grouped by {@code groupBy} and
 * split into {@code bucket}s. Released, expired and admin events carry no usage and are not
 * counted.
 *
 * <p>Usage that retention already rolled into daily summaries counts in a range when the start of
 * its UTC day lies in the range: over purged days, the resolution is one day. A store that keeps
 * finer rollups of purged usage may answer from them (the JDBC store's hourly rollup, for queries
 * with no subject, agent or tool, over whole hours): then purged usage counts by its hour. The
 * summaries keep no workflow: grouped by {@link Dimension#WORKFLOW}, purged usage counts under a
 * null workflow, and a filter on a workflow leaves it out.
 *
 * <p>Beta until 1.0.
 *
 * @param from inclusive lower bound on the event time
 * @param to exclusive upper bound on the event time
 * @param groupBy the dimensions each row is keyed by; empty: one row per bucket
 * @param bucket how rows are split in time
 * @param subject only events of this primary subject, if not null
 * @param subjectKind only events whose primary subject is of this kind, if not null
 * @param filters only events whose dimension equals the value; {@link Dimension#STATUS} takes a
 *     status name; {@link Dimension#SUBJECT} is not allowed here (use {@code subject})
 * @param subjectIdAfter only events whose primary subject's id is after this one ({@link
 *     String#compareTo}), if not null; needs {@code subjectKind}. With {@code subjectIdUpTo}, it
 *     reads a range of subjects for a report that pages over them (a store compares ids by code
 *     point, which is the same order but for ids holding characters above U+FFFF)
 * @param subjectIdUpTo only events whose primary subject's id is this one or before it, if not
 *     null; needs {@code subjectKind}
 */
@Beta
public record AggregateQuery(
    Instant from,
    Instant to,
    Set<Dimension> groupBy,
    Bucket bucket,
    @Nullable SubjectRef subject,
    @Nullable SubjectKind subjectKind,
    Map<Dimension, String> filters,
    @Nullable String subjectIdAfter,
    @Nullable String subjectIdUpTo) {

  /** Validates the range and the filters; copies the collections. */
  public AggregateQuery {
    Checks.argument(!to.isBefore(from), "to", "must not be before from (" + from + ")", to);
    groupBy = groupBy.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(groupBy));
    Map<Dimension, String> f = new EnumMap<>(Dimension.class);
    filters.forEach(
        (d, v) -> {
          Checks.argument(d != Dimension.SUBJECT, "filters", "must not filter SUBJECT", d);
          Checks.id("filter on " + d, v);
          if (d == Dimension.STATUS) {
            Checks.argument(
                isOutcome(v), "filter on STATUS", "must be SUCCESS, ERROR or QUOTA_EXCEEDED", v);
          }
          f.put(d, v);
        });
    filters = Map.copyOf(f);
    if (subject != null && subjectKind != null) {
      Checks.argument(
          subject.kind() == subjectKind,
          "subjectKind",
          "must be the kind of subject " + subject,
          subjectKind);
    }
    if (subjectIdAfter != null || subjectIdUpTo != null) {
      Checks.argument(
          subjectKind != null,
          "subjectKind",
          "must be given with a range of subject ids ("
              + subjectIdAfter
              + ", "
              + subjectIdUpTo
              + "]",
          String.valueOf(subjectKind));
    }
  }

  /** A query over every subject id of the kind: the components before the subject id range. */
  public AggregateQuery(
      Instant from,
      Instant to,
      Set<Dimension> groupBy,
      Bucket bucket,
      @Nullable SubjectRef subject,
      @Nullable SubjectKind subjectKind,
      Map<Dimension, String> filters) {
    this(from, to, groupBy, bucket, subject, subjectKind, filters, null, null);
  }

  /** Every outcome event with {@code from <= time < to}, in one row. */
  public static AggregateQuery between(Instant from, Instant to) {
    return new AggregateQuery(from, to, Set.of(), Bucket.NONE, null, null, Map.of());
  }

  /** The same query grouped by these dimensions. */
  public AggregateQuery groupBy(Dimension... dimensions) {
    return new AggregateQuery(
        from,
        to,
        Set.of(dimensions),
        bucket,
        subject,
        subjectKind,
        filters,
        subjectIdAfter,
        subjectIdUpTo);
  }

  /** The same query split into buckets. */
  public AggregateQuery bucket(Bucket newBucket) {
    return new AggregateQuery(
        from, to, groupBy, newBucket, subject, subjectKind, filters, subjectIdAfter, subjectIdUpTo);
  }

  /** The same query for one subject. */
  public AggregateQuery forSubject(@Nullable SubjectRef s) {
    return new AggregateQuery(
        from, to, groupBy, bucket, s, subjectKind, filters, subjectIdAfter, subjectIdUpTo);
  }

  /** The same query for one kind of subject. */
  public AggregateQuery forSubjectKind(@Nullable SubjectKind kind) {
    return new AggregateQuery(
        from, to, groupBy, bucket, subject, kind, filters, subjectIdAfter, subjectIdUpTo);
  }

  /** The same query with one more equality filter. */
  public AggregateQuery where(Dimension dimension, String value) {
    Map<Dimension, String> f = new EnumMap<>(Dimension.class);
    f.putAll(filters);
    f.put(dimension, value);
    return new AggregateQuery(
        from, to, groupBy, bucket, subject, subjectKind, f, subjectIdAfter, subjectIdUpTo);
  }

  /**
   * The same query for the subjects of its kind whose id is after {@code after} (none: from the
   * first) and not after {@code upTo} (none: to the last).
   */
  public AggregateQuery forSubjectIds(@Nullable String after, @Nullable String upTo) {
    return new AggregateQuery(
        from, to, groupBy, bucket, subject, subjectKind, filters, after, upTo);
  }

  /** Whether a subject id lies in {@code (subjectIdAfter, subjectIdUpTo]}. */
  public boolean inSubjectIdRange(String id) {
    return (subjectIdAfter == null || id.compareTo(subjectIdAfter) > 0)
        && (subjectIdUpTo == null || id.compareTo(subjectIdUpTo) <= 0);
  }

  /** Whether {@code status} is a status the aggregate counts. */
  public static boolean isOutcome(String status) {
    return status.equals("SUCCESS") || status.equals("ERROR") || status.equals("QUOTA_EXCEEDED");
  }

  /** Whether {@code status} is a status the aggregate counts. */
  public static boolean isOutcome(EventStatus status) {
    return status == EventStatus.SUCCESS
        || status == EventStatus.ERROR
        || status == EventStatus.QUOTA_EXCEEDED;
  }

  /** Whether an event matches the range, subject and filters (not its status). */
  public boolean matches(UsageEvent e) {
    if (e.time().isBefore(from) || !e.time().isBefore(to)) {
      return false;
    }
    return matchesExceptTime(e.subject(), e.status(), dims(e));
  }

  /**
   * Whether a subject, a status and dimension values (indexed by {@link Dimension#ordinal()}) match
   * the subject and filters.
   */
  public boolean matchesExceptTime(
      SubjectRef s, EventStatus status, @Nullable String[] dimensionValues) {
    if (!isOutcome(status)) {
      return false;
    }
    if (subject != null && !subject.equals(s)) {
      return false;
    }
    if (subjectKind != null && subjectKind != s.kind()) {
      return false;
    }
    if (!inSubjectIdRange(s.id())) {
      return false;
    }
    for (Map.Entry<Dimension, String> f : filters.entrySet()) {
      if (!f.getValue().equals(dimensionValues[f.getKey().ordinal()])) {
        return false;
      }
    }
    return true;
  }

  /** An event's dimension values, indexed by {@link Dimension#ordinal()} (SUBJECT is null). */
  public static @Nullable String[] dims(UsageEvent e) {
    @Nullable String[] v = new String[Dimension.values().length];
    v[Dimension.OPERATION.ordinal()] = e.operation();
    v[Dimension.PROVIDER.ordinal()] = e.provider();
    v[Dimension.MODEL.ordinal()] = e.model();
    v[Dimension.AGENT.ordinal()] = e.agent();
    v[Dimension.TOOL.ordinal()] = e.tool();
    v[Dimension.PROVIDER_KEY.ordinal()] = e.providerKey();
    v[Dimension.STATUS.ordinal()] = e.status().name();
    v[Dimension.WORKFLOW.ordinal()] = e.workflowId();
    return v;
  }
}
