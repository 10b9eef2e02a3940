// RateChartView: redrawn at most twice a second from the model, whatever the request rate.
#include "ratechartview.h"
#include "ratehistorymodel.h"

#include <QChart>
#include <QLineSeries>
#include <QPen>
#include <QTimer>
#include <QValueAxis>

#include <memory>

RateChartView::RateChartView(RateHistoryModel *model, QWidget *parent)
    : QChartView(parent)
    , m_model(model)
    , m_time(new QValueAxis(this))
    , m_rate(new QValueAxis(this))
    , m_latency(new QValueAxis(this))
{
    auto *chart = new QChart;
    chart->setTitle(tr("Answers per second and latency, last %1 s").arg(RateHistoryModel::DefaultSeconds));
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_time->setRange(-RateHistoryModel::DefaultSeconds, 0);
    m_time->setLabelFormat(QStringLiteral("%d s"));
    m_time->setTickCount(7);
    m_rate->setTitleText(tr("per second"));
    m_rate->setLabelFormat(QStringLiteral("%d"));
    m_latency->setTitleText(tr("ms"));
    m_latency->setLabelFormat(QStringLiteral("%.0f"));
    chart->addAxis(m_time, Qt::AlignBottom);
    chart->addAxis(m_rate, Qt::AlignLeft);
    chart->addAxis(m_latency, Qt::AlignRight);

    struct Line {
        const char *name;
        QColor color;
        Qt::PenStyle style;
    };
    const Line lines[] = { { "2xx", QColor(0x2e, 0x7d, 0x32), Qt::SolidLine },
        { "4xx", QColor(0xc7, 0x77, 0x00), Qt::SolidLine }, { "5xx", QColor(0xc6, 0x28, 0x28), Qt::SolidLine },
        { "p50 latency", QColor(0x15, 0x65, 0xc0), Qt::DashLine },
        { "p99 latency", QColor(0x6a, 0x1b, 0x9a), Qt::DotLine } };
    for (const Line &line : lines) {
        auto *series = new QLineSeries(chart);
        series->setName(tr(line.name));
        QPen pen(line.color);
        pen.setWidthF(2);
        pen.setStyle(line.style);
        series->setPen(pen);
        chart->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(m_series.size() < 3 ? m_rate : m_latency);
        m_series.append(series);
    }
    // QChartView starts with a chart of its own and only releases it to setChart(): delete it.
    std::unique_ptr<QChart> initial(this->chart());
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);

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

QLineSeries *RateChartView::series(int column) const
{
    return column >= 1 && column <= m_series.size() ? m_series.at(column - 1) : nullptr;
}

void RateChartView::redraw()
{
    m_dirty = false;
    const int rows = m_model->rowCount();
    const qint64 last = m_model->lastSecond();
    double maxRate = 1;
    double maxLatency = 1;
    for (int column = RateHistoryModel::OkColumn; column <= RateHistoryModel::P99Column; ++column) {
        QList<QPointF> points;
        points.reserve(rows);
        for (int row = 0; row < rows; ++row) {
            const double value = m_model->index(row, column).data().toDouble();
            if (value < 0)
                continue; // no latency sample in that second
            points.append(QPointF(static_cast<double>(m_model->at(row).second - last), value));
            (column >= RateHistoryModel::P50Column ? maxLatency : maxRate)
                = qMax(column >= RateHistoryModel::P50Column ? maxLatency : maxRate, value);
        }
        m_series.at(column - 1)->replace(points);
    }
    m_rate->setRange(0, maxRate * 1.1);
    m_latency->setRange(0, maxLatency * 1.1);
}
