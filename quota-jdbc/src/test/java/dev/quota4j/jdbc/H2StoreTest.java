package dev.quota4j.jdbc;

/** {@link JdbcStoreTestBase} on H2. */
class H2StoreTest extends JdbcStoreTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
