package dev.quota4j.jdbc;

import dev.quota4j.SubjectRef;
import dev.quota4j.spi.EventQuery;
import dev.quota4j.spi.SubjectRecord;
import dev.quota4j.spi.UsageEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The subject directory and the ledger's events by subject or workflow, one transaction each. */
final class Directory {
  private final Db db;
  private final Sql sql;
  private final Rows rows;

  Directory(Db db, Sql sql, Rows rows) {
    this.db = db;
    this.sql = sql;
    this.rows = rows;
  }

  Optional<SubjectRecord> findSubject(SubjectRef subject) {
    return db
        .inTransaction(
            "find subject",
            tx ->
                tx.query(
                    sql.selectSubject(), rows::subjectRecord, subject.kind().name(), subject.id()))
        .stream()
        .findFirst();
  }

  SubjectRecord createSubjectIfAbsent(SubjectRecord record) {
    Object[] row = Rows.subjectRow(record);
    return db.inTransaction(
        "create subject",
        tx -> {
          tx.insertUnlessPresent(sql.insertSubjectUnlessPresent(), row);
          SubjectRecord stored =
              tx.first(
                  sql.selectSubject(),
                  rows::subjectRecord,
                  record.subject().kind().name(),
                  record.subject().id());
          return Objects.requireNonNull(stored, "subject vanished after insert");
        });
  }

  void saveSubject(SubjectRecord record) {
    Object[] row = Rows.subjectRow(record);
    db.inTransaction("save subject", tx -> tx.update(sql.upsertSubject(), row));
  }

  List<UsageEvent> findEvents(EventQuery query) {
    List<Object> params = new ArrayList<>();
    params.add(Times.clamped(query.from()));
    params.add(Times.clamped(query.to()));
    SubjectRef subject = query.subject();
    if (subject != null) {
      params.add(subject.kind().name());
      params.add(subject.id());
    }
    String workflow = query.workflowId();
    if (workflow != null) {
      params.add(workflow);
    }
    params.add(query.limit());
    if (query.from().equals(query.to())) {
      return List.of();
    }
    return db.inTransaction(
        "find events",
        tx ->
            tx.query(
                sql.selectEvents(subject != null, workflow != null),
                rows::event,
                params.toArray()));
  }
}
