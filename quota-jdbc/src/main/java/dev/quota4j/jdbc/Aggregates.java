package dev.quota4j.jdbc;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.DenialCount;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * {@link JdbcQuotaStore#aggregate}: picks the rollup that answers a query, runs the {@link
 * AggregateSql} statement and maps its rows.
 */
final class Aggregates {
  private final Db db;
  private final Sql sql;
  private final AggregateSql aggregateSql;
  private final Rows rows;

  Aggregates(Db db, Sql sql, Rows rows) {
    this.db = db;
    this.sql = sql;
    this.aggregateSql = new AggregateSql(sql);
    this.rows = rows;
  }

  /** See {@link JdbcQuotaStore#aggregate}. */
  List<AggregateRow> aggregate(AggregateQuery q) {
    if (!q.from().isBefore(q.to())) {
      return List.of();
    }
    Rollup rollup = rollupFor(q);
    Instant wholeFrom = q.from();
    Instant wholeTo = q.to();
    if (rollup != null) {
      ChronoUnit unit = rollup.grain() == Bucket.HOUR ? ChronoUnit.HOURS : ChronoUnit.DAYS;
      Instant from = Times.read(Times.clamped(q.from()));
      Instant to = Times.read(Times.clamped(q.to()));
      Instant floor = from.truncatedTo(unit);
      wholeFrom = floor.equals(from) ? from : floor.plus(1, unit);
      wholeTo = to.truncatedTo(unit);
      if (!wholeFrom.isBefore(wholeTo)) {
        rollup = null;
      }
    }
    AggregateSql.Statement st = aggregateSql.statement(q, rollup, wholeFrom, wholeTo);
    return db.inTransaction(
        "aggregate usage",
        tx -> {
          String settings = sql.reportSettings();
          if (settings != null) {
            tx.update(settings);
          }
          return tx.query(st.sql(), rs -> aggregateRow(rs, q), st.params().toArray());
        });
  }

  /** See {@link JdbcQuotaStore#denialsByCode}. */
  List<DenialCount> denialsByCode(Instant from, Instant to) {
    if (!from.isBefore(to)) {
      return List.of();
    }
    LocalDateTime f = Times.clamped(from);
    LocalDateTime t = Times.clamped(to);
    return db.inTransaction(
        "count denials",
        tx ->
            tx.query(
                aggregateSql.denialsByCode(),
                rs ->
                    new DenialCount(
                        rows.optText(rs, 1), SubjectKind.valueOf(rows.text(rs, 2)), rs.getLong(3)),
                f,
                t,
                f,
                t));
  }

  /** See {@link JdbcQuotaStore#subjectIds}. */
  List<String> subjectIds(
      SubjectKind kind, Instant from, Instant to, @Nullable String after, int limit) {
    if (!from.isBefore(to)) {
      return List.of();
    }
    return db.inTransaction(
        "list subjects",
        tx -> {
          TreeSet<String> ids = new TreeSet<>(sql::compareIds);
          for (boolean summaries : new boolean[] {false, true}) {
            List<Object> params = new ArrayList<>();
            params.add(kind.name());
            if (after != null) {
              params.add(after);
            }
            params.add(Times.clamped(from));
            params.add(Times.clamped(to));
            params.add(limit);
            ids.addAll(
                tx.query(
                    aggregateSql.subjectIds(summaries, after != null),
                    rs -> rows.text(rs, 1),
                    params.toArray()));
          }
          List<String> out = new ArrayList<>(Math.min(limit, ids.size()));
          for (String id : ids) {
            if (out.size() == limit) {
              break;
            }
            out.add(id);
          }
          return out;
        });
  }

  private @Nullable Rollup rollupFor(AggregateQuery q) {
    EnumSet<Dimension> needs = EnumSet.noneOf(Dimension.class);
    needs.addAll(q.groupBy());
    needs.addAll(q.filters().keySet());
    if (q.subject() != null) {
      needs.add(Dimension.SUBJECT);
    }
    for (Rollup r : sql.rollups()) {
      if (r.dimensions().containsAll(needs)
          && (q.bucket() != Bucket.HOUR || r.grain() == Bucket.HOUR)) {
        return r;
      }
    }
    return null;
  }

  private AggregateRow aggregateRow(ResultSet rs, AggregateQuery q) throws SQLException {
    int i = 1;
    Instant bucket = null;
    if (q.bucket() != Bucket.NONE) {
      bucket = Times.read(rs.getObject(i++, LocalDateTime.class));
    }
    SubjectRef subject = null;
    if (q.groupBy().contains(Dimension.SUBJECT)) {
      String kind = rows.text(rs, i++);
      subject = new SubjectRef(SubjectKind.valueOf(kind), rows.text(rs, i++));
    }
    Map<Dimension, String> dims = new EnumMap<>(Dimension.class);
    for (Dimension d : AggregateSql.GROUP_DIMENSIONS) {
      if (q.groupBy().contains(d)) {
        String v = rows.optText(rs, i++);
        if (v != null) {
          dims.put(d, v);
        }
      }
    }
    String status = dims.get(Dimension.STATUS);
    return new AggregateRow(
        bucket,
        subject,
        dims.get(Dimension.OPERATION),
        dims.get(Dimension.PROVIDER),
        dims.get(Dimension.MODEL),
        dims.get(Dimension.AGENT),
        dims.get(Dimension.TOOL),
        dims.get(Dimension.PROVIDER_KEY),
        status == null ? null : EventStatus.valueOf(status),
        dims.get(Dimension.WORKFLOW),
        rs.getLong(i),
        rs.getLong(i + 1),
        rs.getLong(i + 2),
        rs.getLong(i + 3),
        rs.getLong(i + 4),
        rs.getLong(i + 5),
        rs.getLong(i + 6),
        rs.getLong(i + 7));
  }
}
