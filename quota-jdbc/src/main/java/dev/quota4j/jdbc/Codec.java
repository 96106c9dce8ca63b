package dev.quota4j.jdbc;

import java.util.ArrayList;
import java.util.List;

/**
 * Packs a list of strings into one column as {@code <length>:<text>} pieces. Exact for any text,
 * including separators and control characters, with no escaping rules to get wrong.
 */
final class Codec {
  private Codec() {}

  static String encode(List<String> fields) {
    StringBuilder out = new StringBuilder();
    for (String f : fields) {
      out.append(f.length()).append(':').append(f);
    }
    return out.toString();
  }

  static List<String> decode(String packed) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < packed.length()) {
      int colon = packed.indexOf(':', i);
      if (colon < 0) {
        throw new IllegalStateException("corrupt packed column at offset " + i);
      }
      int len = Integer.parseInt(packed, i, colon, 10);
      int end = colon + 1 + len;
      if (len < 0 || end > packed.length()) {
        throw new IllegalStateException("corrupt packed column at offset " + i);
      }
      out.add(packed.substring(colon + 1, end));
      i = end;
    }
    return out;
  }
}
