package dev.quota4j.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Runs an example with its output captured. */
final class Output<T> {
  final T result;
  final String text;

  private Output(T result, String text) {
    this.result = result;
    this.text = text;
  }

  static <T> Output<T> of(Function<PrintStream, T> example) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    T result;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      result = example.apply(out);
    }
    return new Output<>(result, bytes.toString(StandardCharsets.UTF_8));
  }
}
