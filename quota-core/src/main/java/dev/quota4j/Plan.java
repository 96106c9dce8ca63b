package dev.quota4j;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.quota4j.internal.Checks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A plan (tier): a named set of limits for the subjects on it, plus feature gates saying which
 * operations and models it allows.
 *
 * @param name the plan's name, such as {@code free} or {@code pro}
 * @param limits limits charged to each subject on the plan
 * @param allowedOperations if not empty, only these operations are allowed
 * @param deniedOperations these operations are not allowed
 * @param allowedModels if not empty, only models with these name prefixes are allowed
 * @param deniedModels models with these name prefixes are not allowed
 */
public record Plan(
    String name,
    List<Limit> limits,
    Set<String> allowedOperations,
    Set<String> deniedOperations,
    Set<String> allowedModels,
    Set<String> deniedModels) {

  /** Validates the name and that limit names are unique. */
  public Plan {
    Checks.id("plan name", name);
    limits = List.copyOf(limits);
    Set<String> names = new HashSet<>();
    for (Limit l : limits) {
      Checks.argument(
          names.add(l.name()),
          "limits of plan " + Checks.show(name),
          "must have unique names",
          l.name());
    }
    allowedOperations = Set.copyOf(allowedOperations);
    deniedOperations = Set.copyOf(deniedOperations);
    allowedModels = Set.copyOf(allowedModels);
    deniedModels = Set.copyOf(deniedModels);
    String gates = "feature gates of plan " + Checks.show(name);
    for (Set<String> gate :
        List.of(allowedOperations, deniedOperations, allowedModels, deniedModels)) {
      gate.forEach(g -> Checks.text(gates, g));
    }
  }

  /** A builder for a plan called {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Whether the plan allows this operation. */
  public boolean allowsOperation(@Nullable String operation) {
    if (operation == null) {
      return allowedOperations.isEmpty();
    }
    return (allowedOperations.isEmpty() || allowedOperations.contains(operation))
        && !deniedOperations.contains(operation);
  }

  /** Whether the plan allows this model. */
  public boolean allowsModel(@Nullable String model) {
    if (model == null) {
      return allowedModels.isEmpty();
    }
    if (allowedModels.isEmpty() && deniedModels.isEmpty()) {
      return true; // (no iterator on the admission path)
    }
    boolean allowed = allowedModels.isEmpty();
    for (String prefix : allowedModels) {
      allowed |= model.startsWith(prefix);
    }
    for (String prefix : deniedModels) {
      allowed &= !model.startsWith(prefix);
    }
    return allowed;
  }

  /** The limit called {@code limitName}, or null. */
  public @Nullable Limit limit(String limitName) {
    for (Limit l : limits) {
      if (l.name().equals(limitName)) {
        return l;
      }
    }
    return null;
  }

  /** Builds a {@link Plan}. */
  public static final class Builder {
    private final String name;
    private final List<Limit> limits = new ArrayList<>();
    private final Set<String> allowedOperations = new LinkedHashSet<>();
    private final Set<String> deniedOperations = new LinkedHashSet<>();
    private final Set<String> allowedModels = new LinkedHashSet<>();
    private final Set<String> deniedModels = new LinkedHashSet<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Adds a limit. */
    @CanIgnoreReturnValue
    public Builder limit(Limit limit) {
      limits.add(limit);
      return this;
    }

    /** Allows only these operations (and any added by later calls). */
    @CanIgnoreReturnValue
    public Builder allowOperations(String... operations) {
      allowedOperations.addAll(List.of(operations));
      return this;
    }

    /** Denies these operations. */
    @CanIgnoreReturnValue
    public Builder denyOperations(String... operations) {
      deniedOperations.addAll(List.of(operations));
      return this;
    }

    /** Allows only models with these name prefixes (and any added by later calls). */
    @CanIgnoreReturnValue
    public Builder allowModels(String... prefixes) {
      allowedModels.addAll(List.of(prefixes));
      return this;
    }

    /** Denies models with these name prefixes. */
    @CanIgnoreReturnValue
    public Builder denyModels(String... prefixes) {
      deniedModels.addAll(List.of(prefixes));
      return this;
    }

    /** Builds and validates the plan. */
    public Plan build() {
      return new Plan(
          name, limits, allowedOperations, deniedOperations, allowedModels, deniedModels);
    }
  }
}
