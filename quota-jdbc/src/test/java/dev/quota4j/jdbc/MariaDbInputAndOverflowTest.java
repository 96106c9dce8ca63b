package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InputAndOverflowContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Unstorable ids and overflowing amounts, on MariaDB (when QUOTA4J_TEST_MARIADB_URL is set): tables
 * installed once per class.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbInputAndOverflowTest extends InputAndOverflowContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.MARIADB, 4);
      db = d;
    }
    return d.freshStore();
  }

  @AfterAll
  static void dropTables() {
    TestDatabase d = db;
    if (d != null) {
      d.close();
      db = null;
    }
  }
}
