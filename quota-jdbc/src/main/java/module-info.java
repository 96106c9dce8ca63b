/** quota4j JDBC store: {@code JdbcQuotaStore} for H2, PostgreSQL and MySQL/MariaDB, on Jdbi 3. */
// Jdbi has no module descriptor, only a stable Automatic-Module-Name; Builder.jdbi(Jdbi) exposes it
@SuppressWarnings("requires-transitive-automatic")
module dev.quota4j.jdbc {
  requires transitive dev.quota4j.core;
  requires transitive java.sql;
  requires java.logging;
  requires transitive org.jdbi.v3.core;
  requires com.zaxxer.hikari;

  exports dev.quota4j.jdbc;

  // the schema scripts: read through a ClassLoader, by the store and by Flyway
  // (classpath:dev/quota4j/jdbc/schema/<dialect>), which find resources only in open packages
  opens dev.quota4j.jdbc.schema.h2;
  opens dev.quota4j.jdbc.schema.mariadb;
  opens dev.quota4j.jdbc.schema.mysql;
  opens dev.quota4j.jdbc.schema.postgresql;
}
