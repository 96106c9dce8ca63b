/** quota4j JDBC store: {@code JdbcQuotaStore} for H2, PostgreSQL and MySQL/MariaDB. */
// Jdbi has no module descriptor, only a stable Automatic-Module-Name; Builder.jdbi(Jdbi) exposes
// it.
// Jdbi and HikariCP are optional (Maven <optional>, here `requires static`): a host that passes
// its own DataSource needs neither. Jdbi is read when the host's module requires it (it passes a
// Jdbi); a host that builds the pool from a URL on the module path resolves com.zaxxer.hikari
// (requires it, or --add-modules com.zaxxer.hikari).
@SuppressWarnings("requires-transitive-automatic")
module dev.quota4j.jdbc {
  requires transitive dev.quota4j.core;
  requires transitive java.sql;
  requires java.logging;
  requires static transitive org.jdbi.v3.core;
  requires static com.zaxxer.hikari;

  exports dev.quota4j.jdbc;

  // the schema scripts: read through a ClassLoader, by the store and by Flyway
  // (classpath:dev/quota4j/jdbc/schema/<dialect>), which find resources only in open packages
  opens dev.quota4j.jdbc.schema.h2;
  opens dev.quota4j.jdbc.schema.mariadb;
  opens dev.quota4j.jdbc.schema.mysql;
  opens dev.quota4j.jdbc.schema.postgresql;
}
