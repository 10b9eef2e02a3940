// RateChartView: the rate history — 2xx / 4xx / 5xx per second stacked as one-second steps, latency
// p50 / p99 as points on their own axis, simulated-outage seconds shaded.
#pragma once

#include <QChartView>

class QAreaSeries;
class QLineSeries;
class QScatterSeries;
class QValueAxis;
class QXYSeries;
class RateHistoryModel;

class RateChartView : public QChartView {
    Q_OBJECT
public:
    explicit RateChartView(RateHistoryModel *model, QWidget *parent = nullptr);

    // For tests: the drawn points of a RateHistoryModel column (the upper edge of a stacked band,
    // the latency points, the outage shading).
    QXYSeries *series(int column) const;
    QValueAxis *rateAxis() const { return m_rate; }
    QValueAxis *latencyAxis() const { return m_latency; }
    void redrawNow() { redraw(); }

    // An axis maximum and tick count whose labels are whole, distinct numbers.
    struct Scale {
        double max;
        int ticks;
    };
    static Scale niceScale(double largest);

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void redraw();
    void setCompact(bool compact); // below 200 px: no title, no axis titles, so the plot keeps its height

    RateHistoryModel *m_model;
    QList<QAreaSeries *> m_bands; // 2xx, 4xx, 5xx
    QList<QLineSeries *> m_upper; // the bands' upper edges
    QList<QLineSeries *> m_lower;
    QList<QScatterSeries *> m_latencies; // p50, p99
    QAreaSeries *m_outage;
    QLineSeries *m_outageUpper;
    QValueAxis *m_time;
    QValueAxis *m_rate;
    QValueAxis *m_latency;
    bool m_dirty = false;
    bool m_compact = false;
    QString m_title;
};
