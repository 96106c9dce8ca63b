/**
 * The storage SPI. The core owns the admission algorithm; a {@link dev.quota4j.spi.QuotaStore}
 * offers atomic primitives and reports what happened. Beta until 1.0: it may change in a minor
 * release.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.spi;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
