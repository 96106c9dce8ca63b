package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.AggregateQuery;
import dev.quota4j.spi.AggregateRow;
import dev.quota4j.spi.Bucket;
import dev.quota4j.spi.Dimension;
import dev.quota4j.spi.EventStatus;
import dev.quota4j.spi.UsageEvent;
import dev.quota4j.testkit.ReportsWorkload;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
      assertEquals(
          SchemaInstaller.version(sql),
          db.queryLong("SELECT MAX(version) FROM " + db.prefix + "schema_version"));
      assertEquals(
          SchemaInstaller.versions(sql).size(),
          db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "schema_version"));
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

      // V2 not recorded: VALIDATE names the script, whatever else is there
      db.exec(List.of("DELETE FROM " + db.prefix + "schema_version WHERE version = 2"));
      IllegalStateException gap =
          assertThrows(
              IllegalStateException.class,
              () ->
                  JdbcQuotaStore.builder()
                      .dataSource(db.dataSource)
                      .tablePrefix(db.prefix)
                      .build());
      assertTrue(
          gap.getMessage().contains("missing: V2__quota4j_daily_summaries.sql"), gap.getMessage());

      // version 1 recorded and nothing later: VALIDATE says which version and how to upgrade
      db.exec(List.of("DELETE FROM " + db.prefix + "schema_version WHERE version > 1"));
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

  static final Instant NOW = Instant.parse("2026-11-25T10:15:00Z");

  /**
   * A version-2 database with data: every event in the hourly rollup (as the version-2 commit wrote
   * it) and the oldest ones purged into the daily summaries. INSTALL of V3 marks the events as
   * rolled up and fills the daily rollups from them and the summaries: every aggregate says what it
   * said before, there is nothing to compact, and installing again changes nothing.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void upgradeFromVersion2WithDataKeepsEveryFigure(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      ReportsWorkload w = ReportsWorkload.generate(3, 2_000, NOW, 40);
      Map<String, String> before;
      try (JdbcQuotaStore s = store(db)) {
        w.load(s, 1);
        while (s.compactEvents(500) > 0) {
          // the version-2 store had every event in usage_hourly
        }
        Instant cutoff = NOW.minus(Duration.ofDays(20)).truncatedTo(ChronoUnit.DAYS);
        while (s.purgeEvents(cutoff, 500) > 0) {
          // the version-2 retention
        }
        before = figures(s, w);
      }
      assertTrue(db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "usage_daily") > 100);

      // back to version 2: no daily rollups, no rolled_up column, no version 3
      Tables t = new Tables(db.prefix);
      List<String> down = new ArrayList<>();
      down.add("DROP TABLE " + t.subjectDaily);
      down.add("DROP TABLE " + t.agentDaily);
      switch (kind) {
        case H2 -> down.add("DROP INDEX " + db.prefix + "usage_events_unrolled_idx");
        case MARIADB ->
            down.add(
                "ALTER TABLE "
                    + t.events
                    + " DROP INDEX "
                    + db.prefix
                    + "usage_events_unrolled_idx");
        case POSTGRES -> {} // the partial index goes with its column
      }
      down.add("ALTER TABLE " + t.events + " DROP COLUMN rolled_up");
      down.add("DELETE FROM " + t.schemaVersion + " WHERE version = 3");
      db.exec(down);
      IllegalStateException old = assertThrows(IllegalStateException.class, () -> store(db, false));
      assertTrue(old.getMessage().contains(t.subjectDaily), old.getMessage());

      for (int i = 0; i < 2; i++) {
        try (JdbcQuotaStore s = store(db)) {
          assertEquals(before, figures(s, w), "after install " + (i + 1));
          assertEquals(0, s.compactEvents(500), "events of version 2 are rolled up already");
        }
      }
      // V1 to V3, PostgreSQL's V4 (its admission functions), V5 and V6, which the downgrade left
      // alone
      assertEquals(
          kind == TestDatabase.Kind.POSTGRES ? 6 : 5,
          db.queryLong("SELECT COUNT(*) FROM " + db.prefix + "schema_version"));

      // and it goes on: a new event is compacted into the back-filled rows
      try (JdbcQuotaStore s = store(db)) {
        UsageEvent e = w.events.get(w.events.size() - 1);
        ReportsWorkload.write(
            s,
            UsageEvent.builder(
                    "after-upgrade", NOW.minusSeconds(5), EventStatus.SUCCESS, e.subject())
                .operation("planning")
                .agent("planner")
                .tool("search")
                .inputTokens(10)
                .build());
        assertEquals(1, s.compactEvents(500));
        Map<String, String> after = figures(s, w);
        assertTrue(!after.equals(before), "the new event counts");
      }
    }
  }

  private static JdbcQuotaStore store(TestDatabase db) {
    return store(db, true);
  }

  private static JdbcQuotaStore store(TestDatabase db, boolean install) {
    return JdbcQuotaStore.builder()
        .dataSource(db.dataSource)
        .tablePrefix(db.prefix)
        .schemaMode(install ? SchemaMode.INSTALL : SchemaMode.VALIDATE)
        .build();
  }

  /** Aggregates that each rollup and the ledger answer, keyed for comparison. */
  private static Map<String, String> figures(JdbcQuotaStore s, ReportsWorkload w) {
    Instant hours = NOW.truncatedTo(ChronoUnit.HOURS);
    Instant odd = w.start.plus(Duration.ofDays(2)).plusSeconds(4321);
    List<AggregateQuery> queries =
        List.of(
            AggregateQuery.between(w.start, NOW).groupBy(Dimension.SUBJECT).bucket(Bucket.DAY),
            AggregateQuery.between(w.start, NOW).groupBy(Dimension.SUBJECT, Dimension.OPERATION),
            AggregateQuery.between(odd, NOW).groupBy(Dimension.SUBJECT, Dimension.OPERATION),
            AggregateQuery.between(w.start, NOW).groupBy(Dimension.AGENT, Dimension.TOOL),
            AggregateQuery.between(w.start, hours).bucket(Bucket.HOUR),
            AggregateQuery.between(w.start, NOW).groupBy(Dimension.PROVIDER, Dimension.MODEL),
            AggregateQuery.between(w.start, NOW).groupBy(Dimension.values()).bucket(Bucket.DAY));
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < queries.size(); i++) {
      for (AggregateRow r : s.aggregate(queries.get(i))) {
        out.put(i + " " + r.key(), r.toString());
      }
    }
    return out;
  }
}
