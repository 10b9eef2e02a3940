// RateChartView: redrawn at most twice a second from the model, whatever the request rate. Every
// second is a step of its own (an empty one is a zero, never a line across it), so a one-second
// burst stays visible; latency points are not joined across seconds without answers.
#include "ratechartview.h"
#include "ratehistorymodel.h"

#include <QAreaSeries>
#include <QChart>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QResizeEvent>
#include <QScatterSeries>
#include <QTimer>
#include <QValueAxis>

#include <cmath>
#include <memory>

RateChartView::RateChartView(RateHistoryModel *model, QWidget *parent)
    : QChartView(parent)
    , m_model(model)
    , m_time(new QValueAxis(this))
    , m_rate(new QValueAxis(this))
    , m_latency(new QValueAxis(this))
{
    auto *chart = new QChart;
    m_title = tr("Answers per second (stacked) and latency, last %1 s").arg(RateHistoryModel::DefaultSeconds);
    chart->setTitle(m_title);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_time->setRange(-RateHistoryModel::DefaultSeconds, 0);
    m_time->setLabelFormat(QStringLiteral("%d s"));
    m_time->setTickCount(7);
    m_rate->setTitleText(tr("answers / s"));
    m_rate->setLabelFormat(QStringLiteral("%d"));
    m_latency->setTitleText(tr("latency ms"));
    for (QValueAxis *axis : { m_time, m_rate, m_latency })
        axis->setTruncateLabels(false); // short numbers: "…" in their place says nothing
    chart->addAxis(m_time, Qt::AlignBottom);
    chart->addAxis(m_rate, Qt::AlignLeft);
    chart->addAxis(m_latency, Qt::AlignRight);

    // Drawn first, so it lies under everything else.
    m_outageUpper = new QLineSeries(chart);
    m_outage = new QAreaSeries(m_outageUpper);
    m_outage->setName(tr("simulated outage"));
    m_outage->setColor(QColor(0xc7, 0x77, 0x00, 60));
    m_outage->setPen(Qt::NoPen);
    chart->addSeries(m_outage);
    m_outage->attachAxis(m_time);
    m_outage->attachAxis(m_rate);

    struct Band {
        const char *name;
        QColor color;
    };
    const Band bands[] = { { "2xx", QColor(0x2e, 0x7d, 0x32) }, { "4xx", QColor(0xc7, 0x77, 0x00) },
        { "5xx", QColor(0xc6, 0x28, 0x28) } };
    for (const Band &band : bands) {
        auto *upper = new QLineSeries(chart);
        auto *lower = new QLineSeries(chart);
        auto *area = new QAreaSeries(upper, lower);
        area->setName(tr(band.name));
        QColor fill = band.color;
        fill.setAlpha(200);
        area->setColor(fill);
        area->setPen(Qt::NoPen); // an outline would trace the band below it where this one is empty
        chart->addSeries(area);
        area->attachAxis(m_time);
        area->attachAxis(m_rate);
        m_bands.append(area);
        m_upper.append(upper);
        m_lower.append(lower);
    }
    struct Points {
        const char *name;
        QColor color;
        QScatterSeries::MarkerShape shape;
    };
    const Points points[] = { { "p50 latency", QColor(0x15, 0x65, 0xc0), QScatterSeries::MarkerShapeCircle },
        { "p99 latency", QColor(0x6a, 0x1b, 0x9a), QScatterSeries::MarkerShapeRectangle } };
    for (const Points &p : points) {
        auto *series = new QScatterSeries(chart);
        series->setName(tr(p.name));
        series->setMarkerShape(p.shape);
        series->setMarkerSize(6);
        series->setColor(p.color);
        series->setBorderColor(p.color);
        chart->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(m_latency);
        m_latencies.append(series);
    }
    // QChartView starts with a chart of its own and only releases it to setChart(): delete it.
    std::unique_ptr<QChart> initial(this->chart());
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    setToolTip(tr("Each second is one step: green answers 200, amber 4xx, red 500, stacked. Points: latency of that "
                  "second (p50, p99, right axis). Shaded: a simulated outage was on."));

    const auto markDirty = [this] { m_dirty = true; };
    connect(m_model, &QAbstractItemModel::dataChanged, this, markDirty);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, markDirty);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, markDirty);
    connect(m_model, &QAbstractItemModel::modelReset, this, markDirty);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, [this] {
        if (m_dirty)
            redraw();
    });
    timer->start(500);
}

void RateChartView::resizeEvent(QResizeEvent *event)
{
    setCompact(height() < 200);
    QChartView::resizeEvent(event);
}

