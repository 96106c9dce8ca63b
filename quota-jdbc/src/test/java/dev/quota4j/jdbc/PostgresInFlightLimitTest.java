package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.InFlightLimitContract;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** Limits on calls in flight, on the server named by {@value TestDatabase#POSTGRES_ENV}. */
@EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
class PostgresInFlightLimitTest extends InFlightLimitContract {
  private static @Nullable TestDatabase db;

  @Override
  protected QuotaStore newStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(TestDatabase.Kind.POSTGRES, THREADS + 4);
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
