package dev.quota4j.jdbc;

/** What {@link JdbcQuotaStore.Builder#build()} does about the tables. */
public enum SchemaMode {
  /**
   * Create the tables that are missing and record the schema version. Idempotent, safe to run from
   * many processes at once (it takes a database lock where the dialect has one).
   */
  INSTALL,
  /**
   * Check that every table exists and that the schema version is one this library knows; fail with
   * an {@link IllegalStateException} that names the missing table otherwise. The default: the
   * schema is installed by Flyway (the scripts ship as {@code
   * dev/quota4j/jdbc/schema/<dialect>/V1__quota4j_schema.sql}) or by {@link #INSTALL}.
   */
  VALIDATE,
  /** Touch nothing at build time; the first call that finds a table missing fails. */
  NONE
}
