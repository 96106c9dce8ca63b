package dev.quota4j.jdbc;

/** {@link JournalRefusalTestBase} on H2. */
class H2JournalRefusalTest extends JournalRefusalTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
