/**
 * quota4j JDBC store: {@link dev.quota4j.jdbc.JdbcQuotaStore} for H2, PostgreSQL, MySQL, MariaDB.
 */
module dev.quota4j.jdbc {
  requires transitive dev.quota4j.core;
  requires transitive java.sql;
  requires transitive org.jdbi.v3.core; // Builder.jdbi(Jdbi) is public
  requires com.zaxxer.hikari;
  requires static com.google.errorprone.annotations;

  exports dev.quota4j.jdbc;
}
