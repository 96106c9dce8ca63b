/**
 * Micrometer meters for quota4j: {@link dev.quota4j.micrometer.QuotaMetrics} (a {@code MeterBinder}
 * and a {@code QuotaListener}) and {@link dev.quota4j.micrometer.TimedQuotaStore}, which times
 * every store call.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.micrometer;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
