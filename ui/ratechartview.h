// RateChartView: the rate history as lines — 2xx / 4xx / 5xx per second and latency p50 / p99.
#pragma once

#include <QChartView>

class QLineSeries;
class QValueAxis;
class RateHistoryModel;

class RateChartView : public QChartView {
    Q_OBJECT
public:
    explicit RateChartView(RateHistoryModel *model, QWidget *parent = nullptr);

    QLineSeries *series(int column) const; // a RateHistoryModel column, for tests

private:
    void redraw();

    RateHistoryModel *m_model;
    QList<QLineSeries *> m_series; // indexed by RateHistoryModel::Column - 1
    QValueAxis *m_time;
    QValueAxis *m_rate;
    QValueAxis *m_latency;
    bool m_dirty = false;
};
