// RateHistoryModel: answers per second by status class, latency p50/p99 and whether a simulated
// outage was on, over the last 2 minutes: one row per second, zeros for seconds without answers.
#pragma once

#include "webhook/requestrecord.h"

#include <QAbstractTableModel>

#include <deque>
#include <vector>

class RateHistoryModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        SecondColumn,
        OkColumn,
        RejectedColumn,
        FailedColumn,
        P50Column,
        P99Column,
        OutageColumn,
        COLUMN_COUNT
    };
    static constexpr int DefaultSeconds = 120;

    explicit RateHistoryModel(int seconds = DefaultSeconds, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Counts each record in the second it was answered. Records older than the window are ignored.
    void appendBatch(const RequestRecordBatch &batch);
    // Moves the window so that its last row is nowSecond (seconds since the epoch): rows are
    // appended at the end and dropped at the front, one insert and one remove per call.
    void advanceTo(qint64 nowSecond);
    // Marks the second nowSecond (advancing to it) as one with a simulated outage, for shading.
    void markOutage(qint64 nowSecond);

    struct Second {
        qint64 second = 0;
        int ok = 0, rejected = 0, failed = 0;
        std::vector<qint32> latenciesUs; // until the second is finished, then only the percentiles
        double p50Ms = -1, p99Ms = -1;
        bool finished = false;
        bool outage = false;
    };
    const Second &at(int row) const { return m_seconds.at(static_cast<size_t>(row)); }
    qint64 lastSecond() const { return m_seconds.empty() ? 0 : m_seconds.back().second; }

    // Answers (all classes) in the last `seconds` rows.
    int answers(int seconds) const;
    // The tooltip of one second: its time, counts by class, p50 / p99 and the outage mark.
    QString describe(int row) const;

    // The chart's rules, pure functions so tst_ratehistorymodel can pin them down.
    //
    // The time window follows the rate: with sparse traffic (a demo, one event per click) a second
    // is 1/120 of the axis, a 3 px sliver, so the chart zooms in to the last 30 s; with traffic it
    // shows all 120 s. The decision counts the answers of the whole 2 minutes, which changes slowly,
    // with a gap between the two thresholds (hysteresis), so a rate near one threshold does not
    // make the axis flicker: in below ZoomInBelow answers, out at ZoomOutFrom or more, else unchanged.
    static constexpr int NarrowSeconds = 30;
    static constexpr int ZoomInBelow = 30;
    static constexpr int ZoomOutFrom = 60;
    static int visibleSeconds(int answersInWindow, int currentSeconds);

    // The latency axis's top: the largest latency that is not an outlier. Outliers are values
    // above OutlierFactor times the median of the p99s shown and above MinOutlierMs: one ack
    // timeout (6,000 ms) among 2 ms answers is clipped (drawn as a marker at the top, its value in
    // the tooltip) instead of flattening every other point to the axis for two minutes. A median,
    // not a percentile, because with sparse traffic there are a handful of points and the 95th
    // percentile of five values is their maximum. Why not a log axis: the usual spread (0.5 to
    // 20 ms) would get a sliver of one decade, its labels are awkward below 1 ms, and the outage's
    // timeouts are better shown as off the scale than as a scale. When timeouts are the median
    // (a long outage) they are the scale.
    static constexpr double OutlierFactor = 10;
    static constexpr double MinOutlierMs = 50;
    static double outlierAbove(const std::vector<double> &p99s);
    static double latencyTop(const std::vector<double> &latencies, double outlierAboveMs);

private:
    static void finish(Second &second);
    static void computePercentiles(Second &second);

    std::deque<Second> m_seconds; // oldest first
    int m_maxSeconds;
};
