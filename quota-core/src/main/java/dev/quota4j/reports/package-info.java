/**
 * Usage reports read from the store that enforces the limits: {@link
 * dev.quota4j.reports.UsageReports} and its row types, written as CSV by {@link
 * dev.quota4j.reports.Csv}.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.reports;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
