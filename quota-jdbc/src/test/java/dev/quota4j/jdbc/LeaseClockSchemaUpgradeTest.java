package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.Admission;
import dev.quota4j.spi.Charge;
import dev.quota4j.spi.CommitResult;
import dev.quota4j.spi.CounterKey;
import dev.quota4j.spi.CounterValue;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database at the version before V5 (V3, or V4 on PostgreSQL) with reservations made by that
 * library: VALIDATE names V5; INSTALL adds the lease columns without touching the rows, twice
 * changes nothing; the old rows, which have no owner and no lease end by the database's clock, end
 * when their lease_until passes by the database's clock; on PostgreSQL the version-4 reserve
 * function still works and its rows get a lease end by the database's clock.
 */
class LeaseClockSchemaUpgradeTest {
  static final Instant DAY = Instant.parse("2025-03-01T00:00:00Z");
  static final SubjectRef U1 = SubjectRef.user("u1");

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void installAddsV5AndOldReservationsEndByTheDatabasesClock(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      Sql sql = db.dialect().sql(new Tables(db.prefix));
      List<String> before = new ArrayList<>();
      for (String r : sql.schemaResources()) {
        if (!r.contains("/V5__")) {
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
          missing.getMessage().contains("missing: V5__quota4j_lease_clock.sql"),
          missing.getMessage());

      // two reservations of 100 as the previous library stored them: one whose lease ended long
      // ago, one whose lease ends in 2100
      Charge c =
          new Charge(
              new CounterKey("user-daily", U1, DAY),
              100,
              1_000,
              Admission.FIT,
              DAY.plusSeconds(86_400));
      String packed = Rows.packCharges(List.of(c));
      String columns =
          "(reservation_id, subject_kind, subject_id, charges, created_at, lease_until)";
      db.exec(
          List.of(
              "INSERT INTO "
                  + db.prefix
                  + "counters (limit_id, subject_kind, subject_id, window_start, window_end,"
                  + " limit_amount, used, reserved) VALUES ('user-daily', 'USER', 'u1',"
                  + " TIMESTAMP '2025-03-01 00:00:00', TIMESTAMP '2025-03-02 00:00:00', 1000, 0,"
                  + " 200)",
              "INSERT INTO "
                  + db.prefix
                  + "reservations "
                  + columns
                  + " VALUES ('ended', 'USER', 'u1', '"
                  + packed
                  + "', TIMESTAMP '2025-03-01 10:15:30', TIMESTAMP '2025-03-01 10:20:00')",
              "INSERT INTO "
                  + db.prefix
                  + "reservations "
                  + columns
                  + " VALUES ('live', 'USER', 'u1', '"
                  + packed
                  + "', TIMESTAMP '2025-03-01 10:15:30', TIMESTAMP '2100-01-01 00:00:00')"));

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
      assertEquals(
          SchemaInstaller.versions(sql).size(),
          db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "schema_version"));
      assertEquals(2, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "reservations"));

      try (JdbcQuotaStore s = db.store()) {
        // the caller's clock is in 2025; the old rows are judged by the database's
        Instant now = Instant.parse("2025-03-01T10:16:00Z");
        assertEquals(
            new CounterValue(0, 100),
            s.counters(List.of(c.key()), now).get(c.key()),
            "the ended one is reclaimed, the live one kept");
        assertEquals(
            new CommitResult(CommitResult.Status.APPLIED, Map.of(c.key(), 70L)),
            s.commit(
                "live",
                List.of(c.withAmount(70)),
                UsageEvent.builder("e-live", now, EventStatus.SUCCESS, U1)
                    .inputTokens(70)
                    .build()));
        assertEquals(new CounterValue(70, 0), s.counters(List.of(c.key()), now).get(c.key()));
      }

      if (kind == TestDatabase.Kind.POSTGRES) {
        // a process still running the version-4 library calls the 14-argument function; the lease
        // of 5 minutes ends 5 minutes from now by the database's clock
        assertEquals(
            0,
            db.queryLong(
                "SELECT r_outcome FROM "
                    + db.prefix
                    + "reserve('v4', 'USER', 'u1', '"
                    + packed
                    + "', TIMESTAMP '2025-03-01 10:15:30', TIMESTAMP '2025-03-01 10:20:30',"
                    + " ARRAY['user-daily']::varchar[], ARRAY['USER']::varchar[],"
                    + " ARRAY['u1']::varchar[], ARRAY[TIMESTAMP '2025-03-01 00:00:00'],"
                    + " ARRAY[TIMESTAMP '2025-03-02 00:00:00'], ARRAY[1000]::bigint[],"
                    + " ARRAY[100]::bigint[], ARRAY[900]::bigint[])"));
        assertEquals(
            1,
            db.queryLong(
                "SELECT COUNT(*) FROM "
                    + db.prefix
                    + "reservations WHERE reservation_id = 'v4' AND lease_owner IS NULL"
                    + " AND db_lease_until > (now() AT TIME ZONE 'UTC') + INTERVAL '290 seconds'"
                    + " AND db_lease_until < (now() AT TIME ZONE 'UTC') + INTERVAL '310 seconds'"));
      }
    }
  }
}
