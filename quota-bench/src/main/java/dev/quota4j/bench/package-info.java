/** Benchmarks; never deployed. */
@NullMarked
package dev.quota4j.bench;

import org.jspecify.annotations.NullMarked;
