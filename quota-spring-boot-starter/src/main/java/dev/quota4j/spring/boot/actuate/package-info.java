/** Actuator support: the {@code quota4j} health indicator and endpoint. */
@NullMarked
package dev.quota4j.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
