/**
 * quota4j test kit: the contract suites that every {@code QuotaStore} passes, for the tests of
 * store authors.
 */
module dev.quota4j.testkit {
  requires transitive dev.quota4j.core;
  requires transitive org.junit.jupiter.api;

  exports dev.quota4j.testkit;

  // JUnit calls the suites' package-private test methods reflectively, also on the module path
  opens dev.quota4j.testkit to
      org.junit.platform.commons;
}
