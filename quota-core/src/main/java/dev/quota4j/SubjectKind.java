package dev.quota4j;

/** Who is charged. */
public enum SubjectKind {
  /** A signed-in end user. */
  USER,
  /** An API key of the host application. */
  API_KEY,
  /** An anonymous session, before sign-up. */
  ANONYMOUS,
  /** An upstream provider credential, such as {@code groq_1}. */
  PROVIDER_KEY,
  /** A tenant or team. */
  TENANT,
  /** One workflow run; carries the steps-per-workflow counter. */
  WORKFLOW,
  /** The single system-wide subject. */
  SYSTEM
}
