package dev.quota4j.jdbc;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The report query of {@link JdbcQuotaStore#aggregate}: one {@code GROUP BY} over a {@code UNION
 * ALL} of a rollup, the ledger and the daily summaries, built over a dialect's {@link Sql} (which
 * supplies the table names, {@code truncate} and the rollups). Every value is a bind parameter.
 */
final class AggregateSql {
  private final Sql dialect;

  AggregateSql(Sql dialect) {
    this.dialect = dialect;
  }

  /** The dimensions the ledger and the summaries hold, in {@link Dimension} order (no SUBJECT). */
  static final List<Dimension> COLUMN_DIMENSIONS =
      List.of(
          Dimension.OPERATION,
          Dimension.PROVIDER,
          Dimension.MODEL,
          Dimension.AGENT,
          Dimension.TOOL,
          Dimension.PROVIDER_KEY,
          Dimension.STATUS);

  /**
   * The dimensions an aggregate groups by besides SUBJECT, in the order it selects them: {@link
   * #COLUMN_DIMENSIONS}, then {@link Dimension#WORKFLOW}, which only the ledger holds (the
   * summaries read as NULL, no rollup keeps it).
   */
  static final List<Dimension> GROUP_DIMENSIONS =
      Stream.concat(COLUMN_DIMENSIONS.stream(), Stream.of(Dimension.WORKFLOW)).toList();

  /**
   * The column of a dimension in the ledger, the summaries and the hourly rollup (WORKFLOW: in the
   * ledger only).
   */
  static String column(Dimension d) {
    return switch (d) {
      case SUBJECT -> "subject_id";
      case OPERATION -> "operation";
      case PROVIDER -> "provider";
      case MODEL -> "model";
      case AGENT -> "agent";
      case TOOL -> "tool";
      case PROVIDER_KEY -> "provider_key";
      case STATUS -> "status";
      case WORKFLOW -> "workflow_id";
    };
  }

  /** A statement and its parameters. */
  record Statement(String sql, List<Object> params) {}

  private void filters(AggregateQuery q, StringBuilder sql, List<Object> params, boolean subjects) {
    SubjectRef subject = q.subject();
    if (subjects && subject != null) {
      sql.append(" AND subject_kind = ? AND subject_id = ?");
      params.add(subject.kind().name());
      params.add(subject.id());
    }
    SubjectKind kind = q.subjectKind();
    if (subjects && kind != null) {
      sql.append(" AND subject_kind = ?");
      params.add(kind.name());
    }
    String after = q.subjectIdAfter();
    if (subjects && after != null) {
      sql.append(" AND ").append(dialect.idOrder("subject_id")).append(" > ?");
      params.add(after);
    }
    String upTo = q.subjectIdUpTo();
    if (subjects && upTo != null) {
      sql.append(" AND ").append(dialect.idOrder("subject_id")).append(" <= ?");
      params.add(upTo);
    }
    for (Dimension d : COLUMN_DIMENSIONS) {
      String v = q.filters().get(d);
      if (v != null) {
        sql.append(" AND ").append(column(d)).append(" = ?");
        params.add(v);
      }
    }
  }

