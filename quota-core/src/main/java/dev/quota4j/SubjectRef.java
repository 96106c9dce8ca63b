package dev.quota4j;

import dev.quota4j.internal.Checks;

/**
 * A subject: its kind and its id. Ids are 1 to 255 characters and not blank.
 *
 * @param kind the kind of subject
 * @param id the id, unique within its kind
 */
public record SubjectRef(SubjectKind kind, String id) implements Comparable<SubjectRef> {

  /** The single system-wide subject. */
  public static final SubjectRef SYSTEM = new SubjectRef(SubjectKind.SYSTEM, "system");

  /** Validates the id. */
  public SubjectRef {
    Checks.id(IdFields.NAMES[kind.ordinal()], id);
  }

  /**
   * The field name of each kind's id in error messages ("user id", "api_key id"...), made once: in
   * a holder class, since {@link #SYSTEM} is built before this class's own statics.
   */
  private static final class IdFields {
    static final String[] NAMES = new String[SubjectKind.values().length];

    static {
      for (SubjectKind k : SubjectKind.values()) {
        NAMES[k.ordinal()] = k.name().toLowerCase(java.util.Locale.ROOT) + " id";
      }
    }
  }

  /** A signed-in user. */
  public static SubjectRef user(String id) {
    return new SubjectRef(SubjectKind.USER, id);
  }

  /** An anonymous session. */
  public static SubjectRef anonymous(String sessionId) {
    return new SubjectRef(SubjectKind.ANONYMOUS, sessionId);
  }

  /** An API key of the host application. */
  public static SubjectRef apiKey(String id) {
    return new SubjectRef(SubjectKind.API_KEY, id);
  }

  /** An upstream provider credential. */
  public static SubjectRef providerKey(String id) {
    return new SubjectRef(SubjectKind.PROVIDER_KEY, id);
  }

  /** A tenant or team. */
  public static SubjectRef tenant(String id) {
    return new SubjectRef(SubjectKind.TENANT, id);
  }

  /** One workflow run. */
  public static SubjectRef workflow(String id) {
    return new SubjectRef(SubjectKind.WORKFLOW, id);
  }

  @Override
  public int compareTo(SubjectRef o) {
    int c = kind.compareTo(o.kind);
    return c != 0 ? c : id.compareTo(o.id);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + Checks.show(id);
  }
}
