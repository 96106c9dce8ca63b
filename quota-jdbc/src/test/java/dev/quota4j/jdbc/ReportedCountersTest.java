package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.ReserveResult;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code reportCounters}, a reservation on H2 (whose UPDATE returns nothing) reports every
 * counter it charged, this reservation counted in; without it, only the ALWAYS ones.
 */
class ReportedCountersTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final SubjectRef U = SubjectRef.user("u");

  private static Charge fit(String limit, long amount, long max) {
    return new Charge(
        new CounterKey(limit, U, T0), amount, max, Admission.FIT, T0.plusSeconds(86_400));
  }

  @Test
  void everyChargedCounterIsReportedWhenAskedAndOnlyThen() {
    try (TestDatabase db = TestDatabase.open(TestDatabase.Kind.H2, 2)) {
      db.store().close(); // installs the schema
      Charge tokens = fit("daily-tokens", 300, 1_000);
      Charge requests = fit("hourly-requests", 1, 10);
      try (JdbcQuotaStore reporting =
          JdbcQuotaStore.builder()
              .dataSource(db.dataSource)
              .tablePrefix(db.prefix)
              .reportCounters(true)
              .build()) {
        var unused = reporting.reserve("r1", List.of(tokens, requests), T0, T0.plusSeconds(60));
        ReserveResult.Granted g =
            (ReserveResult.Granted)
                reporting.reserve("r2", List.of(tokens, requests), T0, T0.plusSeconds(60));
        assertEquals(
            Map.of(tokens.key(), new CounterValue(0, 600), requests.key(), new CounterValue(0, 2)),
            g.counters());
        assertTrue(g.unconditional().isEmpty());
      }
      try (JdbcQuotaStore plain =
          JdbcQuotaStore.builder().dataSource(db.dataSource).tablePrefix(db.prefix).build()) {
        ReserveResult.Granted g =
            (ReserveResult.Granted)
                plain.reserve("r3", List.of(tokens, requests), T0, T0.plusSeconds(60));
        assertFalse(g.counters().containsKey(tokens.key()), "no extra statement by default");
      }
    }
  }
}
