// RequestLog: records reach the window in batches; a waiting row is handed over only when its
// answer is not in the same batch (else it would appear and be replaced in one turn).
#include "webhook/requestlog.h"

#include <QSignalSpy>
#include <QTest>

class TestRequestLog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void waitingRowsOfAnsweredRequestsAreLeftOut();
    void waitingRowsStayWhileUnanswered();
};

static RequestRecord record(quint64 id, int status = 0)
{
    RequestRecord r;
    r.requestId = id;
    r.status = status;
    return r;
}

void TestRequestLog::waitingRowsOfAnsweredRequestsAreLeftOut()
{
    RequestLog log;
    QSignalSpy waiting(&log, &RequestLog::waitingReady);
    QSignalSpy answered(&log, &RequestLog::recordsReady);
    for (quint64 id = 1; id <= 4; ++id)
        log.appendWaiting(record(id));
    log.append(record(3, 200));
    log.append(record(1, 500));
    log.flush();
    QCOMPARE(waiting.count(), 1);
    const auto shown = waiting.at(0).at(0).value<RequestRecordBatch>();
    QCOMPARE(shown.size(), 2);
    QCOMPARE(shown.at(0).requestId, quint64(2));
    QCOMPARE(shown.at(1).requestId, quint64(4));
    QCOMPARE(answered.count(), 1);
    QCOMPARE(answered.at(0).at(0).value<RequestRecordBatch>().size(), 2);
    QCOMPARE(log.counters().requests, quint64(2)); // waiting rows are not counted
}

void TestRequestLog::waitingRowsStayWhileUnanswered()
{
    RequestLog log;
    QSignalSpy waiting(&log, &RequestLog::waitingReady);
    QSignalSpy answered(&log, &RequestLog::recordsReady);
    log.appendWaiting(record(7));
    log.flush(); // no answer yet: the row shows "waiting for PubAck"
    QCOMPARE(waiting.count(), 1);
    QCOMPARE(answered.count(), 0);
    log.append(record(7, 200));
    log.flush(); // its answer replaces it
    QCOMPARE(waiting.count(), 1);
    QCOMPARE(answered.count(), 1);
}

QTEST_GUILESS_MAIN(TestRequestLog)
#include "tst_requestlog.moc"
