package dev.quota4j.jdbc;

import dev.quota4j.SubjectRef;
import dev.quota4j.internal.Saturated;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.spi.UsageMove;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Administration and retention: counter resets, subject moves, compaction of ledger events into the
 * rollups, purges of old events (into the daily summaries) and of ended counters.
 */
final class Maintenance {
  /** Events or seqs bound per IN list. */
  private static final int IN_CHUNK = 1000;

  private final Db db;
  private final Sql sql;
  private final Rows rows;
  private final Counters counters;

  Maintenance(Db db, Sql sql, Rows rows, Counters counters) {
    this.db = db;
    this.sql = sql;
    this.rows = rows;
    this.counters = counters;
  }

  boolean resetCounters(Collection<CounterKey> keys, UsageEvent audit) {
    List<CounterKey> ordered = new ArrayList<>(new java.util.TreeSet<>(keys));
    Object[] eventRow = Rows.eventRow(audit, null);
    return db.inTransaction(
        "reset counters",
        tx -> {
          if (!rows.insertNewEvent(tx, eventRow)) {
            return false;
          }
          for (CounterKey k : ordered) {
            tx.update(sql.setUsed(), Rows.withKey(0L, k));
            tx.update(sql.setStripesUsed(), Rows.withKey(0L, k));
          }
          return true;
        });
  }

  boolean moveSubject(
      SubjectRef from,
      SubjectRef to,
      List<CounterKey> emptied,
      List<UsageMove> charged,
      UsageEvent audit) {
    List<CounterKey> sources = List.copyOf(emptied);
    List<UsageMove> targets = List.copyOf(charged);
    Object[] eventRow = Rows.eventRow(audit, null);
    return db.inTransaction(
        "move a subject",
        tx -> {
          if (!rows.insertNewEvent(tx, eventRow)) {
            return false;
          }
          // lock every counter involved in lock order, creating the targets first: a commit or
          // record of `from` under way on an emptied counter finishes (its event inserted) before
          // the events are read below, and one that starts later waits for this transaction
          TreeMap<CounterKey, Optional<UsageMove>> locked = new TreeMap<>(CounterKey.LOCK_ORDER);
          for (CounterKey k : sources) {
            locked.put(k, Optional.empty());
          }
          for (UsageMove m : targets) {
            locked.put(m.to(), Optional.of(m));
          }
          for (Map.Entry<CounterKey, Optional<UsageMove>> e : locked.entrySet()) {
            CounterKey k = e.getKey();
            if (e.getValue().isPresent()) {
              UsageMove m = e.getValue().get();
              counters.ensureCounter(tx, k, m.toWindowEnd(), m.toLimit());
            }
            Long unused = tx.first(sql.lockCounter(), rs -> rs.getLong(1), Rows.withKey(null, k));
            List<Long> unusedLockedStripes = // locked, not read
                tx.query(sql.lockStripes(), rs -> rs.getLong(2), Rows.withKey(null, k));
          }
          // lock the events (waiting for a compaction or purge that holds some), take those
          // already rolled up out of the rollups, and move them all as not rolled up
          List<ClaimedEvent> events =
              tx.query(sql.lockSubjectEvents(), this::claimedEvent, from.kind().name(), from.id());
          // each target is charged what the events it moves would have charged it
          for (UsageMove m : targets) {
            long amount = 0;
            for (ClaimedEvent e : events) {
              long a =
                  m.amountOf(
                      e.status(),
                      Times.read(e.time()),
                      dim(e, 1),
                      dim(e, 2),
                      dim(e, 0),
                      e.amounts()[0],
                      e.amounts()[1],
                      e.amounts()[3],
                      e.amounts()[4]);
              amount = Saturated.add(amount, a);
            }
            if (amount > 0) {
              tx.update(sql.addUsed(), Rows.withKey(amount, m.to()));
              tx.update(sql.invalidateStripes(), Rows.withKey(null, m.to()));
            }
          }
          for (CounterKey k : sources) {
            tx.update(sql.setUsed(), Rows.withKey(0L, k));
            tx.update(sql.setStripesUsed(), Rows.withKey(0L, k));
          }
          addToRollups(tx, events.stream().filter(ClaimedEvent::rolledUp).toList(), -1);
          for (int i = 0; i < events.size(); i += IN_CHUNK) {
            List<ClaimedEvent> chunk = events.subList(i, Math.min(events.size(), i + IN_CHUNK));
            List<Object> p = new ArrayList<>(chunk.size() + 2);
            p.add(to.kind().name());
            p.add(to.id());
            for (ClaimedEvent e : chunk) {
              p.add(e.seq());
            }
            tx.update(sql.moveEvents(chunk.size()), p.toArray());
          }
          return true;
        });
  }

  /** Operation (0), provider (1) or model (2) of a moved event; null for none. */
  private static @Nullable String dim(ClaimedEvent e, int i) {
    String v = e.dims().get(i);
    return v.isEmpty() ? null : v;
  }

