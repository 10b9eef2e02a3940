// RateHistoryModel under QAbstractItemModelTester: per-second counts by class, the 2-minute window,
// latency percentiles.
#include "ratechartview.h"
#include "ratehistorymodel.h"

#include <QXYSeries>

#include <QAbstractItemModelTester>
#include <QChart>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QTest>
#include <QToolTip>
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
    void windowFollowsTheRate_data();
    void windowFollowsTheRate();
    void windowDoesNotFlicker();
    void chartZoomsWithTheTraffic();
    void oneTimeoutDoesNotFlattenLatency_data();
    void oneTimeoutDoesNotFlattenLatency();
    void chartClipsTheTimeout();
    void percentilesLookDifferent();
    void toolTipGivesTheSecond();
    void toolTipFollowsTheMouse();
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

void TestRateHistoryModel::windowFollowsTheRate_data()
{
    QTest::addColumn<int>("answers"); // in the last 120 s
    QTest::addColumn<int>("current");
    QTest::addColumn<int>("visible");
    QTest::addRow("idle, wide") << 0 << 120 << 30;
    QTest::addRow("demo clicks") << 12 << 120 << 30;
    QTest::addRow("just below zooming in") << 29 << 120 << 30;
    QTest::addRow("between, stays wide") << 45 << 120 << 120;
    QTest::addRow("between, stays narrow") << 45 << 30 << 30;
    QTest::addRow("just below zooming out") << 59 << 30 << 30;
    QTest::addRow("busy") << 60 << 30 << 120;
    QTest::addRow("lab scenario") << 2400 << 30 << 120;
}

void TestRateHistoryModel::windowFollowsTheRate()
{
    QFETCH(int, answers);
    QFETCH(int, current);
    QFETCH(int, visible);
    QCOMPARE(RateHistoryModel::visibleSeconds(answers, current), visible);
}

void TestRateHistoryModel::windowDoesNotFlicker()
{
    // A count hovering around either threshold changes the window at most once.
    for (const int around : { RateHistoryModel::ZoomInBelow, RateHistoryModel::ZoomOutFrom }) {
        int visible = RateHistoryModel::visibleSeconds(around, RateHistoryModel::DefaultSeconds);
        int changes = 0;
        for (int i = 0; i < 50; ++i) {
            const int next = RateHistoryModel::visibleSeconds(around + (i % 2 ? 2 : -2), visible);
            changes += next != visible;
            visible = next;
        }
        QVERIFY2(changes <= 1, qPrintable(QString::number(changes)));
    }
}

void TestRateHistoryModel::chartZoomsWithTheTraffic()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    model.appendBatch({ answered(T0, 200), answered(T0 + 5, 200) }); // a demo: one event per click
    chart.redrawNow();
    QCOMPARE(chart.visibleSeconds(), RateHistoryModel::NarrowSeconds);
    QCOMPARE(chart.timeAxis()->min(), -30.0);
    QVERIFY(chart.chart()->title().contains(QLatin1String("30 s")));
    RequestRecordBatch busy;
    for (int i = 0; i < 100; ++i)
        busy.append(answered(T0 + 6 + i / 10, 200)); // 10 a second
    model.appendBatch(busy);
    chart.redrawNow();
    QCOMPARE(chart.visibleSeconds(), RateHistoryModel::DefaultSeconds);
    QCOMPARE(chart.timeAxis()->min(), -120.0);
    QVERIFY(chart.chart()->title().contains(QLatin1String("120 s")));
    // Two minutes later the burst has left the window: sparse again.
    model.advanceTo(T0 + 200);
    chart.redrawNow();
    QCOMPARE(chart.visibleSeconds(), RateHistoryModel::NarrowSeconds);
}

void TestRateHistoryModel::oneTimeoutDoesNotFlattenLatency_data()
{
    QTest::addColumn<QList<double>>("p99s");
    QTest::addColumn<double>("top");
    QTest::addRow("steady") << QList<double> { 2, 3, 2.5, 4 } << 4.0;
    QTest::addRow("one timeout") << QList<double> { 2, 3, 2.5, 6000 } << 3.0;
    QTest::addRow("a handful, one timeout") << QList<double> { 1.2, 6000, 1.5 } << 1.5;
    QTest::addRow("a slow second is no outlier") << QList<double> { 2, 3, 40 } << 40.0;
    QTest::addRow("mostly timeouts: they are the scale") << QList<double> { 6000, 6000, 2 } << 6000.0;
    QTest::addRow("only a timeout") << QList<double> { 6000 } << 6000.0;
    QTest::addRow("nothing") << QList<double> {} << 0.0;
}

void TestRateHistoryModel::oneTimeoutDoesNotFlattenLatency()
{
    QFETCH(QList<double>, p99s);
    QFETCH(double, top);
    const std::vector<double> values(p99s.begin(), p99s.end());
    QCOMPARE(RateHistoryModel::latencyTop(values, RateHistoryModel::outlierAbove(values)), top);
}

