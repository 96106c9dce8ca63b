package dev.quota4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.quota4j.memory.InMemoryQuotaStore;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random sequences of reserve, commit, fail, close, record, extend and clock moves against the
 * in-memory store, compared step by step with a simple reference model of what the counters and the
 * ledger must hold. Each seed is a reproducible sequence.
 */
class ReferenceModelTest {
  private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
  private static final long USER_DAILY = 1_000;
  private static final long USER_REQUESTS = 15;
  private static final long SYSTEM_HOURLY = 2_500;
  private static final Duration LEASE = Duration.ofMinutes(10);

  /** Model counter key: limit, subject id, window start. */
  private record Key(String limit, String subject, Instant window) {}

  /** What the model holds for an open reservation. */
  private record Open(Reservation r, String user, Map<Key, Long> charges, Instant leaseUntil) {}

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 42, 2026})
  void managerMatchesTheReferenceModel(long seed) {
    Random rnd = new Random(seed);
    MutableClock clock = MutableClock.at("2026-03-28T20:00:00Z"); // crosses a DST change
    InMemoryQuotaStore store = new InMemoryQuotaStore();
    QuotaPolicy policy =
        QuotaPolicy.builder()
            .zone(ZONE)
            .plan(
                Plan.builder("free")
                    .limit(Limit.of("tokens", Metric.TOKENS, Window.DAY, USER_DAILY))
                    .limit(Limit.of("requests", Metric.REQUESTS, Window.DAY, USER_REQUESTS))
                    .build())
            .limit(
                Limit.of("system", Metric.TOKENS, Window.HOUR, SYSTEM_HOURLY)
                    .appliesTo(SubjectKind.SYSTEM))
            .build();
    QuotaManager m =
        QuotaManager.builder()
            .store(store)
            .policy(policy)
            .clock(clock)
            .leaseDuration(LEASE)
            .defaultLogging(false)
            .recordDenials(false)
            .build();

    Map<Key, long[]> model = new HashMap<>(); // used, reserved
    List<Open> open = new ArrayList<>();
    Set<String> recorded = new HashSet<>();
    long committedTokens = 0;
    List<String> users = List.of("ann", "ben", "cat", "dan");

    for (int step = 0; step < 600; step++) {
      int op = rnd.nextInt(100);
      String user = users.get(rnd.nextInt(users.size()));
      Instant now = clock.instant();
      if (op < 40) { // reserve
        long in = rnd.nextInt(5) == 0 ? 0 : rnd.nextLong(1, 300);
        long out = rnd.nextLong(0, 300);
        Map<Key, Long> charges = new HashMap<>();
        charges.put(new Key("tokens", user, day(now)), in + out);
        charges.put(new Key("requests", user, day(now)), 1L);
        charges.put(new Key("system", "system", hour(now)), in + out);
        Map<String, Long> limits =
            Map.of("tokens", USER_DAILY, "requests", USER_REQUESTS, "system", SYSTEM_HOURLY);
        boolean fits = true;
        for (Map.Entry<Key, Long> c : charges.entrySet()) {
          long[] v = model.getOrDefault(c.getKey(), new long[2]);
          long limit = limits.get(c.getKey().limit());
          boolean ok =
              c.getValue() == 0 ? v[0] + v[1] < limit : v[0] + v[1] + c.getValue() <= limit;
          fits &= ok;
        }
        QuotaDecision d = m.tryReserve(UsageRequest.forUser(user).estimatedTokens(in, out));
        assertEquals(fits, d.allowed(), "step " + step + " seed " + seed + " reserve " + d);
        if (d.allowed()) {
          charges.forEach((k, a) -> model.computeIfAbsent(k, x -> new long[2])[1] += a);
          open.add(new Open(d.reservation(), user, charges, now.plus(LEASE)));
        }
      } else if (op < 60 && !open.isEmpty()) { // commit
        Open o = open.remove(rnd.nextInt(open.size()));
        long in = rnd.nextLong(0, 400);
        long out = rnd.nextLong(0, 400);
        assertEquals(Reservation.Outcome.COMMITTED, o.r().commit(Usage.of(in, out)));
        settle(model, o, in + out);
        committedTokens += in + out;
      } else if (op < 67 && !open.isEmpty()) { // fail with billed usage
        Open o = open.remove(rnd.nextInt(open.size()));
        long billed = rnd.nextLong(0, 50);
        o.r().fail(new RuntimeException("provider error"), Usage.of(billed, 0));
        settle(model, o, billed);
        committedTokens += billed;
      } else if (op < 77 && !open.isEmpty()) { // close without commit
        Open o = open.remove(rnd.nextInt(open.size()));
        o.r().close();
        o.charges().forEach((k, a) -> model.get(k)[1] -= a);
      } else if (op < 85) { // record, sometimes a retry of an earlier id
        String id = "evt-" + rnd.nextInt(40);
        long in = rnd.nextLong(0, 100);
        boolean fresh = recorded.add(id);
        assertEquals(
            fresh, m.record(id, UsageRequest.forUser(user).build(), Usage.of(in, 0)), "record");
        if (fresh) {
          model.computeIfAbsent(new Key("tokens", user, day(now)), x -> new long[2])[0] += in;
          model.computeIfAbsent(new Key("requests", user, day(now)), x -> new long[2])[0] += 1;
          model.computeIfAbsent(new Key("system", "system", hour(now)), x -> new long[2])[0] += in;
          committedTokens += in;
        }
      } else if (op < 88 && !open.isEmpty()) { // a second commit changes nothing
        Open o = open.get(rnd.nextInt(open.size()));
        o.r().commit(Usage.of(1, 1));
        open.remove(o);
        settle(model, o, 2);
        committedTokens += 2;
        assertEquals(Reservation.Outcome.ALREADY_DONE, o.r().commit(Usage.of(500, 500)));
        o.r().close();
      } else { // time passes; expired leases are reclaimed
        clock.advance(Duration.ofMinutes(rnd.nextInt(1, 40)));
        Instant t = clock.instant();
        int expired = 0;
        for (Open o : List.copyOf(open)) {
          if (!o.leaseUntil().isAfter(t)) {
            open.remove(o);
            o.charges().forEach((k, a) -> model.get(k)[1] -= a);
            expired++;
          }
        }
        assertEquals(expired, m.reclaimExpired(), "reclaimed at step " + step);
      }
      compare(m, model, clock.instant(), users, "step " + step + " seed " + seed);
    }
    long ledger = 0;
    for (UsageEvent e : store.findEvents(EventQuery.all(100_000))) {
      if (e.status() == EventStatus.SUCCESS || e.status() == EventStatus.ERROR) {
        ledger += e.totalTokens();
      }
    }
    assertEquals(committedTokens, ledger, "ledger == sum of commits and records");
  }

  private static void settle(Map<Key, long[]> model, Open o, long actualTokens) {
    o.charges()
        .forEach(
            (k, a) -> {
              long[] v = model.get(k);
              v[1] -= a;
              v[0] += k.limit().equals("requests") ? 1 : actualTokens;
            });
  }

  private static void compare(
      QuotaManager m, Map<Key, long[]> model, Instant now, List<String> users, String where) {
    for (String u : users) {
      QuotaStatus s = m.status(SubjectRef.user(u));
      for (String limit : List.of("tokens", "requests")) {
        LimitStatus ls = s.limit(limit).orElseThrow();
        long[] v = model.getOrDefault(new Key(limit, u, day(now)), new long[2]);
        assertEquals(v[0], ls.used(), where + " " + u + " " + limit + " used");
        assertEquals(v[1], ls.reserved(), where + " " + u + " " + limit + " reserved");
      }
    }
    LimitStatus sys = m.status(SubjectRef.SYSTEM).limit("system").orElseThrow();
    long[] v = model.getOrDefault(new Key("system", "system", hour(now)), new long[2]);
    assertEquals(v[0], sys.used(), where + " system used");
    assertEquals(v[1], sys.reserved(), where + " system reserved");
  }

  private static Instant day(Instant t) {
    return t.atZone(ZONE).toLocalDate().atStartOfDay(ZONE).toInstant();
  }

  private static Instant hour(Instant t) {
    ZonedDateTime z = t.atZone(ZONE);
    return z.truncatedTo(ChronoUnit.HOURS).toInstant();
  }
}
