package dev.quota4j.jdbc;

/** {@link StatementCountTestBase} on H2. */
class H2StatementCountTest extends StatementCountTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }

  @Override
  int[] expectedStatements() {
    // reserve: insert reservation + 2 conditional updates
    // commit: ledger insert + delete returning + 2 settles + 1 read of used (no rollup: compaction
    // writes it)
    return new int[] {3, 5, 7, 6, 5};
  }
}
