// RateChartView: redrawn at most twice a second from the model, whatever the request rate. Every
// second is a step of its own (an empty one is a zero, never a line across it), so a one-second
// burst stays visible; latency lines are not joined across seconds without answers (one line
// series per run of answered seconds, kept in a pool).
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "theme.h"

#include <QAreaSeries>
#include <QChart>
#include <QEvent>
#include <QHelpEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPen>
#include <QResizeEvent>
#include <QScatterSeries>
#include <QTimer>
#include <QToolTip>
#include <QValueAxis>

#include <cmath>
#include <memory>

namespace {
const QColor BandColours[3] = { QColor(0x2e, 0x7d, 0x32), QColor(0xc7, 0x77, 0x00), QColor(0xc6, 0x28, 0x28) };
const char *const BandNames[3] = { "2xx", "4xx", "5xx" };

QPen latencyPen(int which, const QPalette &palette)
{
    QPen pen(which == 0 ? Theme::p50Colour(palette) : Theme::p99Colour(palette));
    pen.setWidthF(which == 0 ? 2.0 : 1.6);
    pen.setStyle(which == 0 ? Qt::SolidLine : Qt::DashLine);
    return pen;
}
} // namespace

RateChartView::RateChartView(RateHistoryModel *model, QWidget *parent)
    : QChartView(parent)
    , m_model(model)
    , m_time(new QValueAxis(this))
    , m_rate(new QValueAxis(this))
    , m_latency(new QValueAxis(this))
    , m_visibleSeconds(RateHistoryModel::NarrowSeconds) // nothing answered yet: sparse
{
    auto *chart = new QChart;
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_time->setRange(-m_visibleSeconds, 0);
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
    m_outage->setName(tr("outage"));
    chart->addSeries(m_outage);
    m_outage->attachAxis(m_time);
    m_outage->attachAxis(m_rate);

    for (const char *name : BandNames) {
        auto *upper = new QLineSeries(chart);
        auto *lower = new QLineSeries(chart);
        auto *area = new QAreaSeries(upper, lower);
        area->setName(tr(name));
        chart->addSeries(area);
        area->attachAxis(m_time);
        area->attachAxis(m_rate);
        m_bands.append(area);
        m_upper.append(upper);
        m_lower.append(lower);
    }
    // p50: round points on a solid line; p99: triangles on a dashed line, another colour.
    const char *const names[2] = { "p50", "p99" };
    for (int which = 0; which < 2; ++which) {
        auto *series = new QScatterSeries(chart);
        series->setName(tr(names[which]));
        series->setMarkerShape(which == 0 ? QScatterSeries::MarkerShapeCircle : QScatterSeries::MarkerShapeTriangle);
        series->setMarkerSize(which == 0 ? 6 : 11); // a dot inside a triangle when they are equal
        chart->addSeries(series);
        series->attachAxis(m_time);
        series->attachAxis(m_latency);
        m_latencies.append(series);
    }
    m_clipped = new QScatterSeries(chart);
    m_clipped->setName(tr("off scale"));
    m_clipped->setMarkerShape(QScatterSeries::MarkerShapeStar);
    m_clipped->setMarkerSize(12);
    chart->addSeries(m_clipped);
    m_clipped->attachAxis(m_time);
    m_clipped->attachAxis(m_latency);
    // QChartView starts with a chart of its own and only releases it to setChart(): delete it.
    std::unique_ptr<QChart> initial(this->chart());
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    setMouseTracking(true);
    viewport()->setMouseTracking(true); // the tooltip follows the mouse without a button held
    // Outside the plot area (title, legend, axes) the tooltip explains the chart; over it, it gives
    // the second under the cursor.
    setToolTip(tr("Each second is one step: green answers 200, amber 4xx, red 500, stacked. Lines: latency of "
                  "that second (p50 solid with dots, p99 dashed with triangles, right axis); a star at the top is "
                  "a latency above the scale. Shaded: a simulated outage was on. Hover a second for its figures."));
    applyPalette();

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

void RateChartView::changeEvent(QEvent *event)
{
    QChartView::changeEvent(event);
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) && m_clipped)
        applyPalette(); // (m_clipped: once the constructor has made the series)
}