  /** See {@link JdbcQuotaStore#purgeEvents}. */
  int purgeEvents(Instant before, int maxEvents) {
    Args.argument(maxEvents >= 1, "maxEvents", "must be greater than zero", maxEvents);
    LocalDateTime cutoff = Times.clamped(before);
    return db.inMaintenanceTransaction(
        "purge ledger events",
        tx -> {
          List<ClaimedEvent> claimed =
              tx.query(sql.claimOldEvents(), this::claimedEvent, cutoff, maxEvents);
          if (claimed.isEmpty()) {
            return 0;
          }
          addToRollups(tx, claimed.stream().filter(e -> !e.rolledUp()).toList(), 1);
          List<Long> seqs = claimed.stream().map(ClaimedEvent::seq).toList();
          TreeMap<List<String>, Object[]> rows = new TreeMap<>(Maintenance::compareKeys);
          for (int from = 0; from < seqs.size(); from += IN_CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + IN_CHUNK));
            for (Object[] r :
                tx.query(sql.summarizeEvents(chunk.size()), this::summaryRow, chunk.toArray())) {
              List<String> key =
                  List.of(r[0].toString(), (String) r[1], (String) r[2], (String) r[3]);
              rows.merge(key, r, Maintenance::addSums);
            }
          }
          tx.upsertAll(sql.upsertDaily(), new ArrayList<>(rows.values()));
          for (int from = 0; from < seqs.size(); from += IN_CHUNK) {
            List<Long> chunk = seqs.subList(from, Math.min(seqs.size(), from + IN_CHUNK));
            tx.update(sql.deleteEvents(chunk.size()), chunk.toArray());
          }
          return seqs.size();
        });
  }

  /** See {@link JdbcQuotaStore#compactEvents}. */
  int compactEvents(int maxEvents) {
    Args.argument(maxEvents >= 1, "maxEvents", "must be greater than zero", maxEvents);
    return db.inMaintenanceTransaction(
        "compact ledger events",
        tx -> {
          List<ClaimedEvent> claimed =
              tx.query(sql.claimUnrolledEvents(), this::claimedEvent, maxEvents);
          if (claimed.isEmpty()) {
            return 0;
          }
          addToRollups(tx, claimed, 1);
          for (int from = 0; from < claimed.size(); from += IN_CHUNK) {
            List<ClaimedEvent> chunk =
                claimed.subList(from, Math.min(claimed.size(), from + IN_CHUNK));
            List<Object> p = new ArrayList<>(chunk.size() + 1);
            p.add(true);
            for (ClaimedEvent e : chunk) {
              p.add(e.seq());
            }
            tx.update(sql.setRolledUp(chunk.size()), p.toArray());
          }
          return claimed.size();
        });
  }

  /**
   * An event as compaction reads it ({@link Sql#ROLLUP_SOURCE_COLUMNS}).
   *
   * @param dims operation, provider, model, agent, tool; the empty string for none
   * @param amounts input, output and cached tokens, characters, cost
   */
  @SuppressWarnings("ArrayRecordComponent") // an internal carrier: never compared, hashed or shared
  private record ClaimedEvent(
      long seq,
      boolean rolledUp,
      LocalDateTime time,
      EventStatus status,
      String kind,
      String subjectId,
      List<String> dims,
      long[] amounts) {

    String key(String column) {
      return switch (column) {
        case "subject_id" -> subjectId;
        case "operation" -> dims.get(0);
        case "provider" -> dims.get(1);
        case "model" -> dims.get(2);
        case "agent" -> dims.get(3);
        case "tool" -> dims.get(4);
        default -> throw new IllegalArgumentException("not a rollup key: " + column);
      };
    }
  }

  private ClaimedEvent claimedEvent(ResultSet rs) throws SQLException {
    List<String> dims = new ArrayList<>(5);
    for (int i = 7; i <= 11; i++) {
      String v = rows.optText(rs, i);
      dims.add(v == null ? "" : v);
    }
    long[] amounts = new long[5];
    for (int i = 0; i < 5; i++) {
      amounts[i] = rs.getLong(12 + i);
    }
    return new ClaimedEvent(
        rs.getLong(1),
        rs.getBoolean(2),
        rs.getObject(3, LocalDateTime.class),
        EventStatus.valueOf(rows.text(rs, 4)),
        rows.text(rs, 5),
        rows.text(rs, 6),
        dims,
        amounts);
  }

  /**
   * Adds ({@code sign} 1) or takes out (-1) the outcome events of {@code events} to every rollup:
   * per rollup, multi-row upserts with the rows in key order.
   */
  private void addToRollups(Db.Tx tx, List<ClaimedEvent> events, int sign) throws SQLException {
    if (events.isEmpty()) {
      return;
    }
    for (Rollup r : sql.rollups()) {
      ChronoUnit unit = r.grain() == Bucket.HOUR ? ChronoUnit.HOURS : ChronoUnit.DAYS;
      TreeMap<List<String>, Object[]> rows = new TreeMap<>(Maintenance::compareKeys);
      for (ClaimedEvent e : events) {
        EventStatus status = e.status();
        if (!AggregateQuery.isOutcome(status)) {
          continue;
        }
        LocalDateTime bucket = e.time().truncatedTo(unit);
        List<String> key = new ArrayList<>();
        key.add(bucket.toString());
        key.add(e.kind());
        for (String column : r.keys()) {
          key.add(e.key(column));
        }
        Object[] row = rows.get(key);
        if (row == null) {
          List<Object> fresh = new ArrayList<>();
          fresh.add(bucket);
          fresh.add(e.kind());
          if (r.hashed()) {
            fresh.add(Rows.sha256(Codec.encode(key.subList(2, key.size()))));
          }
          fresh.addAll(key.subList(2, key.size())); // the keys, or the hashed columns
          for (int i = 0; i < Rollup.SUMS.size(); i++) {
            fresh.add(0L);
          }
          row = fresh.toArray();
          rows.put(key, row);
        }
        boolean usage = status == EventStatus.SUCCESS || status == EventStatus.ERROR;
        long[] add = new long[Rollup.SUMS.size()];
        add[0] = usage ? 1 : 0;
        add[1] = status == EventStatus.ERROR ? 1 : 0;
        add[2] = status == EventStatus.QUOTA_EXCEEDED ? 1 : 0;
        for (int i = 0; i < 5; i++) {
          add[3 + i] = usage ? e.amounts()[i] : 0;
        }
        int base = row.length - add.length;
        for (int i = 0; i < add.length; i++) {
          row[base + i] = Args.add("rollup sum", (Long) row[base + i], sign * add[i]);
        }
      }
      List<Object[]> all = new ArrayList<>(rows.values());
      for (int from = 0; from < all.size(); from += Rollup.ROWS_PER_STATEMENT) {
        List<Object[]> chunk =
            all.subList(from, Math.min(all.size(), from + Rollup.ROWS_PER_STATEMENT));
        List<Object> params = new ArrayList<>(chunk.size() * chunk.get(0).length);
        for (Object[] row : chunk) {
          params.addAll(Arrays.asList(row));
        }
        tx.upsert(sql.upsertRollup(r, chunk.size()), params.toArray());
      }
    }
  }

  private static int compareKeys(List<String> a, List<String> b) {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  /** A summary row as bound to {@link Sql#upsertDaily()}. */
  private Object[] summaryRow(ResultSet rs) throws SQLException {
    LocalDateTime day = rs.getObject(1, LocalDateTime.class);
    String kind = rows.text(rs, 2);
    String id = rows.text(rs, 3);
    String status = rows.text(rs, 4);
    List<String> dims = new ArrayList<>();
    dims.add(status);
    Object[] row = new Object[Sql.DAILY_PARAMS];
    row[0] = day;
    row[1] = kind;
    row[2] = id;
    row[4] = status;
    for (int i = 0; i < 6; i++) {
      String v = rows.optText(rs, 5 + i);
      dims.add(v == null ? "" : v);
      row[5 + i] = Db.str(v);
    }
    // the code joins the key only when there is one, so that rows written before it keep theirs
    String code = rows.optText(rs, 11);
    if (code != null) {
      dims.add(code);
    }
    row[3] = Rows.sha256(Codec.encode(dims));
    for (int i = 0; i < 6; i++) {
      row[11 + i] = rs.getLong(12 + i);
    }
    row[17] = Db.str(code);
    return row;
  }

  private static Object[] addSums(Object[] a, Object[] b) {
    Object[] out = a.clone();
    for (int i = 11; i < 11 + Sql.DAILY_SUMS.length; i++) {
      out[i] = Args.add("summary sum", (Long) a[i], (Long) b[i]);
    }
    return out;
  }

  /** See {@link JdbcQuotaStore#purgeCounters}. */
  int purgeCounters(Instant endedBefore, int maxCounters) {
    Args.argument(maxCounters >= 1, "maxCounters", "must be greater than zero", maxCounters);
    LocalDateTime cutoff = Times.clamped(endedBefore);
    return db.inMaintenanceTransaction(
        "purge ended counters",
        tx -> {
          List<Object[]> keys =
              tx.query(
                  sql.claimEndedCounters(),
                  rs ->
                      new Object[] {
                        rows.text(rs, 1),
                        rows.text(rs, 2),
                        rows.text(rs, 3),
                        rs.getObject(4, LocalDateTime.class)
                      },
                  cutoff,
                  maxCounters);
          int n = 0;
          for (int c : tx.batch(sql.deleteIdleCounter(), keys)) {
            n += c == java.sql.Statement.SUCCESS_NO_INFO ? 1 : c;
          }
          if (!keys.isEmpty()) {
            int[] unused = tx.batch(sql.deleteIdleStripes(), keys);
          }
          return n;
        });
  }
}
