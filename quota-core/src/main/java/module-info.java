/** quota4j core: the API, the storage SPI, token counting, pricing and the in-memory store. */
// "module": the qualified export names quota-jdbc, which core's own compilation cannot see
@SuppressWarnings("module")
module dev.quota4j.core {
  requires transitive org.jspecify;
  requires static transitive com.google.errorprone.annotations;
  requires org.slf4j;

  // jtokkit is not required here: its jar has neither a module descriptor nor an
  // Automatic-Module-Name, so its module name would come from its file name, which a published
  // descriptor must not depend on. dev.quota4j.tokens.JtokkitModule adds the read edge at run time
  // to whichever module holds jtokkit (the class path's, or an automatic module of any name); the
  // build compiles this module with --add-reads dev.quota4j.core=ALL-UNNAMED and jtokkit on the
  // class path.

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
