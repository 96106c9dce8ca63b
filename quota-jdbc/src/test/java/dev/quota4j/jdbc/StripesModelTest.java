package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model-based test of hot counters in stripes: random reserves (every admission rule, sometimes
 * with a second, one-row counter, sometimes asking for one row on the striped counter), commits
 * below and above the reserved amount, failures, releases, leases that end, records, limit changes
 * and consolidations, each checked against a reference of one counter (used, reserved by live
 * holds, the limit) after every step: the same decision, the same sums, and the stripes' shares
 * never promising more than the counter has left.
 */
class StripesModelTest {
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  static final Instant HOUR_END = Instant.parse("2026-11-25T11:00:00Z");
  static final CounterKey HOT = new CounterKey("system-hourly-tokens", SubjectRef.SYSTEM, T0);
  static final CounterKey USER = new CounterKey("user-hourly-tokens", SubjectRef.user("u1"), T0);
  static final int STEPS = 300;

  /** One live or ended hold of the reference. */
  record Hold(String id, long hot, long user, Instant leaseUntil) {}

  abstract static class Model {
    abstract TestDatabase.Kind kind();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void stripesAgreeWithOneCounterAfterEveryStep(long seed) throws Exception {
      Random rnd = new Random(seed);
      try (TestDatabase db = TestDatabase.open(kind(), 4);
          JdbcQuotaStore store = db.freshStore()) {
        long limit = 1_000;
        long userLimit = 600;
        long used = 0;
        long userUsed = 0;
        Instant now = T0;
        Map<String, Hold> holds = new LinkedHashMap<>();
        List<String> log = new ArrayList<>();
        int stripes = 1 + rnd.nextInt(8);
        for (int step = 0; step < STEPS; step++) {
          now = now.plusSeconds(1);
          int op = rnd.nextInt(100);
          String what;
          if (op < 45) {
            long amount = rnd.nextInt(10) == 0 ? 0 : 1 + rnd.nextInt(rnd.nextBoolean() ? 40 : 200);
            Admission a = Admission.values()[rnd.nextInt(10) < 7 ? 0 : 1 + rnd.nextInt(2)];
            boolean withUser = rnd.nextBoolean();
            int asked = rnd.nextInt(15) == 0 ? 1 : stripes;
            Charge hot = new Charge(HOT, amount, limit, a, HOUR_END, asked);
            long userAmount = rnd.nextInt(30);
            List<Charge> charges = new ArrayList<>();
            if (withUser && rnd.nextBoolean()) {
              charges.add(new Charge(USER, userAmount, userLimit, Admission.FIT, HOUR_END));
            }
            charges.add(hot);
            if (withUser && charges.size() == 1) {
              charges.add(new Charge(USER, userAmount, userLimit, Admission.FIT, HOUR_END));
            }
            long live = liveHot(holds, now);
            long liveUser = liveUser(holds, now);
            boolean expected =
                a.admits(used, live, amount, limit)
                    && (!withUser
                        || Admission.FIT.admits(userUsed, liveUser, userAmount, userLimit));
            String id = "r" + step;
            Instant lease = now.plusSeconds(5 + rnd.nextInt(40));
            ReserveResult r = store.reserve(id, charges, now, lease);
            what =
                "reserve "
                    + id
                    + " "
                    + a
                    + " "
                    + amount
                    + (withUser ? " user " + userAmount : "")
                    + " asking "
                    + asked
                    + " stripes";
            assertEquals(
                expected, r instanceof ReserveResult.Granted, what + " after " + tail(log));
            if (expected) {
              holds.put(id, new Hold(id, amount, withUser ? userAmount : 0, lease));
            }
          } else if (op < 65 && !holds.isEmpty()) {
            Hold h = pick(holds, rnd);
            long actual =
                rnd.nextInt(4) == 0 ? h.hot() + rnd.nextInt(120) : rnd.nextInt((int) h.hot() + 1);
            long userActual = h.user() == 0 ? 0 : rnd.nextInt((int) h.user() * 2 + 1);
            List<Charge> act = new ArrayList<>();
            act.add(new Charge(HOT, actual, limit, Admission.ALWAYS, HOUR_END, stripes));
            if (h.user() > 0 || userActual > 0) {
              act.add(new Charge(USER, userActual, userLimit, Admission.ALWAYS, HOUR_END));
            }
            boolean failed = rnd.nextInt(4) == 0;
            CommitResult c =
                store.commit(
                    h.id(),
                    act,
                    UsageEvent.builder(
                            "e-" + h.id(),
                            now,
                            failed ? EventStatus.ERROR : EventStatus.SUCCESS,
                            SubjectRef.user("u1"))
                        .reservationId(h.id())
                        .inputTokens(actual)
                        .build());
            holds.remove(h.id());
            used += actual;
            userUsed += userActual;
            what = (failed ? "fail " : "commit ") + h.id() + " " + actual + " of " + h.hot();
            assertTrue(c.status() != CommitResult.Status.ALREADY_APPLIED, what);
          } else if (op < 75 && !holds.isEmpty()) {
            Hold h = pick(holds, rnd);
            boolean released =
                store.release(
                    h.id(),
                    UsageEvent.builder(
                            "rel-" + h.id(), now, EventStatus.RELEASED, SubjectRef.user("u1"))
                        .reservationId(h.id())
                        .build());
            holds.remove(h.id());
            what = "release " + h.id() + " -> " + released;
          } else if (op < 82) {
            now = now.plusSeconds(rnd.nextInt(30));
            if (rnd.nextBoolean()) {
              int unused = store.reclaimExpired(now);
            }
            Instant at = now;
            holds.values().removeIf(h -> h.leaseUntil().isBefore(at));
            what = "time to " + now;
          } else if (op < 88) {
            long amount = rnd.nextInt(60);
            int asked = rnd.nextBoolean() ? 1 : stripes; // a replayed journal asks for one row
            CommitResult c =
                store.record(
                    List.of(new Charge(HOT, amount, limit, Admission.ALWAYS, HOUR_END, asked)),
                    UsageEvent.builder("rec" + step, now, EventStatus.SUCCESS, SubjectRef.SYSTEM)
                        .inputTokens(amount)
                        .build());
            used += amount;
            what = "record " + amount + " asking " + asked;
          } else if (op < 94) {
            limit = Math.max(0, limit + rnd.nextInt(400) - 200);
            what = "limit " + limit;
          } else {
            stripes = 1 + rnd.nextInt(16);
            what = "stripes asked " + stripes;
          }
          log.add(what);
          Map<CounterKey, CounterValue> read = store.counters(List.of(HOT, USER), now);
          Instant at = now;
          holds.values().removeIf(h -> h.leaseUntil().isBefore(at)); // counts nowhere any more
          CounterValue hot = read.getOrDefault(HOT, CounterValue.ZERO);
          assertEquals(
              new CounterValue(used, liveHot(holds, now)), hot, "hot counter after " + tail(log));
          assertEquals(
              new CounterValue(userUsed, liveUser(holds, now)),
              read.getOrDefault(USER, CounterValue.ZERO),
              "user counter after " + tail(log));
          assertSharesPromiseNoMore(db, hot, "after " + tail(log));
        }
      }
    }
  }

