package dev.quota4j.jdbc;

class H2LeaseClockSkewTest extends LeaseClockSkewTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
