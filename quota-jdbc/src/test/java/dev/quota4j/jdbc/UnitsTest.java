package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.QuotaStoreUnavailableException;
import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The small pieces: packing, time conversion, the PostgreSQL escape, the database clock. */
class UnitsTest {
  @Test
  void packedColumnsRoundTripAnyText() {
    Random rnd = new Random(42);
    for (int round = 0; round < 500; round++) {
      List<String> fields = new ArrayList<>();
      for (int i = rnd.nextInt(6); i > 0; i--) {
        StringBuilder s = new StringBuilder();
        for (int j = rnd.nextInt(12); j > 0; j--) {
          s.append((char) (rnd.nextBoolean() ? rnd.nextInt(128) : rnd.nextInt(0x10000)));
        }
        fields.add(s.toString());
      }
      assertEquals(fields, Codec.decode(Codec.encode(fields)));
    }
    assertEquals(List.of("", "1:", ":"), Codec.decode(Codec.encode(List.of("", "1:", ":"))));
  }

  @Test
  void postgresEscapeIsABijectionWithoutNul() throws Exception {
    PostgresSql pg = new PostgresSql(new Tables("q_"));
    for (String s : List.of("plain", "nul\u0000x", "\uE000", "\uE0000", "\u0000\uE000\u0000", "")) {
      String stored = pg.text(s);
      assertTrue(stored.indexOf('\u0000') < 0);
      java.sql.ResultSet rs =
          (java.sql.ResultSet)
              java.lang.reflect.Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {java.sql.ResultSet.class},
                  (p, m, a) -> stored);
      assertEquals(s, pg.read(rs, 1));
    }
  }

  @Test
  void instantsOutsideWhatEveryDatabaseStoresAreRejectedNamingTheField() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Times.stored("windowStart", Instant.parse("0999-12-31T23:59:59Z")));
    assertTrue(e.getMessage().startsWith("windowStart must be between"), e.getMessage());
    assertEquals(Times.clamped(Times.MAX), Times.clamped(Instant.MAX));
    assertEquals(
        Instant.parse("2026-01-01T00:00:00.123456Z"),
        Times.read(Times.stored("t", Instant.parse("2026-01-01T00:00:00.123456789Z"))));
  }

  @Test
  void packedChargesRoundTrip() {
    Charge c =
        new Charge(
            new CounterKey(
                "lim:1", SubjectRef.apiKey("k\n2"), Instant.parse("2026-01-01T00:00:00Z")),
            5,
            Long.MAX_VALUE,
            Admission.ALWAYS,
            Instant.parse("2026-01-02T00:00:00Z"));
    List<HeldCharge> held = Rows.unpackCharges(Rows.packCharges(List.of(c, c.withAmount(0))));
    assertEquals(
        List.of(
            new HeldCharge(c.key(), 5, Long.MAX_VALUE, c.windowEnd()),
            new HeldCharge(c.key(), 0, Long.MAX_VALUE, c.windowEnd())),
        held);
    assertEquals(
        SubjectRef.user("u"),
        Rows.primarySubject(
            List.of(
                c,
                c.withAmount(1).key().equals(c.key())
                    ? new Charge(
                        new CounterKey("x", SubjectRef.user("u"), c.key().windowStart()),
                        1,
                        1,
                        Admission.FIT,
                        c.windowEnd())
                    : c)));
    assertEquals(SubjectRef.SYSTEM, Rows.primarySubject(List.of()));
    assertTrue(Leases.expiredEventId("x".repeat(255)).length() <= 255);
  }

  /** A local clock that moves only when told. */
  static final class Manual extends Clock {
    final AtomicReference<Instant> now;

    Manual(Instant start) {
      now = new AtomicReference<>(start);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  @Test
  void theDatabaseClockAddsTheMeasuredOffsetAndRefreshesOncePerInterval() {
    Instant local0 = Instant.parse("2026-11-25T10:00:00Z");
    Manual local = new Manual(local0);
    AtomicInteger reads = new AtomicInteger();
    AtomicReference<Duration> skew = new AtomicReference<>(Duration.ofSeconds(7));
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    DatabaseClock clock =
        new DatabaseClock(
            () -> {
              reads.incrementAndGet();
              RuntimeException f = failure.get();
              if (f != null) {
                throw f;
              }
              return local.instant().plus(skew.get());
            },
            local,
            Duration.ofMinutes(1));
    assertEquals(local0.plusSeconds(7), clock.instant());
    local.now.set(local0.plusSeconds(30));
    assertEquals(local0.plusSeconds(37), clock.instant());
    assertEquals(1, reads.get(), "no database read within the interval");
    skew.set(Duration.ofSeconds(-2));
    local.now.set(local0.plusSeconds(61));
    assertEquals(local0.plusSeconds(59), clock.instant());
    assertEquals(2, reads.get());
    failure.set(new QuotaStoreUnavailableException("down", null));
    local.now.set(local0.plusSeconds(200));
    assertEquals(local0.plusSeconds(198), clock.instant(), "a failed refresh keeps the offset");
    assertEquals(Duration.ofSeconds(-2), clock.offset());
    assertEquals(clock.instant(), clock.withZone(java.time.ZoneId.of("Europe/Paris")).instant());

    DatabaseClock never =
        new DatabaseClock(
            () -> {
              throw new QuotaStoreUnavailableException("down", null);
            },
            local,
            Duration.ofMinutes(1));
    assertThrows(QuotaStoreUnavailableException.class, never::instant);
  }

  @Test
  void theDatabaseClockReadsEachDatabase() {
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.H2, 2);
        JdbcQuotaStore store = db.store()) {
      Duration offset = store.databaseClock().offset();
      assertTrue(offset.abs().compareTo(Duration.ofSeconds(5)) < 0, "same machine: " + offset);
    }
  }
}
