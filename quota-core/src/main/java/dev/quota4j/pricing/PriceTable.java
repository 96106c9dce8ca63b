package dev.quota4j.pricing;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import dev.quota4j.tokens.ModelPattern;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Model prices looked up by name and date. Immutable and thread-safe.
 *
 * <p>Each price belongs to a {@link ModelPattern}: an exact name ({@code gpt-4o}) or a family
 * ({@code gpt-4o-2*} for the dated snapshots). {@link #find} takes the most specific pattern that
 * matches the name (case ignored) and has a price in effect on the request's day (UTC): the price
 * with the latest {@code effectiveFrom} on or before that day. When the most specific pattern has
 * no price yet on that day, the next less specific one is tried. When nothing matches, or the call
 * names no model, the {@link UnknownModelPolicy} decides: deny, a default price, or zero with a
 * warning (the default).
 *
 * <p>{@link #defaults()} is the bundled table {@code dev/quota4j/pricing/default-prices.csv}: list
 * prices of widely used OpenAI, Anthropic, Groq-hosted and Hugging Face models in US dollars, with
 * its as-of date ({@link #asOf()}). Prices change; a host replaces the table with its own file in
 * the same format ({@link #load(Path)}, {@link Builder#load(InputStream)}) or adds to it ({@code
 * PriceTable.builder().addDefaults().price(...)}). The format:
 *
 * <pre>
 * # a comment
 * as-of: 2025-11-24
 * # pattern(s) separated by |, input, output, cached input (per 1M tokens), effective from
 * gpt-4o|gpt-4o-2*, 2.50, 10.00, 1.25, 2024-10-02
 * # optionally a cache-write price before the date (else cache writes cost the input price)
 * claude-sonnet-4-5|claude-sonnet-4-5-2*, 3.00, 15.00, 0.30, 3.75, 2025-09-29
 * </pre>
 *
 * <p>The table prices text tokens, prompt-cache reads and prompt-cache writes (the bundled table
 * prices Anthropic's writes at its 5-minute rate, 1.25× the input price; 1-hour writes cost 2×). It
 * does not model batch discounts, long-context tiers, or audio and image tokens.
 */
public final class PriceTable implements ModelPricing {
  static final String DEFAULT_RESOURCE = "default-prices.csv";

  private final List<ModelPattern> patterns; // most specific first
  private final List<List<ModelPrice>> prices; // per pattern, by effectiveFrom ascending
  private final UnknownModelPolicy unknownModels;
  private final @Nullable LocalDate asOf;

  private PriceTable(Builder b) {
    List<ModelPattern> ps = new ArrayList<>();
    List<List<ModelPrice>> vs = new ArrayList<>();
    b.prices.forEach(
        (pattern, byDate) -> {
          ps.add(pattern);
          vs.add(List.copyOf(byDate.values()));
        });
    this.patterns = List.copyOf(ps);
    this.prices = List.copyOf(vs);
    this.unknownModels = b.unknownModels;
    this.asOf = b.asOf;
  }

  /** The bundled default table, loaded once; unknown models are priced at zero with a warning. */
  public static PriceTable defaults() {
    return Defaults.TABLE;
  }

  /** An empty builder; unknown models are priced at zero with a warning unless set otherwise. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A table read from a file in the format of {@link PriceTable}.
   *
   * @throws IllegalArgumentException naming the line when the file is malformed
   * @throws UncheckedIOException when the file cannot be read
   */
  public static PriceTable load(Path file) {
    return builder().load(file).build();
  }

  /** A table read from a stream in the format of {@link PriceTable}; the stream is not closed. */
  public static PriceTable load(InputStream in) {
    return builder().load(in).build();
  }

  /** A builder that starts with this table's prices, policy and as-of date. */
  public Builder toBuilder() {
    Builder b = new Builder();
    prices.forEach(list -> list.forEach(b::price));
    b.unknownModels = unknownModels;
    b.asOf = asOf;
    return b;
  }

  @Override
  public Optional<ModelPrice> find(String model, Instant at) {
    Checks.id("model", model);
    Checks.argument(at != null, "at", "must not be null", "null");
    LocalDate day = LocalDate.ofInstant(at, ZoneOffset.UTC);
    String lower = model.toLowerCase(Locale.ROOT); // matches() then copies nothing
    for (int i = 0; i < patterns.size(); i++) {
      if (patterns.get(i).matches(lower)) {
        ModelPrice p = inEffect(prices.get(i), day);
        if (p != null) {
          return Optional.of(p);
        }
      }
    }
    return unknownModels.defaultPrice();
  }

  private static @Nullable ModelPrice inEffect(List<ModelPrice> byDate, LocalDate day) {
    for (int j = byDate.size() - 1; j >= 0; j--) {
      ModelPrice p = byDate.get(j);
      if (!p.effectiveFrom().isAfter(day)) {
        return p;
      }
    }
    return null;
  }

  /** The default price for unknown models, if the table has one; see {@link UnknownModelPolicy}. */
  @Override
  public Optional<ModelPrice> findUnnamed(Instant at) {
    Checks.argument(at != null, "at", "must not be null", "null");
    return unknownModels.defaultPrice();
  }

  @Override
  public boolean denyUnknownModels() {
    return unknownModels.kind() == UnknownModelPolicy.Kind.DENY;
  }

  /** What happens to models this table has no price for. */
  public UnknownModelPolicy unknownModelPolicy() {
    return unknownModels;
  }

  /** The day the table's prices were last known correct, when the table says so. */
  public Optional<LocalDate> asOf() {
    return Optional.ofNullable(asOf);
  }

  /** Every price, most specific pattern first, each pattern's prices oldest first. */
  public List<ModelPrice> prices() {
    List<ModelPrice> all = new ArrayList<>();
    prices.forEach(all::addAll);
    return List.copyOf(all);
  }

  @Override
  public String toString() {
    return "PriceTable["
        + patterns.size()
        + " patterns, as of "
        + (asOf == null ? "unknown" : asOf)
        + ", unknown models: "
        + unknownModels
        + "]";
  }

  private static final class Defaults {
    static final PriceTable TABLE = builder().addDefaults().build();
  }

  /** Builds a {@link PriceTable}. Not thread-safe. */
  public static final class Builder {
    private final Map<ModelPattern, TreeMap<LocalDate, ModelPrice>> prices =
        new TreeMap<>(ModelPattern.MOST_SPECIFIC_FIRST);
    private UnknownModelPolicy unknownModels = UnknownModelPolicy.zeroWithWarning();
    private @Nullable LocalDate asOf;

    private Builder() {}

    /**
     * Adds a price for the pattern in {@link ModelPrice#model()}.
     *
     * @throws IllegalArgumentException if the pattern is invalid or already has a price with the
     *     same {@code effectiveFrom}
     */
    @CanIgnoreReturnValue
    public Builder price(ModelPrice price) {
      Checks.argument(price != null, "price", "must not be null", "null");
      ModelPattern pattern = ModelPattern.parse(price.model());
      ModelPrice previous =
          prices
              .computeIfAbsent(pattern, k -> new TreeMap<>(Comparator.naturalOrder()))
              .putIfAbsent(price.effectiveFrom(), price);
      Checks.argument(
          previous == null,
          "price of " + pattern,
          "must have one price per effective date, has two on " + price.effectiveFrom(),
          price.model());
      return this;
    }

    /** Adds a price for {@code pattern}, per million tokens, from {@code effectiveFrom} on. */
    @CanIgnoreReturnValue
    public Builder price(
        String pattern,
        String inputPerMillion,
        String outputPerMillion,
        String cachedInputPerMillion,
        LocalDate effectiveFrom) {
      return price(
          new ModelPrice(
              pattern,
              PriceTableFormat.decimal("inputPerMillion", inputPerMillion),
              PriceTableFormat.decimal("outputPerMillion", outputPerMillion),
              PriceTableFormat.decimal("cachedInputPerMillion", cachedInputPerMillion),
              effectiveFrom));
    }

    /**
     * Adds a price for {@code pattern} with a cache-write price, per million tokens, from {@code
     * effectiveFrom} on.
     */
    @CanIgnoreReturnValue
    public Builder price(
        String pattern,
        String inputPerMillion,
        String outputPerMillion,
        String cachedInputPerMillion,
        String cacheWritePerMillion,
        LocalDate effectiveFrom) {
      return price(
          new ModelPrice(
              pattern,
              PriceTableFormat.decimal("inputPerMillion", inputPerMillion),
              PriceTableFormat.decimal("outputPerMillion", outputPerMillion),
              PriceTableFormat.decimal("cachedInputPerMillion", cachedInputPerMillion),
              PriceTableFormat.decimal("cacheWritePerMillion", cacheWritePerMillion),
              effectiveFrom));
    }

    /** Adds the bundled default prices and takes their as-of date. */
    @CanIgnoreReturnValue
    public Builder addDefaults() {
      try (InputStream in = PriceTable.class.getResourceAsStream(DEFAULT_RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(
              "the bundled price table " + DEFAULT_RESOURCE + " is missing from quota-core");
        }
        return load(in, DEFAULT_RESOURCE);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the bundled price table", e);
      }
    }

    /**
     * Adds the prices of a file in the format of {@link PriceTable}; its {@code as-of} line, if
     * any, replaces the as-of date.
     */
    @CanIgnoreReturnValue
    public Builder load(Path file) {
      Checks.argument(file != null, "file", "must not be null", "null");
      try (InputStream in = Files.newInputStream(file)) {
        return load(in, file.toString());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the price table " + file, e);
      }
    }

    /**
     * Adds the prices of a stream in the format of {@link PriceTable}; the stream is not closed.
     */
    @CanIgnoreReturnValue
    public Builder load(InputStream in) {
      Checks.argument(in != null, "in", "must not be null", "null");
      return load(in, "price table");
    }

    private Builder load(InputStream in, String source) {
      LocalDate fileAsOf = PriceTableFormat.parse(in, source, this::price);
      if (fileAsOf != null) {
        asOf = fileAsOf;
      }
      return this;
    }

    /**
     * What happens to models with no price. Default: {@link UnknownModelPolicy#zeroWithWarning}.
     */
    @CanIgnoreReturnValue
    public Builder onUnknownModel(UnknownModelPolicy policy) {
      Checks.argument(policy != null, "onUnknownModel", "must not be null", "null");
      this.unknownModels = policy;
      return this;
    }

    /** The day the prices were last known correct. */
    @CanIgnoreReturnValue
    public Builder asOf(LocalDate day) {
      Checks.argument(day != null, "asOf", "must not be null", "null");
      this.asOf = day;
      return this;
    }

    /** The table. */
    public PriceTable build() {
      return new PriceTable(this);
    }
  }
}
