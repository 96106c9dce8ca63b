package dev.quota4j.tokens;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable list of model patterns and their values, most specific pattern first. A name is
 * looked up as written and then by the part after its last slash ({@code openai/gpt-4o} → {@code
 * gpt-4o}).
 */
final class PatternTable<T> {
  private final List<ModelPattern> patterns;
  private final List<T> values;

  PatternTable(Map<ModelPattern, T> table) {
    List<ModelPattern> sorted = new ArrayList<>(table.keySet());
    sorted.sort(ModelPattern.MOST_SPECIFIC_FIRST);
    List<T> vs = new ArrayList<>(sorted.size());
    for (ModelPattern p : sorted) {
      vs.add(table.get(p));
    }
    this.patterns = List.copyOf(sorted);
    this.values = List.copyOf(vs);
  }

  /** The value of the most specific pattern matching {@code model}, or null. */
  @Nullable T find(String model) {
    String lower = model.toLowerCase(Locale.ROOT); // no copy when already lower case
    int i = firstMatch(lower, 0);
    if (i < 0) {
      int slash = lower.lastIndexOf('/');
      if (slash >= 0 && slash < lower.length() - 1) {
        i = firstMatch(lower, slash + 1);
      }
    }
    return i < 0 ? null : values.get(i);
  }

  private int firstMatch(String lowerCaseModel, int from) {
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matchesLowerCase(lowerCaseModel, from)) {
        return i;
      }
    }
    return -1;
  }

  List<ModelPattern> patterns() {
    return patterns;
  }

  List<T> values() {
    return values;
  }
}
