// RateHistoryModel under QAbstractItemModelTester: per-second counts by class, the 2-minute window,
// latency percentiles.
#include "ratechartview.h"
#include "ratehistorymodel.h"

#include <QXYSeries>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QValueAxis>

#include <cmath>

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
    void emptySecondsAreZeros();
    void outageSecondsAreMarked();
    void axisLabelsAreWholeAndDistinct_data();
    void axisLabelsAreWholeAndDistinct();
    void chartDrawsEverySecondAsAStep();
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

void TestRateHistoryModel::emptySecondsAreZeros()
{
    // Answers at T0 and T0 + 5 only: the four seconds between are rows of zeros, no latency.
    RateHistoryModel model(120);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch({ answered(T0, 200) });
    model.appendBatch({ answered(T0 + 5, 500) });
    QCOMPARE(model.rowCount(), 6);
    for (int row = 1; row < 5; ++row) {
        QCOMPARE(model.at(row).second, T0 + row);
        QCOMPARE(model.index(row, RateHistoryModel::OkColumn).data().toInt(), 0);
        QCOMPARE(model.index(row, RateHistoryModel::FailedColumn).data().toInt(), 0);
        QCOMPARE(model.index(row, RateHistoryModel::RejectedColumn).data().toInt(), 0);
        QVERIFY(model.index(row, RateHistoryModel::P50Column).data().toDouble() < 0); // no sample, not zero ms
    }
    QCOMPARE(model.index(5, RateHistoryModel::FailedColumn).data().toInt(), 1);
}

void TestRateHistoryModel::outageSecondsAreMarked()
{
    RateHistoryModel model(120);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.advanceTo(T0);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.markOutage(T0 + 2);
    model.markOutage(T0 + 2); // once per second is enough
    model.markOutage(T0 + 3);
    int outageChanges = 0;
    for (const QList<QVariant> &signal : std::as_const(changed))
        outageChanges += signal.at(1).toModelIndex().column() == RateHistoryModel::OutageColumn;
    QCOMPARE(outageChanges, 2);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(1, RateHistoryModel::OutageColumn).data().toBool(), false);
    QCOMPARE(model.index(2, RateHistoryModel::OutageColumn).data().toBool(), true);
    QCOMPARE(model.index(3, RateHistoryModel::OutageColumn).data().toBool(), true);
}

void TestRateHistoryModel::axisLabelsAreWholeAndDistinct_data()
{
    QTest::addColumn<double>("largest");
    QTest::addColumn<double>("max");
    QTest::addColumn<int>("ticks");
    QTest::addRow("nothing") << 0.0 << 1.0 << 2;
    QTest::addRow("one") << 1.0 << 1.0 << 2;
    QTest::addRow("three") << 3.0 << 3.0 << 4;
    QTest::addRow("seven") << 7.0 << 8.0 << 5;
    QTest::addRow("23") << 23.0 << 25.0 << 6;
    QTest::addRow("980") << 980.0 << 1000.0 << 6;
}

void TestRateHistoryModel::axisLabelsAreWholeAndDistinct()
{
    QFETCH(double, largest);
    QFETCH(double, max);
    QFETCH(int, ticks);
    const RateChartView::Scale scale = RateChartView::niceScale(largest);
    QCOMPARE(scale.max, max);
    QCOMPARE(scale.ticks, ticks);
    const double step = scale.max / (scale.ticks - 1); // every label a whole number, none repeated
    QCOMPARE(step, std::floor(step));
    QVERIFY(step >= 1);
}

void TestRateHistoryModel::chartDrawsEverySecondAsAStep()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    model.appendBatch({ answered(T0, 200), answered(T0, 200), answered(T0, 500) });
    model.appendBatch({ answered(T0 + 3, 200) }); // one lone second after two empty ones
    model.markOutage(T0 + 3);
    chart.redrawNow();
    const QList<QPointF> ok = chart.series(RateHistoryModel::OkColumn)->points();
    const QList<QPointF> failed = chart.series(RateHistoryModel::FailedColumn)->points(); // stacked on 2xx
    QCOMPARE(ok.size(), 2 * model.rowCount());
    // x: seconds before now; each second a flat step [x - 1, x].
    QCOMPARE(ok.at(0), QPointF(-4, 2));
    QCOMPARE(ok.at(1), QPointF(-3, 2));
    QCOMPARE(failed.at(0), QPointF(-4, 3));
    QCOMPARE(ok.at(2), QPointF(-3, 0)); // the empty seconds are zeros
    QCOMPARE(ok.at(4), QPointF(-2, 0));
    QCOMPARE(ok.at(6), QPointF(-1, 1)); // the lone second stands
    QCOMPARE(chart.series(RateHistoryModel::P50Column)->count(), 2); // no latency for empty seconds
    const QList<QPointF> shade = chart.series(RateHistoryModel::OutageColumn)->points();
    QCOMPARE(shade.at(6).y(), chart.rateAxis()->max());
    QCOMPARE(shade.at(0).y(), 0.0);
}

QTEST_MAIN(TestRateHistoryModel) // the chart view is a widget
#include "tst_ratehistorymodel.moc"
