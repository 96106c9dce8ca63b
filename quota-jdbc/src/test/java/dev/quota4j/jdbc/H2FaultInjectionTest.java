package dev.quota4j.jdbc;

/** {@link FaultInjectionTestBase} on H2. */
class H2FaultInjectionTest extends FaultInjectionTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
