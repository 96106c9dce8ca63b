/** The in-memory store: for single-instance applications and as a fake in unit tests. */
@NullMarked
@CheckReturnValue
package dev.quota4j.memory;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
