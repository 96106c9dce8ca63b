package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.AnonymousMigrationContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;

/** The sign-up migration contract on H2: tables installed once per class, emptied per test. */
class H2AnonymousMigrationTest extends AnonymousMigrationContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.H2, 4);
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