void TestRateHistoryModel::chartClipsTheTimeout()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    RequestRecordBatch batch;
    for (int s = 0; s < 10; ++s)
        batch.append(answered(T0 + s, 200, 2000 + s * 100)); // 2.0 .. 2.9 ms
    batch.append(answered(T0 + 3, 500, 6'000'000)); // one ack timeout, answered 6 s later: at T0 + 9
    model.appendBatch(batch);
    QCOMPARE(model.lastSecond(), T0 + 9);
    chart.redrawNow();
    QVERIFY2(chart.latencyAxis()->max() <= 5, qPrintable(QString::number(chart.latencyAxis()->max())));
    QVERIFY(chart.latencyAxis()->max() >= 2.9);
    // The timeout's second (the last, x -1 .. 0), p50 and p99 6,000 ms: stars at the top of the axis;
    // the true values stay in the series.
    const QList<QPointF> clipped = chart.clippedSeries()->points();
    QVERIFY(!clipped.isEmpty());
    for (const QPointF &point : clipped) {
        QCOMPARE(point.x(), -0.5);
        QVERIFY(point.y() >= 0.9 * chart.latencyAxis()->max() && point.y() <= chart.latencyAxis()->max());
    }
    bool found = false;
    for (const QPointF &point : chart.series(RateHistoryModel::P99Column)->points())
        found = found || point == QPointF(-0.5, 6000.0);
    QVERIFY(found);
}

void TestRateHistoryModel::percentilesLookDifferent()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    const auto *p50 = qobject_cast<QScatterSeries *>(chart.series(RateHistoryModel::P50Column));
    const auto *p99 = qobject_cast<QScatterSeries *>(chart.series(RateHistoryModel::P99Column));
    QVERIFY(p50 && p99);
    QVERIFY(p50->markerShape() != p99->markerShape());
    QVERIFY(p50->borderColor() != p99->borderColor());
    // Lines: p50 solid, p99 dashed, drawn for runs of seconds with answers.
    model.appendBatch({ answered(T0, 200, 1000), answered(T0 + 1, 200, 1500) });
    model.appendBatch({ answered(T0 + 4, 200, 1200) });
    chart.redrawNow();
    QList<Qt::PenStyle> styles;
    int drawnLines = 0;
    for (QAbstractSeries *series : chart.chart()->series()) {
        auto *line = qobject_cast<QLineSeries *>(series);
        if (!line || line->attachedAxes().contains(chart.rateAxis()) || line->count() < 2)
            continue;
        ++drawnLines;
        styles.append(line->pen().style());
    }
    QCOMPARE(drawnLines, 2); // one run of two seconds, p50 and p99; the lone second is a point
    QVERIFY(styles.contains(Qt::SolidLine));
    QVERIFY(styles.contains(Qt::DashLine));
}

void TestRateHistoryModel::toolTipGivesTheSecond()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    model.appendBatch({ answered(T0, 200, 1000), answered(T0, 200, 3000), answered(T0, 429), answered(T0, 500) });
    model.markOutage(T0 + 1);
    chart.redrawNow();
    QCOMPARE(chart.rowAt(-1.5), 0);
    QCOMPARE(chart.rowAt(-0.5), 1);
    QCOMPARE(chart.rowAt(-40), -1); // outside the window
    const QString tip = chart.toolTipAt(-1.5);
    QVERIFY2(tip.contains(QStringLiteral("2xx 2 · 4xx 1 · 5xx 1")), qPrintable(tip));
    QVERIFY2(tip.contains(QLatin1String("p50")) && tip.contains(QLatin1String("p99 3.00 ms")), qPrintable(tip));
    QVERIFY2(tip.contains(QLatin1String("outage: off")), qPrintable(tip));
    const QString outage = chart.toolTipAt(-0.5);
    QVERIFY2(outage.contains(QStringLiteral("2xx 0 · 4xx 0 · 5xx 0")) && outage.contains(QStringLiteral("no answer"))
            && outage.contains(QLatin1String("outage: on")),
        qPrintable(outage));
}

void TestRateHistoryModel::toolTipFollowsTheMouse()
{
    RateHistoryModel model(120);
    RateChartView chart(&model);
    chart.resize(800, 400);
    model.appendBatch({ answered(T0, 200), answered(T0, 200), answered(T0 + 10, 500) });
    model.advanceTo(T0 + 12);
    chart.redrawNow();
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QTRY_VERIFY(chart.chart()->plotArea().width() > 400); // laid out
    const auto viewportPos = [&chart](double x) {
        const QPointF inChart = chart.chart()->mapToPosition(QPointF(x, chart.latencyAxis()->max() / 2),
            chart.series(RateHistoryModel::P50Column)); // a series on the time axis, in the chart
        return chart.mapFromScene(chart.chart()->mapToScene(inChart));
    };
    QTest::mouseMove(chart.viewport(), viewportPos(-12.5)); // T0
    QTRY_VERIFY2(
        QToolTip::isVisible() && QToolTip::text().contains(QStringLiteral("2xx 2 ·")), qPrintable(QToolTip::text()));
    QTest::mouseMove(chart.viewport(), viewportPos(-2.5)); // T0 + 10
    QTRY_VERIFY2(QToolTip::text().contains(QLatin1String("5xx 1")), qPrintable(QToolTip::text()));
    QTest::mouseMove(chart.viewport(), QPoint(2, 2)); // off the plot: no second's figures
    QTRY_VERIFY(!QToolTip::isVisible() || !QToolTip::text().contains(QLatin1String("2xx ")));
}

QTEST_MAIN(TestRateHistoryModel) // the chart view is a widget
#include "tst_ratehistorymodel.moc"
