package dev.quota4j.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * The one jtokkit registry of the JVM. jtokkit's lazy registry loads an encoding on its first
 * request, once, under a lock of its concurrent map; this class remembers each loaded encoding so
 * that a count costs one array read, not a map lookup.
 */
final class SharedEncodings {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  private static final AtomicReferenceArray<@Nullable Encoding> LOADED =
      new AtomicReferenceArray<>(TokenEncoding.values().length);

  private SharedEncodings() {}

  static Encoding get(TokenEncoding encoding) {
    Encoding loaded = LOADED.get(encoding.ordinal());
    if (loaded == null) {
      loaded = REGISTRY.getEncoding(encoding.type());
      LOADED.set(encoding.ordinal(), loaded);
    }
    return loaded;
  }

  /** Whether {@code encoding} has been loaded in this JVM. */
  static boolean isLoaded(TokenEncoding encoding) {
    return LOADED.get(encoding.ordinal()) != null;
  }
}
