/** quota4j core: the API, the storage SPI, token counting, pricing and the in-memory store. */
// "module": the qualified export names quota-jdbc, which core's own compilation cannot see
@SuppressWarnings("module")
module dev.quota4j.core {
  requires transitive org.jspecify;
  requires static transitive com.google.errorprone.annotations;
  requires org.slf4j;
  requires jtokkit; // its jar has no Automatic-Module-Name: the file name is its module name

  exports dev.quota4j;
  exports dev.quota4j.spi;
  exports dev.quota4j.reports;
  exports dev.quota4j.tokens;
  exports dev.quota4j.pricing;
  exports dev.quota4j.memory;
  exports dev.quota4j.testing;

  // helpers shared with the JDBC store, never an API
  exports dev.quota4j.internal to
      dev.quota4j.jdbc;
}
