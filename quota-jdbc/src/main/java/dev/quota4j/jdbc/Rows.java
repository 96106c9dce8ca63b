package dev.quota4j.jdbc;

import dev.quota4j.SubjectKind;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Rows to values and back: ledger events ({@link Sql#EVENT_COLUMNS}), subjects ({@link
 * Sql#SUBJECT_COLUMNS}), counter keys as bound, and a reservation's packed charges.
 */
final class Rows {
  private final Sql sql;

  Rows(Sql sql) {
    this.sql = sql;
  }

  String text(ResultSet rs, int column) throws SQLException {
    return Objects.requireNonNull(sql.read(rs, column), "NULL in a NOT NULL column");
  }

  @Nullable String optText(ResultSet rs, int column) throws SQLException {
    return sql.read(rs, column);
  }

  /**
   * Inserts a ledger row unless its event id (or the reservation it closes) is there; when it is,
   * rolls the transaction back and returns false.
   */
  boolean insertNewEvent(Db.Tx tx, Object[] eventRow) throws SQLException {
    if (tx.insertUnlessPresent(sql.insertEvent(), eventRow) == 0) {
      tx.rollback();
      return false;
    }
    return true;
  }

  // ---- counters -----------------------------------------------------------------------------

  /** {@code used} and {@code reserved}, the first two columns. */
  static CounterValue value(ResultSet rs) throws SQLException {
    return new CounterValue(rs.getLong(1), rs.getLong(2));
  }

  /** The key as stored: limit id, subject kind, subject id, window start. */
  static List<Object> storedKey(CounterKey k) {
    return List.of(
        k.limitId(),
        k.subject().kind().name(),
        k.subject().id(),
        Times.stored("windowStart", k.windowStart()));
  }

  /** The key's parameters, after {@code first} unless it is null. */
  static Object[] withKey(@Nullable Object first, CounterKey k) {
    List<Object> p = new ArrayList<>(5);
    if (first != null) {
      p.add(first);
    }
    p.addAll(storedKey(k));
    return p.toArray();
  }

  // ---- subjects -----------------------------------------------------------------------------

  static Object[] subjectRow(SubjectRecord r) {
    List<String> overrides = new ArrayList<>();
    new TreeMap<>(r.overrides())
        .forEach(
            (k, v) -> {
              overrides.add(k);
              overrides.add(Long.toString(v));
            });
    return new Object[] {
      r.subject().kind().name(),
      r.subject().id(),
      r.plan(),
      Codec.encode(overrides),
      r.active(),
      Times.stored("createdAt", r.createdAt()),
      Times.stored("updatedAt", r.updatedAt())
    };
  }

  SubjectRecord subjectRecord(ResultSet rs) throws SQLException {
    List<String> packed = Codec.decode(text(rs, 4));
    Map<String, Long> overrides = new HashMap<>();
    for (int i = 0; i + 1 < packed.size(); i += 2) {
      overrides.put(packed.get(i), Long.parseLong(packed.get(i + 1)));
    }
    return new SubjectRecord(
        new SubjectRef(SubjectKind.valueOf(text(rs, 1)), text(rs, 2)),
        text(rs, 3),
        overrides,
        rs.getBoolean(5),
        Times.read(rs.getObject(6, LocalDateTime.class)),
        Times.read(rs.getObject(7, LocalDateTime.class)));
  }

  // ---- ledger events ------------------------------------------------------------------------

  static Object[] eventRow(UsageEvent e, @Nullable String closes) {
    List<String> tags = new ArrayList<>();
    new TreeMap<>(e.tags())
        .forEach(
            (k, v) -> {
              tags.add(k);
              tags.add(v);
            });
    return new Object[] {
      e.eventId(),
      Db.str(e.reservationId()),
      Db.str(closes),
      Times.stored("event time", e.time()),
      e.status().name(),
      e.subject().kind().name(),
      e.subject().id(),
      Db.str(e.apiKey()),
      Db.str(e.providerKey()),
      Db.str(e.tenant()),
      Db.str(e.workflowId()),
      Db.str(e.sessionId()),
      Db.str(e.operation()),
      Db.str(e.provider()),
      Db.str(e.model()),
      Db.str(e.agent()),
      Db.str(e.tool()),
      e.inputTokens(),
      e.outputTokens(),
      e.cachedInputTokens(),
      e.characters(),
      e.costMicros(),
      e.estimatedTokens(),
      Db.str(e.errorCode()),
      Db.str(e.errorMessage()),
      Codec.encode(tags),
      e.cacheWriteTokens()
    };
  }

  UsageEvent event(ResultSet rs) throws SQLException {
    Map<String, String> tags = new HashMap<>();
    List<String> packed = Codec.decode(text(rs, 26));
    for (int i = 0; i + 1 < packed.size(); i += 2) {
      tags.put(packed.get(i), packed.get(i + 1));
    }
    return new UsageEvent(
        text(rs, 1),
        optText(rs, 2),
        Times.read(rs.getObject(4, LocalDateTime.class)),
        EventStatus.valueOf(text(rs, 5)),
        new SubjectRef(SubjectKind.valueOf(text(rs, 6)), text(rs, 7)),
        optText(rs, 8),
        optText(rs, 9),
        optText(rs, 10),
        optText(rs, 11),
        optText(rs, 12),
        optText(rs, 13),
        optText(rs, 14),
        optText(rs, 15),
        optText(rs, 16),
        optText(rs, 17),
        rs.getLong(18),
        rs.getLong(19),
        rs.getLong(20),
        rs.getLong(27),
        rs.getLong(21),
        rs.getLong(22),
        rs.getLong(23),
        optText(rs, 24),
        optText(rs, 25),
        tags);
  }

  // ---- packed charges -----------------------------------------------------------------------

  static String packCharges(List<Charge> charges) {
    return packCharges(charges, null);
  }

  /**
   * The charges packed, seven fields each; with {@code stripes} (per charge, the stripe it was
   * added to, -1 for the counter's own row) one field more at the end listing them, which readers
   * before stripes skip (they read whole groups of seven).
   */
  static String packCharges(List<Charge> charges, int @Nullable [] stripes) {
    List<String> fields = new ArrayList<>(charges.size() * 7 + 1);
    for (Charge c : charges) {
      fields.add(c.key().limitId());
      fields.add(c.key().subject().kind().name());
      fields.add(c.key().subject().id());
      fields.add(c.key().windowStart().toString());
      fields.add(Long.toString(c.amount()));
      fields.add(Long.toString(c.limit()));
      fields.add(c.windowEnd().toString());
    }
    if (stripes != null) {
      StringBuilder b = new StringBuilder("stripes");
      for (int s : stripes) {
        b.append(' ').append(s);
      }
      fields.add(b.toString());
    }
    return Codec.encode(fields);
  }

  static List<HeldCharge> unpackCharges(String packed) {
    List<String> f = Codec.decode(packed);
    List<HeldCharge> out = new ArrayList<>(f.size() / 7);
    String[] stripes =
        f.size() % 7 == 1 ? f.get(f.size() - 1).split(" ") : new String[] {"stripes"};
    for (int i = 0; i + 6 < f.size(); i += 7) {
      int n = i / 7 + 1;
      out.add(
          new HeldCharge(
              new CounterKey(
                  f.get(i),
                  new SubjectRef(SubjectKind.valueOf(f.get(i + 1)), f.get(i + 2)),
                  Instant.parse(f.get(i + 3))),
              Long.parseLong(f.get(i + 4)),
              Long.parseLong(f.get(i + 5)),
              Instant.parse(f.get(i + 6)),
              n < stripes.length ? Integer.parseInt(stripes[n]) : -1));
    }
    return out;
  }

  /**
   * The subject a reservation's expired event is filed under: the most specific subject among its
   * charges (a user or anonymous session before keys, tenants and the system).
   */
  static SubjectRef primarySubject(List<Charge> charges) {
    SubjectRef best = SubjectRef.SYSTEM;
    int bestRank = Integer.MAX_VALUE;
    for (Charge c : charges) {
      int rank =
          switch (c.key().subject().kind()) {
            case USER, ANONYMOUS -> 0;
            case API_KEY -> 1;
            case TENANT -> 2;
            case PROVIDER_KEY -> 3;
            case WORKFLOW -> 4;
            case SYSTEM -> 5;
          };
      if (rank < bestRank) {
        best = c.key().subject();
        bestRank = rank;
      }
    }
    return best;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
