package dev.quota4j.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one jtokkit registry of the JVM. jtokkit's lazy registry loads an encoding on its first
 * request, once, under a lock of its concurrent map; this class remembers each loaded encoding so
 * that a count costs one volatile read, not a map lookup.
 */
final class SharedEncodings {
  static { // first: on the module path, this module must read jtokkit before the registry exists
    JtokkitModule.ensureReadable();
  }

  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  private static final Map<TokenEncoding, Loaded> LOADED = loaded();

  private SharedEncodings() {}

  private static Map<TokenEncoding, Loaded> loaded() {
    Map<TokenEncoding, Loaded> m = new EnumMap<>(TokenEncoding.class);
    for (TokenEncoding e : TokenEncoding.values()) {
      m.put(e, new Loaded());
    }
    return Collections.unmodifiableMap(m);
  }

  static Encoding get(TokenEncoding encoding) {
    Loaded slot = Objects.requireNonNull(LOADED.get(encoding));
    Encoding loaded = slot.encoding;
    if (loaded == null) {
      loaded = REGISTRY.getEncoding(encoding.type());
      slot.encoding = loaded;
    }
    return loaded;
  }

  /** Whether {@code encoding} has been loaded in this JVM. */
  static boolean isLoaded(TokenEncoding encoding) {
    return Objects.requireNonNull(LOADED.get(encoding)).encoding != null;
  }

  /** One encoding, once loaded; the registry guarantees one load, so a race only re-reads it. */
  private static final class Loaded {
    volatile @Nullable Encoding encoding;
  }
}
