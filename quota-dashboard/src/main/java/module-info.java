/** quota4j dashboard: one self-contained HTML page of a store's usage, and an HTTP handler. */
module dev.quota4j.dashboard {
  requires transitive dev.quota4j.core;
  requires transitive jdk.httpserver;

  exports dev.quota4j.dashboard;
}
