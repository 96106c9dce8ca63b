package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.AnonymousMigrationContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The sign-up migration contract on Postgres: tables installed once per class, emptied per test.
 */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresAnonymousMigrationTest extends AnonymousMigrationContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.POSTGRES, 4);
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
