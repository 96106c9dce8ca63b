package dev.quota4j.jdbc;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestDatabase} for a test class, as a static {@code @RegisterExtension} field: its
 * tables are installed at the first store a test asks for and dropped after the class. Each test
 * gets a {@link #freshStore() fresh store} over emptied tables.
 */
final class SharedDatabase implements AfterAllCallback {
  private final TestDatabase.Kind kind;
  private final int poolSize;
  private @Nullable TestDatabase db;

  SharedDatabase(TestDatabase.Kind kind, int poolSize) {
    this.kind = kind;
    this.poolSize = poolSize;
  }

  /** A store over emptied tables; the database is opened, and its tables installed, at first. */
  synchronized JdbcQuotaStore freshStore() {
    TestDatabase d = db;
    if (d == null) {
      d = TestDatabase.open(kind, poolSize);
      db = d;
    }
    return d.freshStore();
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    TestDatabase d = db;
    if (d != null) {
      d.close();
      db = null;
    }
  }
}
