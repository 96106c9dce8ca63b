/** Tests of the JDBC store. */
@NullMarked
package dev.quota4j.jdbc;

import org.jspecify.annotations.NullMarked;
