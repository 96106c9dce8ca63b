/**
 * A {@link dev.quota4j.spi.QuotaStore} in a relational database: {@link
 * dev.quota4j.jdbc.JdbcQuotaStore} for H2 2.x, PostgreSQL 13+, MySQL 8 and MariaDB 10.6+.
 *
 * <p>Exported: {@link dev.quota4j.jdbc.JdbcQuotaStore}, {@link dev.quota4j.jdbc.JdbcDialect},
 * {@link dev.quota4j.jdbc.SchemaMode} and {@link dev.quota4j.jdbc.DatabaseClock}. Everything else
 * in this package is package-private.
 */
@NullMarked
package dev.quota4j.jdbc;

import org.jspecify.annotations.NullMarked;
