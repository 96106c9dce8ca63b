package dev.quota4j.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the charts and their points back from a page, as written or as a browser serialized it. */
final class ChartPoints {
  private ChartPoints() {}

  /** One chart: its announced number of points and the points themselves. */
  record Chart(String name, int announced, List<Map<String, String>> points) {
    List<String> keys() {
      return points.stream().map(p -> p.get("key")).toList();
    }

    List<String> values() {
      return points.stream().map(p -> p.get("value")).toList();
    }

    Map<String, String> point(String key) {
      return points.stream()
          .filter(p -> key.equals(p.get("key")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no point " + key + " in " + this));
    }
  }

  private static final Pattern SVG = Pattern.compile("<svg [^>]*class=\"chart\"[^>]*>(.*?)</svg>");
  private static final Pattern RECT = Pattern.compile("<rect [^>]*class=\"point[ \"][^>]*>");
  private static final Pattern ATTR = Pattern.compile("([a-z-]+)=\"([^\"]*)\"");

  static Map<String, Chart> read(String html) {
    Map<String, Chart> charts = new LinkedHashMap<>();
    Matcher svg = SVG.matcher(html);
    while (svg.find()) {
      String open = svg.group().substring(0, svg.group().indexOf('>') + 1);
      Map<String, String> a = attrs(open);
      List<Map<String, String>> points = new ArrayList<>();
      Matcher rect = RECT.matcher(svg.group(1));
      while (rect.find()) {
        Map<String, String> p = new LinkedHashMap<>();
        attrs(rect.group())
            .forEach(
                (k, v) -> {
                  if (k.startsWith("data-")) {
                    p.put(k.substring(5), v);
                  }
                });
        points.add(p);
      }
      Chart c = new Chart(a.get("data-chart"), Integer.parseInt(a.get("data-points")), points);
      if (charts.put(c.name(), c) != null) {
        throw new AssertionError("two charts named " + c.name());
      }
    }
    return charts;
  }

  private static Map<String, String> attrs(String tag) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = ATTR.matcher(tag);
    while (m.find()) {
      out.put(m.group(1), m.group(2).replace("&amp;", "&").replace("&quot;", "\""));
    }
    return out;
  }
}
