package dev.quota4j.tokens;

import com.knuddels.jtokkit.api.EncodingType;

/**
 * Makes jtokkit readable to this module when quota4j runs on the module path.
 *
 * <p>jtokkit's jar has no module descriptor and no {@code Automatic-Module-Name}: on the module
 * path its name comes from the file name ({@code jtokkit} for {@code jtokkit-1.1.0.jar}), and would
 * change with the file's name or with a later jtokkit that names itself. A published module
 * descriptor that {@code requires} such a name breaks when it changes, so {@code dev.quota4j.core}
 * does not name jtokkit at all. Instead, before the first jtokkit class is used, it finds jtokkit
 * through its own class loader, in whatever module holds it (the unnamed module when jtokkit is on
 * the class path, an automatic module of any name on the module path), and adds a read edge to it,
 * which a module may always do for itself ({@link Module#addReads}). On the class path this does
 * nothing.
 */
final class JtokkitModule {
  private static final String PROBE = "com.knuddels.jtokkit.Encodings";

  private JtokkitModule() {}

  /**
   * Adds the read edge from this module to jtokkit's, if it is missing.
   *
   * @throws IllegalStateException when this module is named and jtokkit cannot be found
   */
  static void ensureReadable() {
    Module self = JtokkitModule.class.getModule();
    if (!self.isNamed()) {
      return;
    }
    Class<?> probe;
    try {
      probe = Class.forName(PROBE, false, JtokkitModule.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "quota4j counts tokens with jtokkit (com.knuddels:jtokkit), which module "
              + self.getName()
              + " cannot find: put the jtokkit jar on the class path, or on the module path and"
              + " resolve it (--add-modules jtokkit, or requires jtokkit in your own module)",
          e);
    }
    Module jtokkit = probe.getModule();
    if (!self.canRead(jtokkit)) {
      self.addReads(jtokkit);
    }
  }

  /** jtokkit's name for {@code encoding}. */
  static EncodingType type(TokenEncoding encoding) {
    return switch (encoding) {
      case CL100K_BASE -> EncodingType.CL100K_BASE;
      case O200K_BASE -> EncodingType.O200K_BASE;
    };
  }
}
