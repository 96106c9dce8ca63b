package dev.quota4j.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The README's "Schema with Flyway" recipe, with real Flyway, in a schema where the host already
 * migrates its own tables with its own Flyway (history table, versions V1 and V2 of its own).
 * quota4j's scripts run through a second Flyway with its own history table and {@code
 * baselineVersion} 0, from the dialect's script folder, so every script of the folder runs,
 * including versions added later. H2 always; PostgreSQL and MariaDB when their variables are set
 * ({@link TestDatabase}).
 */
class HostFlywayTest {

  /** The README's recipe, with {@code prefix} for quota_ so that runs do not collide. */
  static Flyway quota4jFlyway(DataSource dataSource, JdbcDialect dialect, String prefix) {
    return Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:" + dialect.schemaLocation())
        .table(prefix + "flyway_history")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .placeholders(Map.of("table_prefix", prefix))
        .load();
  }

  /**
   * The host's own Flyway. On the shared PostgreSQL and MariaDB test databases the schema holds
   * other tests' tables, so the host too starts from a baseline at 0 there; on a fresh H2 it needs
   * none and records none.
   */
  private static Flyway hostFlyway(DataSource dataSource, String prefix) {
    return Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:dev/quota4j/jdbc/host/flyway")
        .table(prefix + "host_history")
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .placeholders(Map.of("host_prefix", prefix))
        .load();
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.Kind.class)
  void quota4jMigratesBesideTheHostsOwnFlyway(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 4)) {
      String p = db.prefix;
      try {
        Flyway host = hostFlyway(db.dataSource, p);
        assertEquals(2, host.migrate().migrationsExecuted, "the host's own V1 and V2");

        Flyway quota = quota4jFlyway(db.dataSource, db.dialect(), p);
        List<Integer> versions = HostSchemas.versions(db);
        assertEquals(versions.size(), quota.migrate().migrationsExecuted, "quota4j's scripts");
        List<String> expected = new ArrayList<>(List.of("0"));
        versions.forEach(v -> expected.add(String.valueOf(v)));
        assertEquals(expected, applied(quota), "the baseline, then every script of the folder");
        assertEquals(
            List.of("1", "2"),
            applied(host).stream().filter(v -> !v.equals("0")).toList(),
            "the host's history is untouched");

        HostSchemas.storeWorks(db);

        // the next deployment: both migrate again, nothing runs, both validate
        assertEquals(0, host.migrate().migrationsExecuted);
        assertEquals(0, quota.migrate().migrationsExecuted);
        host.validate();
        quota.validate();
      } finally {
        HostSchemas.drop(db, p + "orders", p + "host_history", p + "flyway_history");
      }
    }
  }

  /**
   * Why the recipe needs its own history table: one Flyway with both locations sees two migrations
   * of version 1 and refuses to run.
   */
  @ParameterizedTest
  @EnumSource(value = TestDatabase.Kind.class, names = "H2")
  void oneFlywayForBothRefusesTheDuplicateVersion(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 2)) {
      Flyway both =
          Flyway.configure()
              .dataSource(db.dataSource)
              .locations(
                  "classpath:dev/quota4j/jdbc/host/flyway",
                  "classpath:" + db.dialect().schemaLocation())
              .table(db.prefix + "history")
              .placeholders(Map.of("host_prefix", db.prefix, "table_prefix", db.prefix))
              .load();
      FlywayException e = assertThrows(FlywayException.class, both::migrate);
      assertTrue(e.getMessage().contains("more than one migration with version 1"), e.getMessage());
    }
  }

  /**
   * Why the recipe needs {@code baselineOnMigrate}: the host's tables are already in the schema,
   * and a Flyway with a new history table refuses a schema that is not empty.
   */
  @ParameterizedTest
  @EnumSource(value = TestDatabase.Kind.class, names = "H2")
  void aSecondFlywayWithoutBaselineRefusesTheHostsSchema(TestDatabase.Kind kind) {
    try (TestDatabase db = TestDatabase.open(kind, 2)) {
      assertEquals(2, hostFlyway(db.dataSource, db.prefix).migrate().migrationsExecuted);
      Flyway quota =
          Flyway.configure()
              .dataSource(db.dataSource)
              .locations("classpath:" + db.dialect().schemaLocation())
              .table(db.prefix + "flyway_history")
              .placeholders(Map.of("table_prefix", db.prefix))
              .load();
      FlywayException e = assertThrows(FlywayException.class, quota::migrate);
      assertTrue(e.getMessage().contains("non-empty schema"), e.getMessage());
    }
  }

  private static List<String> applied(Flyway flyway) {
    return Arrays.stream(flyway.info().applied())
        .map(MigrationInfo::getVersion)
        .map(Object::toString)
        .toList();
  }
}
