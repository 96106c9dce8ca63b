/** A Spring Boot service that calls a fake LLM through quota4j. */
@NullMarked
package dev.quota4j.example;

import org.jspecify.annotations.NullMarked;
