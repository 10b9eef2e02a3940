// ScenarioChart: QPainter on a QImage, so it works on the offscreen platform as well.
#include "scenariochart.h"

#include "theme.h"

#include <QDateTime>
#include <QFontMetrics>
#include <QPainter>

namespace {

// The bars' colours are the same on both backgrounds; paper, ink and grid follow the palette
// (a dark desktop gets a dark chart, the headless run the light one).
const QColor Stored(0x2e, 0x9e, 0x4f);
const QColor Lost(0xd6, 0x27, 0x28);
const QColor Failed(0xf0, 0xa0, 0x30);

struct Paper {
    QColor background, ink, grid, faint, lostTitle, outageShade, outageLegend;
};

Paper paper()
{
    if (Theme::isDark())
        return { QColor(0x1e, 0x1e, 0x1e), QColor(0xe0, 0xe0, 0xe0), QColor(0x44, 0x44, 0x44), QColor(0x9e, 0x9e, 0x9e),
            QColor(0xef, 0x9a, 0x9a), QColor(0xd6, 0x27, 0x28, 0x40), QColor(0xd6, 0x27, 0x28, 0x40).lighter(200) };
    return { Qt::white, QColor(0x22, 0x22, 0x22), QColor(0xdd, 0xdd, 0xdd), Qt::gray, Lost,
        QColor(0xd6, 0x27, 0x28, 0x22), QColor(0xd6, 0x27, 0x28, 0x22).darker(300) };
}

void legendItem(QPainter &p, int &x, int y, const QColor &color, const QString &text, const QColor &ink)
{
    p.fillRect(x, y - 10, 12, 12, color);
    p.setPen(ink);
    p.drawText(x + 17, y, text);
    x += 17 + p.fontMetrics().horizontalAdvance(text) + 22;
}

} // namespace

QImage ScenarioChart::render(const ScenarioRunner::Summary &summary, QSize size)
{
    const Paper colours = paper();
    const QColor &Ink = colours.ink;
    const QColor &Grid = colours.grid;
    const QColor &OutageShade = colours.outageShade;
    QImage image(size, QImage::Format_RGB32);
    image.fill(colours.background);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing, false);
    QFont font = p.font();
    font.setPixelSize(13);
    p.setFont(font);
    const QFontMetrics metrics(font);

    // Title and legend.
    QFont bold = font;
    bold.setBold(true);
    bold.setPixelSize(15);
    p.setFont(bold);
    p.setPen(Ink);
    p.drawText(16, 24,
        QStringLiteral("ackhook scenario \"%1\": %2 requests/s per endpoint, seed %3")
            .arg(summary.scenario)
            .arg(summary.options.ratePerEndpoint)
            .arg(summary.seed));
    p.setFont(font);
    int legendX = 16;
    legendItem(p, legendX, 46, Stored, QStringLiteral("answered 2xx, stored"), Ink);
    legendItem(p, legendX, 46, Lost, QStringLiteral("answered 2xx, LOST"), Ink);
    legendItem(p, legendX, 46, Failed, QStringLiteral("answered 5xx (the caller keeps it)"), Ink);
    legendItem(p, legendX, 46, colours.outageLegend, QStringLiteral("outage"), Ink);

    qsizetype seconds = 0;
    quint32 peak = 1;
    for (const ScenarioRunner::Row &row : summary.rows) {
        seconds = std::max(seconds, row.seconds.size());
        for (const ScenarioRunner::Second &s : row.seconds)
            peak = std::max(peak, s.answered2xx + s.answered5xx);
    }
    seconds = std::max<qsizetype>(seconds, 1);
    // A round top for the axis: the next multiple of 5.
    const quint32 top = (peak + 4) / 5 * 5;

    const int left = 70, right = 16, topMargin = 62, bottomMargin = 44;
    const int panels = std::max<int>(1, static_cast<int>(summary.rows.size()));
    const int gap = 26;
    const int panelHeight = (size.height() - topMargin - bottomMargin - gap * (panels - 1)) / panels;
    const int width = size.width() - left - right;
    const double perSecond = double(width) / double(seconds);
    const auto xAt = [&](double second) { return left + int(second * perSecond); };

    for (int i = 0; i < panels && i < summary.rows.size(); ++i) {
        const ScenarioRunner::Row &row = summary.rows.at(i);
        const int y0 = topMargin + i * (panelHeight + gap) + 18; // below the panel's title
        const int h = panelHeight - 18;
        const auto yAt = [&](double value) { return y0 + h - int(value / top * h); };
        p.setFont(bold);
        p.setPen(row.lostAfter2xx > 0 ? colours.lostTitle : Ink);
        p.drawText(left, y0 - 5,
            QStringLiteral("%1: %2 sent, %3 answered 2xx, %4 answered 5xx, %5 lost after 2xx")
                .arg(row.policy)
                .arg(row.sent)
                .arg(row.answered2xx)
                .arg(row.answered5xx)
                .arg(row.lostAfter2xx));
        p.setFont(font);
        // The outage.
        if (summary.outageToMs > summary.outageFromMs)
            p.fillRect(
                QRect(QPoint(xAt(summary.outageFromMs / 1000.0), y0), QPoint(xAt(summary.outageToMs / 1000.0), y0 + h)),
                OutageShade);
        // Grid and y labels.
        for (quint32 v = 0; v <= top; v += std::max<quint32>(1, top / 2)) {
            p.setPen(Grid);
            p.drawLine(left, yAt(v), left + width, yAt(v));
            p.setPen(Ink);
            const QString label = QString::number(v);
            p.drawText(left - 6 - metrics.horizontalAdvance(label), yAt(v) + 4, label);
        }
        // Bars: stored at the bottom, lost on it, 5xx on top.
        const int barWidth = std::max(1, int(perSecond) - 2);
        for (qsizetype s = 0; s < row.seconds.size(); ++s) {
            const ScenarioRunner::Second &second = row.seconds.at(s);
            const quint32 lost = std::min(second.lostAfter2xx, second.answered2xx);
            const quint32 stored = second.answered2xx - lost;
            const int x = xAt(double(s)) + 1;
            double base = 0;
            for (const auto &[count, color] :
                { std::pair { stored, Stored }, std::pair { lost, Lost }, std::pair { second.answered5xx, Failed } }) {
                if (count == 0)
                    continue;
                p.fillRect(QRect(QPoint(x, yAt(base + count)), QPoint(x + barWidth - 1, yAt(base) - 1)), color);
                base += count;
            }
        }
        p.setPen(Ink);
        p.drawLine(left, y0 + h, left + width, y0 + h);
    }
    // x axis: seconds.
    const int axisY = size.height() - bottomMargin;
    const int step = seconds > 40 ? 10 : 5;
    p.setPen(Ink);
    for (qsizetype s = 0; s <= seconds; s += step) {
        const QString label = QString::number(s);
        p.drawText(xAt(double(s)) - metrics.horizontalAdvance(label) / 2, axisY + 14, label);
    }
    const QString axis = QStringLiteral("seconds since the first request (by when each request was sent)");
    p.drawText(left + (width - metrics.horizontalAdvance(axis)) / 2, axisY + 30, axis);
    p.setPen(colours.faint);
    p.drawText(16, axisY + 30,
        QDateTime::fromMSecsSinceEpoch(summary.startedAtMs, Qt::UTC)
            .toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")));
    return image;
}
