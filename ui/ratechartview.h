// RateChartView: the rate history — 2xx / 4xx / 5xx per second stacked as one-second steps, latency
// p50 (solid line, round points) and p99 (dashed line, triangles) on their own axis, simulated-outage
// seconds shaded. The time window and the latency scale follow RateHistoryModel's rules; hovering
// the plot shows the counts of the second under the cursor; colours follow the palette.
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
    // The latency points above the axis, drawn at its top.
    QScatterSeries *clippedSeries() const { return m_clipped; }
    QValueAxis *timeAxis() const { return m_time; }
    QValueAxis *rateAxis() const { return m_rate; }
    QValueAxis *latencyAxis() const { return m_latency; }
    int visibleSeconds() const { return m_visibleSeconds; }
    bool isDarkChart() const { return m_dark; }
    void redrawNow() { redraw(); }
    // The tooltip for a point of the plot (chart value coordinates: x in seconds before now), and
    // the row of the model it falls in (-1: none).
    int rowAt(double x) const;
    QString toolTipAt(double x) const;

    // An axis maximum and tick count whose labels are whole, distinct numbers.
    struct Scale {
        double max;
        int ticks;
    };
    static Scale niceScale(double largest);

protected:
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    bool viewportEvent(QEvent *event) override;

private:
    void redraw();
    void setCompact(bool compact); // below 200 px: no title, no axis titles, so the plot keeps its height
    void applyCompact();
    void applyPalette(); // light or dark chart theme, then the series' own colours
    void setSegments(int which, const QList<QList<QPointF>> &runs);
    // The chart value under a viewport position, if it is inside the plot area.
    bool valueAt(const QPoint &viewportPos, double *x) const;
    void showToolTip(const QPoint &viewportPos);

    RateHistoryModel *m_model;
    QList<QAreaSeries *> m_bands; // 2xx, 4xx, 5xx
    QList<QLineSeries *> m_upper; // the bands' upper edges
    QList<QLineSeries *> m_lower;
    QList<QScatterSeries *> m_latencies; // p50, p99: the points
    QList<QLineSeries *> m_segments[2]; // p50, p99: the lines, one per run of seconds with answers
    QScatterSeries *m_clipped = nullptr;
    QAreaSeries *m_outage = nullptr;
    QLineSeries *m_outageUpper = nullptr;
    QValueAxis *m_time;
    QValueAxis *m_rate;
    QValueAxis *m_latency;
    int m_visibleSeconds;
    bool m_dirty = false;
    bool m_compact = false;
    bool m_dark = false;
};
