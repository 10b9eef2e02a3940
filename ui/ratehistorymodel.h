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

private:
    static void finish(Second &second);
    static void computePercentiles(Second &second);

    std::deque<Second> m_seconds; // oldest first
    int m_maxSeconds;
};