void RateChartView::applyPalette()
{
    const QPalette palette = this->palette();
    m_dark = Theme::isDark(palette);
    // setTheme resets every series' colours and the fonts: set first, then ours on top.
    chart()->setTheme(m_dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
    chart()->setBackgroundBrush(palette.color(QPalette::Base));
    chart()->setTitleBrush(palette.color(QPalette::Text));
    chart()->legend()->setLabelColor(palette.color(QPalette::Text));
    m_outage->setColor(QColor(0xc7, 0x77, 0x00, m_dark ? 90 : 60));
    m_outage->setPen(Qt::NoPen);
    for (int band = 0; band < 3; ++band) {
        QColor fill = BandColours[band];
        fill.setAlpha(m_dark ? 230 : 200);
        m_bands.at(band)->setColor(fill);
        m_bands.at(band)->setPen(Qt::NoPen); // an outline would trace the band below it where this one is empty
    }
    for (int which = 0; which < 2; ++which) {
        const QPen pen = latencyPen(which, palette);
        QScatterSeries *points = m_latencies.at(which);
        points->setColor(which == 0 ? pen.color() : QColor(Qt::transparent)); // p99 triangles hollow
        points->setBorderColor(pen.color());
        QPen border = points->pen();
        border.setColor(pen.color());
        border.setWidthF(1.5);
        points->setPen(border);
        for (QLineSeries *line : std::as_const(m_segments[which]))
            line->setPen(pen);
    }
    // The latency entries of the legend: dot, triangle, star as drawn (the bands keep their squares).
    for (QScatterSeries *series : { m_latencies.at(0), m_latencies.at(1), m_clipped }) {
        for (QLegendMarker *marker : chart()->legend()->markers(series))
            marker->setShape(QLegend::MarkerShapeFromSeries);
    }
    const QColor clipped = Theme::ink(Theme::Tone::Fail, palette);
    m_clipped->setColor(clipped);
    m_clipped->setBorderColor(clipped);
    applyCompact();
}

void RateChartView::setCompact(bool compact)
{
    if (compact == m_compact)
        return;
    m_compact = compact;
    applyCompact();
}

void RateChartView::applyCompact()
{
    chart()->setTitle(
        m_compact ? QString() : tr("Answers per second (stacked) and latency, last %1 s").arg(m_visibleSeconds));
    m_rate->setTitleVisible(!m_compact);
    m_latency->setTitleVisible(!m_compact);
    QFont font = chart()->legend()->font();
    font.setPointSizeF(QFont().pointSizeF() * (m_compact ? 0.85 : 1.0));
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

void RateChartView::setSegments(int which, const QList<QList<QPointF>> &runs)
{
    QList<QLineSeries *> &pool = m_segments[which];
    while (pool.size() < runs.size()) {
        auto *line = new QLineSeries(chart());
        chart()->addSeries(line);
        line->attachAxis(m_time);
        line->attachAxis(m_latency);
        line->setPen(latencyPen(which, palette()));
        for (QLegendMarker *marker : chart()->legend()->markers(line))
            marker->setVisible(false); // the points' legend entry stands for the line
        pool.append(line);
    }
    for (int i = 0; i < pool.size(); ++i)
        pool.at(i)->replace(i < runs.size() ? runs.at(i) : QList<QPointF>());
}

void RateChartView::redraw()
{
    m_dirty = false;
    const int rows = m_model->rowCount();
    const qint64 last = m_model->lastSecond();
    const int visible = RateHistoryModel::visibleSeconds(m_model->answers(rows), m_visibleSeconds);
    if (visible != m_visibleSeconds) {
        m_visibleSeconds = visible;
        m_time->setRange(-visible, 0);
        applyCompact(); // the title says the window
    }
    // Stacked one-second steps: each second spans [x - 1, x] and ends at "now" (0). Every row is
    // drawn; the axis shows the window, and scales take only what is in it.
    QList<QPointF> edges[3];
    QList<QPointF> lowerEdge; // zero, under the 2xx band
    QList<bool> outage;
    QList<QPointF> latency[2];
    QList<QList<QPointF>> runs[2];
    double maxRate = 0;
    std::vector<double> shownLatencies;
    std::vector<double> shownP99s;
    for (int row = 0; row < rows; ++row) {
        const RateHistoryModel::Second &s = m_model->at(row);
        const double x = static_cast<double>(s.second - last);
        const bool shown = x > -visible;
        const int values[3] = { s.ok, s.rejected, s.failed };
        int sum = 0;
        for (int band = 0; band < 3; ++band) {
            sum += values[band];
            edges[band].append({ x - 1, double(sum) });
            edges[band].append({ x, double(sum) });
        }
        lowerEdge.append({ x - 1, 0 });
        lowerEdge.append({ x, 0 });
        if (shown)
            maxRate = qMax(maxRate, double(sum));
        outage.append(s.outage);
        for (int which = 0; which < 2; ++which) {
            const double ms
                = m_model->index(row, which == 0 ? RateHistoryModel::P50Column : RateHistoryModel::P99Column)
                      .data()
                      .toDouble();
            if (ms < 0) { // no answer in that second: no point, and the line breaks
                if (!runs[which].isEmpty() && !runs[which].constLast().isEmpty())
                    runs[which].append(QList<QPointF>());
                continue;
            }
            latency[which].append({ x - 0.5, ms });
            if (runs[which].isEmpty())
                runs[which].append(QList<QPointF>());
            runs[which].last().append({ x - 0.5, ms });
            if (shown) {
                shownLatencies.push_back(ms);
                if (which == 1)
                    shownP99s.push_back(ms);
            }
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
    for (int which = 0; which < 2; ++which) {
        m_latencies.at(which)->replace(latency[which]);
        while (!runs[which].isEmpty() && runs[which].constLast().isEmpty())
            runs[which].removeLast();
        setSegments(which, runs[which]);
    }
    // Latency: a robust top (RateHistoryModel::latencyTop: outliers clipped, drawn as stars at the
    // top), whole milliseconds once above 5 ms, else steps of 0.2, 0.5 or 1 ms, so the labels are
    // round and distinct.
    const double outlierAbove = RateHistoryModel::outlierAbove(shownP99s);
    const double maxLatency = RateHistoryModel::latencyTop(shownLatencies, outlierAbove);
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
    QList<QPointF> clipped;
    for (int which = 0; which < 2; ++which) {
        for (const QPointF &point : std::as_const(latency[which])) {
            if (point.y() > m_latency->max()) // just under the top, so the whole star shows
                clipped.append({ point.x(), m_latency->max() * 0.95 });
        }
    }
    m_clipped->replace(clipped);
}

int RateChartView::rowAt(double x) const
{
    // Second s spans [s - last - 1, s - last]: the one under x ends at ceil(x).
    const int rows = m_model->rowCount();
    const int row = rows - 1 + static_cast<int>(std::ceil(x));
    return x > 0 || x < -m_visibleSeconds || row < 0 || row >= rows ? -1 : row;
}

QString RateChartView::toolTipAt(double x) const
{
    return m_model->describe(rowAt(x));
}

bool RateChartView::valueAt(const QPoint &viewportPos, double *x) const
{
    const QPointF scenePos = mapToScene(viewportPos);
    const QPointF chartPos = chart()->mapFromScene(scenePos);
    if (!chart()->plotArea().contains(chartPos))
        return false;
    *x = chart()->mapToValue(chartPos, m_latencies.first()).x();
    return true;
}

void RateChartView::showToolTip(const QPoint &viewportPos)
{
    double x = 0;
    const QString text = valueAt(viewportPos, &x) ? toolTipAt(x) : QString();
    if (text.isEmpty()) {
        QToolTip::hideText();
        return;
    }
    QToolTip::showText(viewport()->mapToGlobal(viewportPos), text, viewport());
}

void RateChartView::mouseMoveEvent(QMouseEvent *event)
{
    QChartView::mouseMoveEvent(event);
    if (event->buttons() == Qt::NoButton)
        showToolTip(event->position().toPoint()); // follows the mouse, second by second
}

bool RateChartView::viewportEvent(QEvent *event)
{
    if (event->type() == QEvent::ToolTip) {
        const auto *help = static_cast<QHelpEvent *>(event);
        double x = 0;
        if (valueAt(help->pos(), &x)) { // over the plot: that second, not the explanation
            showToolTip(help->pos());
            return true;
        }
    }
    return QChartView::viewportEvent(event);
}
