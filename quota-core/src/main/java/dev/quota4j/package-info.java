/** quota4j public API. */
@NullMarked
@CheckReturnValue
package dev.quota4j;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
