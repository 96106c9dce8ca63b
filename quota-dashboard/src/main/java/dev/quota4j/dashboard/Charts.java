package dev.quota4j.dashboard;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Inline SVG charts and the page's number formats. Every chart is an {@code <svg class="chart">}
 * whose {@code data-chart} names it and whose {@code data-points} says how many points it has;
 * every point is an element of class {@code point} with {@code data-key} and {@code data-value}
 * (the exact figure, not the drawn length), so that a test reads the figures back from the page a
 * browser built.
 */
final class Charts {
  private Charts() {}

  /** One bar: its key, the label shown, its length's measure, the exact value, the text shown. */
  record Bar(
      String key,
      String label,
      double measure,
      String value,
      String text,
      String css,
      Map<String, String> data) {}

  /** One column of a time series. */
  record Column(String key, String label, double measure, String value, String tip, String css) {}

  private static final int BAR_WIDTH = 660;
  private static final int LABEL = 230;
  private static final int BAR_AREA = 230;
  private static final int ROW = 24;

  /** A horizontal bar chart; bars are as long as their measure against {@code max}. */
  static String bars(String name, String caption, List<Bar> bars, double max) {
    StringBuilder s = new StringBuilder();
    int height = Math.max(ROW, bars.size() * ROW) + 6;
    open(s, name, caption, bars.size(), BAR_WIDTH, height);
    if (bars.isEmpty()) {
      empty(s, BAR_WIDTH, height);
    }
    double top = max > 0 ? max : 1;
    for (int i = 0; i < bars.size(); i++) {
      Bar b = bars.get(i);
      int y = 3 + i * ROW;
      double w = b.measure() <= 0 ? 0 : Math.max(1.5, Math.min(1.0, b.measure() / top) * BAR_AREA);
      s.append("<g><title>").append(escape(b.label() + ": " + b.text())).append("</title>");
      s.append("<text class=\"label\" x=\"")
          .append(LABEL - 8)
          .append("\" y=\"")
          .append(y + 16)
          .append("\" text-anchor=\"end\">")
          .append(escape(shorten(b.label(), 32)))
          .append("</text>");
      s.append("<rect class=\"point ")
          .append(b.css())
          .append("\" x=\"")
          .append(LABEL)
          .append("\" y=\"")
          .append(y + 3)
          .append("\" width=\"")
          .append(fmt(w))
          .append("\" height=\"")
          .append(ROW - 6)
          .append("\" rx=\"3\" data-key=\"")
          .append(escape(b.key()))
          .append("\" data-value=\"")
          .append(escape(b.value()))
          .append('"');
      b.data().forEach((k, v) -> attr(s, "data-" + k, v));
      s.append("/>");
      s.append("<text class=\"value\" x=\"")
          .append(fmt(LABEL + w + 6))
          .append("\" y=\"")
          .append(y + 16)
          .append("\">")
          .append(escape(b.text()))
          .append("</text></g>");
    }
    return s.append("</svg>").toString();
  }

  private static final int SERIES_WIDTH = 1160;
  private static final int SERIES_HEIGHT = 220;
  private static final int LEFT = 64;
  private static final int BOTTOM = 24;

