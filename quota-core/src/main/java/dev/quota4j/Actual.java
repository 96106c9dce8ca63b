package dev.quota4j;

/** What a call really used, priced. */
final class Actual {
  final Usage usage;
  final long characters;
  final long costMicros;

  Actual(Usage usage, long characters, long costMicros) {
    this.usage = usage;
    this.characters = characters;
    this.costMicros = costMicros;
  }

  long amount(Metric metric, Bound b) {
    if (b.limit.window() == Window.CONCURRENT) {
      return 1; // a workflow step
    }
    if (b.limit.window() == Window.IN_FLIGHT) {
      return 0; // settled: no longer in flight (used stays 0, the reserved 1 goes)
    }
    return switch (metric) {
      case TOKENS -> usage.totalTokens();
      case INPUT_TOKENS -> usage.inputTokens();
      case OUTPUT_TOKENS -> usage.outputTokens();
      case REQUESTS -> 1;
      case CHARACTERS -> characters;
      case COST -> costMicros;
    };
  }
}
