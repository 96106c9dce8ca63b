package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.ReserveResult;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database at the version before V7 with a ledger row written by that library: VALIDATE names V7;
 * INSTALL adds the cache-write column (twice changes nothing; on MariaDB the MySQL script runs
 * first, so both scripts are exercised); the old row reads 0 cache writes; commits (on PostgreSQL
 * through the commit function), records and appended events keep their cache writes.
 */
class CacheWriteSchemaUpgradeTest {
  static final Instant DAY = Instant.parse("2025-03-01T00:00:00Z");
  static final Instant T0 = Instant.parse("2025-03-01T10:15:30Z");
  static final SubjectRef U1 = SubjectRef.user("u1");

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void installAddsV7AndTheLedgerKeepsCacheWrites(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      Sql sql = db.dialect().sql(new Tables(db.prefix));
      List<String> before = new ArrayList<>();
      for (String r : sql.schemaResources()) {
        if (!r.contains("/V7__")) {
          before.addAll(SchemaInstaller.statements(sql, r));
        }
      }
      db.exec(before);
      IllegalStateException missing =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(
          missing.getMessage().contains("V7__quota4j_cache_writes.sql"), missing.getMessage());
      // a ledger row as the previous library wrote it
      db.exec(
          List.of(
              "INSERT INTO "
                  + db.prefix
                  + "usage_events (event_id, event_time, status, subject_kind, subject_id,"
                  + " input_tokens, output_tokens, cached_tokens, characters, cost_micros,"
                  + " estimated_tokens, tags) VALUES ('old', TIMESTAMP '2025-03-01 09:00:00',"
                  + " 'SUCCESS', 'USER', 'u1', 10, 1, 0, 0, 0, 0, '')"));
      if (kind == TestDatabase.Kind.MARIADB) {
        Sql mysql = JdbcDialect.MYSQL.sql(new Tables(db.prefix));
        db.exec(
            SchemaInstaller.statements(
                mysql, JdbcDialect.MYSQL.schemaLocation() + "/V7__quota4j_cache_writes.sql"));
      }
      for (int i = 0; i < 2; i++) {
        JdbcQuotaStore.builder()
            .dataSource(db.dataSource)
            .tablePrefix(db.prefix)
            .schemaMode(SchemaMode.INSTALL)
            .build()
            .close();
      }
      assertEquals(
          SchemaInstaller.version(sql),
          db.queryLong("SELECT MAX(version) FROM " + db.prefix + "schema_version"));

      try (JdbcQuotaStore s = db.store()) {
        Charge c =
            new Charge(
                new CounterKey("user-daily", U1, DAY),
                100,
                1_000,
                Admission.FIT,
                DAY.plusSeconds(86_400));
        assertInstanceOf(
            ReserveResult.Granted.class, s.reserve("r1", List.of(c), T0, T0.plusSeconds(60)));
        CommitResult committed =
            s.commit("r1", List.of(c.withAmount(90)), event("committed", 80, 30, 40));
        assertEquals(CommitResult.Status.APPLIED, committed.status());
        assertEquals(Map.of(c.key(), 90L), committed.usedAfter());
        var unused =
            s.record(
                List.of(c.withAmount(5).withAdmission(Admission.ALWAYS)), event("rec", 5, 0, 5));
        assertTrue(s.appendEvent(event("appended", 7, 0, 3)));

        Map<String, Long> writes = new java.util.TreeMap<>();
        for (UsageEvent e : s.findEvents(EventQuery.all(10))) {
          writes.put(e.eventId(), e.cacheWriteTokens());
        }
        assertEquals(Map.of("old", 0L, "committed", 40L, "rec", 5L, "appended", 3L), writes);
      }
    }
  }

  private static UsageEvent event(String id, long in, long cached, long written) {
    return UsageEvent.builder(id, T0, EventStatus.SUCCESS, U1)
        .reservationId(id.equals("committed") ? "r1" : null)
        .inputTokens(in)
        .outputTokens(10)
        .cachedInputTokens(cached)
        .cacheWriteTokens(written)
        .model("claude-sonnet-4-5")
        .build();
  }
}
