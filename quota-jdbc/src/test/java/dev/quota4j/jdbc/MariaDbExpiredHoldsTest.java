package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.ExpiredHoldsContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** Holds whose lease ended count nowhere, on MariaDB: tables installed once, emptied per test. */
@EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
class MariaDbExpiredHoldsTest extends ExpiredHoldsContract {
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
