package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InFlightLimitContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;

/** Limits on calls in flight, on H2. */
class H2InFlightLimitTest extends InFlightLimitContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.H2, THREADS + 4);
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
