package dev.quota4j.jdbc;

import dev.quota4j.spi.QuotaStore;
import dev.quota4j.testkit.ReportsContract;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The reports contract on one database: the shared workload in tables of its own, every other test
 * in a second set of tables emptied for it, and a second pool for "another instance". Both sets of
 * tables are dropped at the end.
 */
abstract class JdbcReportsTestBase extends ReportsContract {
  private @Nullable TestDatabase workload;
  private @Nullable TestDatabase scratch;

  abstract TestDatabase.Kind kind();

  @Override
  protected QuotaStore workloadStore() {
    TestDatabase d = TestDatabase.open(kind(), 8);
    workload = d;
    return d.freshStore();
  }

  @Override
  protected QuotaStore freshStore() {
    TestDatabase d = scratch;
    if (d == null) {
      d = TestDatabase.open(kind(), 8);
      scratch = d;
    }
    return d.freshStore();
  }

  @Override
  protected QuotaStore secondInstance(QuotaStore store) {
    TestDatabase d = scratch;
    if (d == null || !((JdbcQuotaStore) store).tablePrefix().equals(d.prefix)) {
      throw new IllegalStateException("a second instance is only made for scratch stores");
    }
    return d.storeOnAnotherPool();
  }

  @Override
  protected boolean compacts() {
    return true;
  }

  @Override
  protected int loadThreads() {
    return 4;
  }

  @Override
  protected void closeStores(List<QuotaStore> stores) {
    super.closeStores(stores);
    for (TestDatabase d : new TestDatabase[] {workload, scratch}) {
      if (d != null) {
        d.close();
      }
    }
  }
}