  /**
   * An aggregate in one statement (one snapshot), {@code UNION ALL} of up to three sources, summed
   * by the query's keys:
   *
   * <ol>
   *   <li>the rollup {@code r}, when not null, over {@code [wholeFrom, wholeTo)} (whole buckets of
   *       its grain), together with the events in that span that are not rolled up yet;
   *   <li>the ledger, every event, over the parts of {@code [from, to)} outside {@code [wholeFrom,
   *       wholeTo)} (all of it when {@code r} is null);
   *   <li>the daily summaries of purged events whose day starts in those same parts (their workflow
   *       NULL; left out when the query filters by a workflow).
   * </ol>
   *
   * Selects, in order: the bucket start (unless {@link Bucket#NONE}); subject kind and id (when
   * grouped by subject); each grouped dimension of {@link #GROUP_DIMENSIONS}; then calls, errors,
   * denials, input, output and cached tokens, characters and cost. A query that groups or filters
   * by {@link Dimension#WORKFLOW} takes no rollup.
   */
  Statement statement(AggregateQuery q, @Nullable Rollup r, Instant wholeFrom, Instant wholeTo) {
    if (r != null && byWorkflow(q)) {
      throw new IllegalArgumentException("no rollup keeps the workflow: " + q);
    }
    List<String> keys = groupKeys(q);
    List<Object> params = new ArrayList<>();
    List<String> branches = new ArrayList<>();
    List<Instant[]> edges = new ArrayList<>();
    if (r == null) {
      edges.add(new Instant[] {q.from(), q.to()});
    } else {
      if (q.from().isBefore(wholeFrom)) {
        edges.add(new Instant[] {q.from(), wholeFrom});
      }
      if (wholeTo.isBefore(q.to())) {
        edges.add(new Instant[] {wholeTo, q.to()});
      }
      branches.add(rollupBranch(q, r, wholeFrom, wholeTo, params));
      branches.add(ledgerBranch(q, Branch.UNROLLED_EVENTS, wholeFrom, wholeTo, params));
    }
    for (Instant[] e : edges) {
      branches.add(ledgerBranch(q, Branch.EVENTS, e[0], e[1], params));
      // the summaries keep no workflow: none of their rows has the one filtered by
      if (!q.filters().containsKey(Dimension.WORKFLOW)) {
        branches.add(ledgerBranch(q, Branch.SUMMARIES, e[0], e[1], params));
      }
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    for (String k : keys) {
      sql.append(k).append(", ");
    }
    sql.append(
        "SUM(c_calls), SUM(c_errors), SUM(c_denials), SUM(c_in), SUM(c_out), SUM(c_cached),"
            + " SUM(c_chars), SUM(c_cost) FROM (");
    sql.append(String.join(" UNION ALL ", branches)).append(") u");
    if (!keys.isEmpty()) {
      sql.append(" GROUP BY ").append(String.join(", ", keys));
    }
    // every outcome event is a call or a denial: a group without either has no events (a rollup
    // row whose events were all moved to another subject), and is left out like an empty group
    sql.append(" HAVING SUM(c_calls) + SUM(c_denials) > 0");
    return new Statement(sql.toString(), params);
  }

  /**
   * The ids of subjects of one kind after {@code after} with outcome events in a range of one
   * source (the ledger by event time, or the daily summaries by day), in the order of {@link
   * Sql#idOrder}, at most {@code limit}: an index range scan of the source's subject index. Binds
   * kind, [after], from, to, limit.
   */
  String subjectIds(boolean summaries, boolean after) {
    String time = summaries ? "day_start" : "event_time";
    return "SELECT DISTINCT "
        + dialect.idOrder("subject_id")
        + " AS sid FROM "
        + (summaries ? dialect.t.daily : dialect.t.events)
        + " WHERE subject_kind = ?"
        + (after ? " AND " + dialect.idOrder("subject_id") + " > ?" : "")
        + " AND "
        + time
        + " >= ? AND "
        + time
        + " < ? AND status IN "
        + Sql.OUTCOME_STATUSES
        + " ORDER BY sid LIMIT ?";
  }

  /**
   * Denials per code and subject kind over the ledger (by event time) and the daily summaries (by
   * day, with the code they kept from schema V6); binds from, to, from, to.
   */
  String denialsByCode() {
    return "SELECT error_code, subject_kind, SUM(n) FROM (SELECT error_code, subject_kind, 1 AS n"
        + " FROM "
        + dialect.t.events
        + " WHERE status = 'QUOTA_EXCEEDED' AND event_time >= ? AND event_time < ?"
        + " UNION ALL SELECT error_code, subject_kind, events AS n FROM "
        + dialect.t.daily
        + " WHERE status = 'QUOTA_EXCEEDED' AND day_start >= ? AND day_start < ?"
        + ") u GROUP BY error_code, subject_kind";
  }

  /**
   * The aliases an aggregate groups by, in the order it selects them: the bucket, the subject's
   * kind and id, then each grouped dimension of {@link #GROUP_DIMENSIONS}.
   */
  private static List<String> groupKeys(AggregateQuery q) {
    List<String> keys = new ArrayList<>();
    if (q.bucket() != Bucket.NONE) {
      keys.add("b");
    }
    if (q.groupBy().contains(Dimension.SUBJECT)) {
      keys.add("sk");
      keys.add("sid");
    }
    for (Dimension d : GROUP_DIMENSIONS) {
      if (q.groupBy().contains(d)) {
        keys.add("d_" + column(d));
      }
    }
    return keys;
  }

  /** Whether the query groups or filters by the workflow, which only the ledger holds. */
  private static boolean byWorkflow(AggregateQuery q) {
    return q.groupBy().contains(Dimension.WORKFLOW) || q.filters().containsKey(Dimension.WORKFLOW);
  }

  private enum Branch {
    EVENTS,
    UNROLLED_EVENTS,
    SUMMARIES
  }

  private static final List<String> SUM_ALIASES =
      List.of("c_calls", "c_errors", "c_denials", "c_in", "c_out", "c_cached", "c_chars", "c_cost");

  private String rollupBranch(
      AggregateQuery q, Rollup r, Instant from, Instant to, List<Object> params) {
    StringBuilder sql = new StringBuilder("SELECT ");
    if (q.bucket() != Bucket.NONE) {
      String b = q.bucket() == r.grain() ? r.time() : dialect.truncate(q.bucket(), r.time());
      sql.append(b).append(" AS b, ");
    }
    if (q.groupBy().contains(Dimension.SUBJECT)) {
      sql.append("subject_kind AS sk, subject_id AS sid, ");
    }
    for (Dimension d : COLUMN_DIMENSIONS) {
      if (q.groupBy().contains(d)) {
        sql.append("NULLIF(").append(column(d)).append(", '') AS d_").append(column(d));
        sql.append(", ");
      }
    }
    boolean grouped = q.groupBy().contains(Dimension.SUBJECT);
    for (int i = 0; i < Rollup.SUMS.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(grouped ? "SUM(" : "(");
      sql.append(Rollup.SUMS.get(i)).append(") AS ");
      sql.append(SUM_ALIASES.get(i));
    }
    sql.append(" FROM ")
        .append(r.table())
        .append(" WHERE ")
        .append(r.time())
        .append(" >= ? AND ")
        .append(r.time())
        .append(" < ?");
    params.add(Times.clamped(from));
    params.add(Times.clamped(to));
    filters(q, sql, params, true);
    // by subject, grouped here already, so that the outer GROUP BY merges few rows: PostgreSQL
    // otherwise sorts the whole union on disk when the many groups do not fit in work_mem (the
    // other rollups are small, and their queries were measured slower grouped twice)
    if (!grouped) {
      return sql.toString();
    }
    List<String> keys = groupKeys(q);
    if (!keys.isEmpty()) {
      sql.append(" GROUP BY ").append(String.join(", ", keys));
    }
    return sql.toString();
  }

  private String ledgerBranch(
      AggregateQuery q, Branch source, Instant from, Instant to, List<Object> params) {
    boolean summaries = source == Branch.SUMMARIES;
    String time = summaries ? "day_start" : "event_time";
    String one = summaries ? "events" : "1";
    StringBuilder sql = new StringBuilder("SELECT ");
    if (q.bucket() != Bucket.NONE) {
      sql.append(summaries ? "day_start" : dialect.truncate(q.bucket(), time)).append(" AS b, ");
    }
    if (q.groupBy().contains(Dimension.SUBJECT)) {
      sql.append("subject_kind AS sk, subject_id AS sid, ");
    }
    for (Dimension d : GROUP_DIMENSIONS) {
      if (q.groupBy().contains(d)) {
        // the summaries keep no workflow
        sql.append(summaries && d == Dimension.WORKFLOW ? "NULL" : column(d));
        sql.append(" AS d_").append(column(d)).append(", ");
      }
    }
    String usage = "CASE WHEN status IN " + Sql.USAGE_STATUSES + " THEN ";
    sql.append(usage).append(one).append(" ELSE 0 END AS c_calls, ");
    sql.append("CASE WHEN status = 'ERROR' THEN ").append(one).append(" ELSE 0 END AS c_errors, ");
    sql.append("CASE WHEN status = 'QUOTA_EXCEEDED' THEN ")
        .append(one)
        .append(" ELSE 0 END AS c_denials");
    List<String> columns =
        List.of("input_tokens", "output_tokens", "cached_tokens", "characters", "cost_micros");
    for (int i = 0; i < columns.size(); i++) {
      sql.append(", ").append(usage).append(columns.get(i)).append(" ELSE 0 END AS ");
      sql.append(SUM_ALIASES.get(3 + i));
    }
    sql.append(" FROM ")
        .append(summaries ? dialect.t.daily : dialect.t.events)
        .append(" WHERE ")
        .append(source == Branch.UNROLLED_EVENTS ? dialect.unrolled() + " AND " : "")
        .append(time)
        .append(" >= ? AND ")
        .append(time)
        .append(" < ? AND status IN ")
        .append(Sql.OUTCOME_STATUSES);
    params.add(Times.clamped(from));
    params.add(Times.clamped(to));
    filters(q, sql, params, true);
    String workflow = q.filters().get(Dimension.WORKFLOW);
    if (workflow != null) {
      sql.append(" AND workflow_id = ?");
      params.add(workflow);
    }
    return sql.toString();
  }
}
