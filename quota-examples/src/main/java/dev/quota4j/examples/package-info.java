/** Runnable examples and the demo. */
@NullMarked
package dev.quota4j.examples;

import org.jspecify.annotations.NullMarked;