  /**
   * The stripes' rooms above zero add up to no more than the counter has left under the limit they
   * were cut for (when every stripe was cut for the same one).
   */
  static void assertSharesPromiseNoMore(TestDatabase db, CounterValue sum, String when)
      throws SQLException {
    Tables t = new Tables(db.prefix);
    try (Connection c = db.dataSource.getConnection();
        PreparedStatement st =
            c.prepareStatement(
                "SELECT limit_amount, share, used, reserved FROM "
                    + t.counterStripes
                    + " WHERE limit_id = ?")) {
      st.setString(1, HOT.limitId());
      long positive = 0;
      java.util.Set<Long> limits = new java.util.HashSet<>();
      StringBuilder rows = new StringBuilder();
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.append(
              String.format(
                  " [limit %d share %d used %d reserved %d]",
                  rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
          limits.add(rs.getLong(1));
          positive += Math.max(0, rs.getLong(2) - rs.getLong(3) - rs.getLong(4));
        }
      }
      if (limits.size() == 1 && limits.iterator().next() >= 0) {
        long l = limits.iterator().next();
        long left = Math.max(0, l - sum.used() - sum.reserved());
        assertTrue(
            positive <= left, "stripes promise " + positive + " of " + left + " " + when + rows);
      }
    }
  }

  static long liveHot(Map<String, Hold> holds, Instant now) {
    return holds.values().stream()
        .filter(h -> !h.leaseUntil().isBefore(now))
        .mapToLong(Hold::hot)
        .sum();
  }

  static long liveUser(Map<String, Hold> holds, Instant now) {
    return holds.values().stream()
        .filter(h -> !h.leaseUntil().isBefore(now))
        .mapToLong(Hold::user)
        .sum();
  }

  static Hold pick(Map<String, Hold> holds, Random rnd) {
    List<Hold> all = new ArrayList<>(holds.values());
    return all.get(rnd.nextInt(all.size()));
  }

  static String tail(List<String> log) {
    return log.subList(Math.max(0, log.size() - 6), log.size()).toString();
  }

  @Nested
  class OnH2 extends Model {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.H2;
    }
  }

  @Nested
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  class OnPostgres extends Model {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.POSTGRES;
    }
  }

  @Nested
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  class OnMariaDb extends Model {
    @Override
    TestDatabase.Kind kind() {
      return TestDatabase.Kind.MARIADB;
    }
  }
}
