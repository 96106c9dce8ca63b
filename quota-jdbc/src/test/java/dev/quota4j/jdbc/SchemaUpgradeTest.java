package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A database installed by the version-1 library: VALIDATE names the missing V2 table; INSTALL adds
 * V2 and V3 without touching V1's rows, and running it again changes nothing.
 */
class SchemaUpgradeTest {
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void installAppliesV2AndV3OnAVersion1SchemaAndValidateChecksIt(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      Sql sql = db.dialect().sql(new Tables(db.prefix));
      db.exec(SchemaInstaller.statements(sql, sql.schemaResources().get(0)));
      IllegalStateException missing =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(missing.getMessage().contains(db.prefix + "usage_daily"), missing.getMessage());

      // a version-1 table with a row in it; the upgrade keeps it
      db.exec(
          List.of(
              "INSERT INTO "
                  + db.prefix
                  + "subjects (subject_kind, subject_id, plan, overrides, active, created_at,"
                  + " updated_at) VALUES ('USER', 'kept', 'free', '', TRUE,"
                  + " TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00')"));
      for (int i = 0; i < 2; i++) {
        JdbcQuotaStore.builder()
            .dataSource(db.dataSource)
            .tablePrefix(db.prefix)
            .schemaMode(SchemaMode.INSTALL)
            .build()
            .close();
      }
      assertEquals(3, db.queryLong("SELECT MAX(version) FROM " + db.prefix + "schema_version"));
      assertEquals(3, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "schema_version"));
      try (JdbcQuotaStore s =
          JdbcQuotaStore.builder().dataSource(db.dataSource).tablePrefix(db.prefix).build()) {
        assertTrue(s.findSubject(SubjectRef.user("kept")).isPresent());
        s.appendEvent(
            UsageEvent.builder(
                    "old",
                    Instant.parse("2020-01-01T00:00:00Z"),
                    EventStatus.SUCCESS,
                    SubjectRef.user("kept"))
                .build());
        assertEquals(1, s.purgeEvents(Instant.parse("2021-01-01T00:00:00Z"), 10));
        assertEquals(1, db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "usage_daily"));
      }

      // version 1 recorded but V2 missing: VALIDATE says which version and how to upgrade
      db.exec(List.of("DELETE FROM " + db.prefix + "schema_version WHERE version >= 2"));
      IllegalStateException old =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(old.getMessage().contains("version 1, older than this library"), old.getMessage());
    }
  }
}
