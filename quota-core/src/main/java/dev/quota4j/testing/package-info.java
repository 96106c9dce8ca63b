/**
 * Fakes for host applications' unit tests: a clock the test moves, a token counter with fixed
 * answers and a listener that records what it heard. Use them with {@link
 * dev.quota4j.memory.InMemoryQuotaStore}.
 */
@NullMarked
@CheckReturnValue
package dev.quota4j.testing;

import com.google.errorprone.annotations.CheckReturnValue;
import org.jspecify.annotations.NullMarked;
