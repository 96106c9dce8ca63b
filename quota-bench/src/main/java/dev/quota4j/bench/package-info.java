/** JMH benchmarks and measurements of quota4j. Not part of the library. */
@NullMarked
package dev.quota4j.bench;

import org.jspecify.annotations.NullMarked;