void RateChartView::setCompact(bool compact)
{
    if (compact == m_compact)
        return;
    m_compact = compact;
    chart()->setTitle(compact ? QString() : m_title);
    m_rate->setTitleVisible(!compact);
    m_latency->setTitleVisible(!compact);
    QFont font = chart()->legend()->font();
    font.setPointSizeF(QFont().pointSizeF() * (compact ? 0.85 : 1.0));
    chart()->legend()->setFont(font);
}

QXYSeries *RateChartView::series(int column) const
{
    switch (column) {
    case RateHistoryModel::OkColumn:
    case RateHistoryModel::RejectedColumn:
    case RateHistoryModel::FailedColumn:
        return m_upper.at(column - RateHistoryModel::OkColumn);
    case RateHistoryModel::P50Column:
    case RateHistoryModel::P99Column:
        return m_latencies.at(column - RateHistoryModel::P50Column);
    case RateHistoryModel::OutageColumn:
        return m_outageUpper;
    }
    return nullptr;
}

RateChartView::Scale RateChartView::niceScale(double largest)
{
    // Small values: one tick per whole number (0 1 2 3), never "0 0 1 1".
    const double top = std::ceil(qMax(1.0, largest));
    if (top <= 5)
        return { top, static_cast<int>(top) + 1 };
    // Else at most 5 intervals of 1, 2 or 5 times a power of ten.
    const double raw = top / 5;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = power;
    for (const double factor : { 1.0, 2.0, 5.0, 10.0 }) {
        step = factor * power;
        if (step >= raw)
            break;
    }
    const int intervals = static_cast<int>(std::ceil(top / step));
    return { step * intervals, intervals + 1 };
}

void RateChartView::redraw()
{
    m_dirty = false;
    const int rows = m_model->rowCount();
    const qint64 last = m_model->lastSecond();
    // Stacked one-second steps: each second spans [x - 1, x] and ends at "now" (0).
    QList<QPointF> edges[3];
    QList<QPointF> lowerEdge; // zero, under the 2xx band
    QList<bool> outage;
    QList<QPointF> latency[2];
    double maxRate = 0;
    double maxLatency = 0;
    for (int row = 0; row < rows; ++row) {
        const RateHistoryModel::Second &s = m_model->at(row);
        const double x = static_cast<double>(s.second - last);
        const int values[3] = { s.ok, s.rejected, s.failed };
        int sum = 0;
        for (int band = 0; band < 3; ++band) {
            sum += values[band];
            edges[band].append({ x - 1, double(sum) });
            edges[band].append({ x, double(sum) });
        }
        lowerEdge.append({ x - 1, 0 });
        lowerEdge.append({ x, 0 });
        maxRate = qMax(maxRate, double(sum));
        outage.append(s.outage);
        for (int which = 0; which < 2; ++which) {
            const double ms
                = m_model->index(row, which == 0 ? RateHistoryModel::P50Column : RateHistoryModel::P99Column)
                      .data()
                      .toDouble();
            if (ms < 0)
                continue; // no answer in that second: no point, and nothing joined across it
            latency[which].append({ x - 0.5, ms });
            maxLatency = qMax(maxLatency, ms);
        }
    }
    const Scale rate = niceScale(maxRate);
    m_rate->setRange(0, rate.max);
    m_rate->setTickCount(rate.ticks);
    QList<QPointF> shade;
    for (int row = 0; row < rows; ++row) {
        const double x = static_cast<double>(m_model->at(row).second - last);
        const double y = outage.at(row) ? rate.max : 0;
        shade.append({ x - 1, y });
        shade.append({ x, y });
    }
    m_outageUpper->replace(shade);
    for (int band = 0; band < 3; ++band) {
        m_upper.at(band)->replace(edges[band]);
        m_lower.at(band)->replace(band == 0 ? lowerEdge : edges[band - 1]);
    }
    for (int which = 0; which < 2; ++which)
        m_latencies.at(which)->replace(latency[which]);
    // Latency: whole milliseconds once above 5 ms, else steps of 0.2, 0.5 or 1 ms, so the labels
    // are round and distinct.
    if (maxLatency > 5) {
        const Scale ms = niceScale(maxLatency);
        m_latency->setRange(0, ms.max);
        m_latency->setTickCount(ms.ticks);
        m_latency->setLabelFormat(QStringLiteral("%d"));
    } else {
        const double step = maxLatency <= 1 ? 0.2 : maxLatency <= 2.5 ? 0.5 : 1;
        const int intervals = qMax(1, static_cast<int>(std::ceil(maxLatency / step - 1e-9)));
        m_latency->setRange(0, step * intervals);
        m_latency->setTickCount(intervals + 1);
        m_latency->setLabelFormat(QStringLiteral("%.1f"));
    }
}
