/** Model prices and exact costs. */
@NullMarked
@CheckReturnValue
package dev.quota4j.pricing;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