  /**
   * A column chart of a series, with a dashed line at {@code cap} when it is above zero; every
   * {@code labelEvery}-th column is labelled under the axis.
   */
  static String columns(
      String name,
      String caption,
      List<Column> columns,
      double cap,
      String capText,
      int labelEvery) {
    StringBuilder s = new StringBuilder();
    open(s, name, caption, columns.size(), SERIES_WIDTH, SERIES_HEIGHT);
    if (columns.isEmpty()) {
      empty(s, SERIES_WIDTH, SERIES_HEIGHT);
      return s.append("</svg>").toString();
    }
    double max = Math.max(cap, columns.stream().mapToDouble(Column::measure).max().orElse(0));
    double top = max > 0 ? max * 1.08 : 1;
    int plot = SERIES_HEIGHT - BOTTOM - 8;
    double slot = (SERIES_WIDTH - LEFT - 8) / (double) columns.size();
    // axis: zero and the top
    s.append("<line class=\"axis\" x1=\"")
        .append(LEFT)
        .append("\" x2=\"")
        .append(SERIES_WIDTH - 8)
        .append("\" y1=\"")
        .append(8 + plot)
        .append("\" y2=\"")
        .append(8 + plot)
        .append("\"/>");
    s.append("<text class=\"tick\" x=\"")
        .append(LEFT - 6)
        .append("\" y=\"")
        .append(8 + plot)
        .append("\" text-anchor=\"end\">0</text>");
    for (int i = 0; i < columns.size(); i++) {
      Column c = columns.get(i);
      double h = c.measure() <= 0 ? 0 : Math.max(1.5, c.measure() / top * plot);
      double x = LEFT + i * slot + slot * 0.12;
      s.append("<g><title>").append(escape(c.tip())).append("</title>");
      s.append("<rect class=\"point ")
          .append(c.css())
          .append("\" x=\"")
          .append(fmt(x))
          .append("\" y=\"")
          .append(fmt(8 + plot - h))
          .append("\" width=\"")
          .append(fmt(slot * 0.76))
          .append("\" height=\"")
          .append(fmt(h))
          .append("\" data-key=\"")
          .append(escape(c.key()))
          .append("\" data-value=\"")
          .append(escape(c.value()))
          .append("\"/></g>");
      if (i % labelEvery == 0) {
        s.append("<text class=\"tick\" x=\"")
            .append(fmt(x + slot * 0.38))
            .append("\" y=\"")
            .append(SERIES_HEIGHT - 6)
            .append("\" text-anchor=\"middle\">")
            .append(escape(c.label()))
            .append("</text>");
      }
    }
    if (cap > 0) {
      double y = 8 + plot - cap / top * plot;
      s.append("<line class=\"cap\" x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(SERIES_WIDTH - 8)
          .append("\" y1=\"")
          .append(fmt(y))
          .append("\" y2=\"")
          .append(fmt(y))
          .append("\"/>");
      s.append("<text class=\"tick cap-label\" x=\"")
          .append(LEFT - 6)
          .append("\" y=\"")
          .append(fmt(y + 4))
          .append("\" text-anchor=\"end\">")
          .append(escape(capText))
          .append("</text>");
    } else {
      s.append("<text class=\"tick\" x=\"")
          .append(LEFT - 6)
          .append("\" y=\"16\" text-anchor=\"end\">")
          .append(escape(compact(max)))
          .append("</text>");
    }
    return s.append("</svg>").toString();
  }

  private static void open(
      StringBuilder s, String name, String caption, int points, int width, int height) {
    s.append("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\"");
    attr(s, "data-chart", name);
    attr(s, "data-points", Integer.toString(points));
    attr(s, "aria-label", caption);
    s.append(" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\">");
  }

  private static void empty(StringBuilder s, int width, int height) {
    s.append("<text class=\"none\" x=\"")
        .append(width / 2)
        .append("\" y=\"")
        .append(Math.min(height - 6, height / 2 + 4))
        .append("\" text-anchor=\"middle\">nothing in this range</text>");
  }

  private static void attr(StringBuilder s, String name, String value) {
    s.append(' ').append(name).append("=\"").append(escape(value)).append('"');
  }

  /** Text for HTML and SVG content and attribute values. */
  static String escape(String text) {
    StringBuilder s = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> s.append("&amp;");
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> s.append(c);
      }
    }
    return s.toString();
  }

  private static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "\u2026";
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** A whole number with thousands separators: {@code 12,345}. */
  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** A large number in short form for an axis: {@code 60k}, {@code 1.2M}. */
  static String compact(double n) {
    if (n >= 1_000_000) {
      return String.format(Locale.ROOT, "%.1fM", n / 1_000_000);
    }
    if (n >= 1_000) {
      return String.format(Locale.ROOT, "%.0fk", n / 1_000);
    }
    return String.format(Locale.ROOT, "%.0f", n);
  }

  /** Money in dollars to the cent, {@code $1,234.56}; a positive amount under a cent as such. */
  static String money(BigDecimal amount) {
    if (amount.signum() > 0 && amount.compareTo(new BigDecimal("0.005")) < 0) {
      return "<$0.01";
    }
    return String.format(Locale.ROOT, "$%,.2f", amount.setScale(2, RoundingMode.HALF_UP));
  }

  /** A percentage with one decimal place: {@code 12.5 %}. */
  static String percent(@Nullable BigDecimal p) {
    return p == null ? "no cap" : p.setScale(1, RoundingMode.HALF_UP).toPlainString() + " %";
  }
}
