package dev.quota4j.jdbc;

/** {@link UnknownOutcomeMessageTestBase} on H2. */
class H2UnknownOutcomeMessageTest extends UnknownOutcomeMessageTestBase {
  @Override
  TestDatabase.Kind kind() {
    return TestDatabase.Kind.H2;
  }
}
