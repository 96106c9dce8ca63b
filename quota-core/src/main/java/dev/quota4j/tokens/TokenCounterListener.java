package dev.quota4j.tokens;

/**
 * Hears what a {@link JtokkitTokenCounter} could not do exactly. Called on the counting thread;
 * must be quick and thread-safe. An exception it throws is logged and otherwise ignored: counting
 * goes on.
 */
@FunctionalInterface
public interface TokenCounterListener {

  /**
   * No tokenizer is known for {@code model}; its text is counted with {@code fallback}. Called once
   * per model name and counter (for the first 1,024 distinct names; after that, on every call with
   * a name not yet seen).
   *
   * @param model the model name as the caller gave it
   * @param fallback the encoding used instead
   */
  void unknownModel(String model, TokenEncoding fallback);
}
