package dev.quota4j.jdbc;

/**
 * The reports contract on H2 with half of the workload compacted before the other half is written:
 * reports read rollups, events not rolled up, and late events together.
 */
class H2CompactedReportsTest extends H2ReportsTest {
  @Override
  protected boolean compactHalfway() {
    return true;
  }
}
