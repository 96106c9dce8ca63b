package dev.quota4j;

/** What admission does with a user or anonymous session that is not in the directory. */
public enum UnknownSubjects {
  /** Create it on the policy's default plan. The default. */
  AUTO_CREATE,
  /** Deny with {@link DenialCodes#USER_NOT_FOUND}. */
  DENY
}
