/** Token counting. */
@NullMarked
@CheckReturnValue
package dev.quota4j.tokens;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
