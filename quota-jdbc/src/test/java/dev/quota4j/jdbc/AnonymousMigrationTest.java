package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.AnonymousMigrationContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Anonymous sessions migrated to their users, on every database: H2 always; PostgreSQL and MariaDB
 * when {@value TestDatabase#POSTGRES_ENV} and {@value TestDatabase#MARIADB_ENV} name their servers.
 */
class AnonymousMigrationTest {
  /** The sign-up migration contract on H2: tables installed once per class, emptied per test. */
  @Nested
  class H2 extends AnonymousMigrationContract {
    @RegisterExtension static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.H2, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * The sign-up migration contract on Postgres: tables installed once per class, emptied per test.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.POSTGRES_ENV, matches = ".+")
  @Nested
  class Postgres extends AnonymousMigrationContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.POSTGRES, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }

  /**
   * The sign-up migration contract on MariaDb: tables installed once per class, emptied per test.
   */
  @EnabledIfEnvironmentVariable(named = TestDatabase.MARIADB_ENV, matches = ".+")
  @Nested
  class MariaDb extends AnonymousMigrationContract {
    @RegisterExtension
    static final SharedDatabase db = new SharedDatabase(TestDatabase.Kind.MARIADB, 4);

    @Override
    protected QuotaStore newStore() {
      return db.freshStore();
    }
  }
}
