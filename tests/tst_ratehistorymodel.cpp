// RateHistoryModel under QAbstractItemModelTester: per-second counts by class, the 2-minute window,
// latency percentiles.
#include "ratehistorymodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {
constexpr qint64 T0 = 1'700'000'000; // a second since the epoch

RequestRecord answered(qint64 second, int status, qint64 latencyUs = 1000)
{
    RequestRecord r;
    r.receivedMs = second * 1000 + 100;
    r.latencyUs = latencyUs;
    r.status = status;
    return r;
}
} // namespace

class TestRateHistoryModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsEachClassInItsSecond();
    void windowKeepsTheLastSeconds();
    void longPauseReplacesTheWindow();
    void percentilesOfLatency();
    void recordsBeforeTheWindowAreIgnored();
};

void TestRateHistoryModel::countsEachClassInItsSecond()
{
    RateHistoryModel model(120);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch({ answered(T0, 200), answered(T0, 200), answered(T0, 500), answered(T0, 429),
        answered(T0 + 1, 500), answered(T0 + 2, 404) });
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.at(0).second, T0);
    QCOMPARE(model.index(0, RateHistoryModel::OkColumn).data().toInt(), 2);
    QCOMPARE(model.index(0, RateHistoryModel::FailedColumn).data().toInt(), 1);
    QCOMPARE(model.index(0, RateHistoryModel::RejectedColumn).data().toInt(), 1);
    QCOMPARE(model.index(1, RateHistoryModel::FailedColumn).data().toInt(), 1);
    QCOMPARE(model.index(2, RateHistoryModel::RejectedColumn).data().toInt(), 1);

    // A record answered in the next second (received late in this one) counts there.
    model.appendBatch({ answered(T0 + 2, 200, 950'000) });
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(3, RateHistoryModel::OkColumn).data().toInt(), 1);
}

void TestRateHistoryModel::windowKeepsTheLastSeconds()
{
    RateHistoryModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.advanceTo(T0);
    model.appendBatch({ answered(T0, 500) });
    model.advanceTo(T0 + 25); // idle seconds are rows too, with zeros
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.at(0).second, T0 + 16);
    QCOMPARE(model.lastSecond(), T0 + 25);
    QCOMPARE(inserted.count(), 2); // one per call
    QCOMPARE(removed.count(), 1);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.index(row, RateHistoryModel::FailedColumn).data().toInt(), 0);
    model.advanceTo(T0 + 20); // the clock never goes back
    QCOMPARE(model.lastSecond(), T0 + 25);
}

void TestRateHistoryModel::longPauseReplacesTheWindow()
{
    RateHistoryModel model(120);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.advanceTo(T0);
    model.advanceTo(T0 + 100'000); // no 100,000 inserted rows: only the window's worth
    QCOMPARE(model.rowCount(), 120);
    QCOMPARE(model.at(0).second, T0 + 100'000 - 119);
}

void TestRateHistoryModel::percentilesOfLatency()
{
    RateHistoryModel model(120);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RequestRecordBatch batch;
    for (int i = 1; i <= 100; ++i)
        batch.append(answered(T0, 200, i * 1000)); // 1 .. 100 ms, answered within T0
    model.appendBatch(batch);
    // While the second is open, the figures come from what it has so far.
    QCOMPARE(model.index(0, RateHistoryModel::P50Column).data().toDouble(), 51.0);
    QCOMPARE(model.index(0, RateHistoryModel::P99Column).data().toDouble(), 100.0);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.advanceTo(T0 + 10); // finished: reduced to its percentiles
    QVERIFY(model.at(0).finished);
    QVERIFY(model.at(0).latenciesUs.empty());
    QVERIFY(!changed.isEmpty());
    QCOMPARE(model.index(0, RateHistoryModel::P50Column).data().toDouble(), 51.0);
    QCOMPARE(model.index(0, RateHistoryModel::P99Column).data().toDouble(), 100.0);
    QCOMPARE(model.index(1, RateHistoryModel::P50Column).data().toDouble(), -1.0); // no sample
}

void TestRateHistoryModel::recordsBeforeTheWindowAreIgnored()
{
    RateHistoryModel model(5);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.advanceTo(T0 + 100);
    model.appendBatch({ answered(T0, 200) });
    int total = 0;
    for (int row = 0; row < model.rowCount(); ++row)
        total += model.index(row, RateHistoryModel::OkColumn).data().toInt();
    QCOMPARE(total, 0);
}

QTEST_GUILESS_MAIN(TestRateHistoryModel)
#include "tst_ratehistorymodel.moc"
