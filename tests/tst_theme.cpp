// Theme in a light and a dark palette: every coloured cell, badge and coloured text has a WCAG
// contrast ratio of at least 4.5 between its text and its background, in both; the models and the
// rate chart follow QApplication::setPalette (what a dark desktop's platform theme does).
#include "failedeventmodel.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requesttablemodel.h"
#include "scenariochart.h"
#include "testsupport.h"
#include "theme.h"

#include <QApplication>
#include <QBrush>
#include <QChart>
#include <QScatterSeries>
#include <QSet>
#include <QTest>

namespace {
constexpr double MinContrast = 4.5; // WCAG 2 AA, normal text

QString describe(const QColor &text, const QColor &background)
{
    return QStringLiteral("%1 on %2: %3")
        .arg(text.name(), background.name())
        .arg(Theme::contrastRatio(text, background));
}

QPalette lightPalette()
{
    QPalette p(QColor(0xef, 0xef, 0xef)); // Fusion's window grey; text black
    p.setColor(QPalette::Base, Qt::white);
    return p;
}

RequestRecord record(int status, quint64 requestId = 0)
{
    RequestRecord r;
    r.receivedMs = 1'700'000'000'000;
    r.method = "POST";
    r.path = "/webhook";
    r.status = status;
    r.requestId = requestId;
    r.key = QStringLiteral("k%1").arg(status);
    return r;
}

// The background and text a model gives a cell, and their contrast.
void checkCell(const QModelIndex &index, const char *what)
{
    const QColor background = index.data(Qt::BackgroundRole).value<QBrush>().color();
    const QColor text = index.data(Qt::ForegroundRole).value<QBrush>().color();
    QVERIFY2(background.isValid() && text.isValid(), what);
    QVERIFY2(Theme::contrastRatio(text, background) >= MinContrast,
        qPrintable(QStringLiteral("%1: %2").arg(QLatin1String(what), describe(text, background))));
}
} // namespace

class TestTheme : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void contrastRatioIsWcag();
    void darkIsTheWindowColour();
    void everyToneReads_data();
    void everyToneReads();
    void modelRowsFollowThePalette_data();
    void modelRowsFollowThePalette();
    void chartFollowsThePalette();
    void scenarioChartFollowsThePalette();

private:
    QPalette m_original;
};

void TestTheme::init()
{
    m_original = QApplication::palette();
}

void TestTheme::cleanup()
{
    QApplication::setPalette(m_original);
}

void TestTheme::contrastRatioIsWcag()
{
    QCOMPARE(Theme::contrastRatio(Qt::black, Qt::white), 21.0);
    QCOMPARE(Theme::contrastRatio(Qt::white, Qt::white), 1.0);
    QCOMPARE(Theme::contrastRatio(Qt::white, Qt::black), Theme::contrastRatio(Qt::black, Qt::white));
    // The old amber badge, white on #c77700: 3.5, below 4.5 (why the badge's text is dark now).
    QVERIFY(qAbs(Theme::contrastRatio(Qt::white, QColor(0xc7, 0x77, 0x00)) - 3.46) < 0.01);
}

void TestTheme::darkIsTheWindowColour()
{
    QVERIFY(Theme::isDark(Theme::darkPalette()));
    QVERIFY(!Theme::isDark(lightPalette()));
    QApplication::setPalette(Theme::darkPalette());
    QVERIFY(Theme::isDark());
    QApplication::setPalette(lightPalette());
    QVERIFY(!Theme::isDark());
}

void TestTheme::everyToneReads_data()
{
    QTest::addColumn<QPalette>("palette");
    QTest::addRow("light") << lightPalette();
    QTest::addRow("dark") << Theme::darkPalette();
}

void TestTheme::everyToneReads()
{
    QFETCH(QPalette, palette);
    for (const Theme::Tone tone : Theme::AllTones) {
        const QString name = QString::number(int(tone));
        const Theme::Colours cell = Theme::cell(tone, palette);
        QVERIFY2(Theme::contrastRatio(cell.text, cell.background) >= MinContrast,
            qPrintable(QStringLiteral("cell %1: %2").arg(name, describe(cell.text, cell.background))));
        const Theme::Colours badge = Theme::badge(tone);
        QVERIFY2(Theme::contrastRatio(badge.text, badge.background) >= MinContrast,
            qPrintable(QStringLiteral("badge %1: %2").arg(name, describe(badge.text, badge.background))));
        const QColor window = palette.color(QPalette::Window);
        const QColor ink = Theme::ink(tone, palette);
        QVERIFY2(Theme::contrastRatio(ink, window) >= MinContrast,
            qPrintable(QStringLiteral("ink %1: %2").arg(name, describe(ink, window))));
        // A cell is told apart from the table's own background.
        QVERIFY(cell.background != palette.color(QPalette::Base));
    }
    // The chart's latency lines on the chart's background (the palette's base).
    const QColor base = palette.color(QPalette::Base);
    for (const QColor &line : { Theme::p50Colour(palette), Theme::p99Colour(palette) })
        QVERIFY2(Theme::contrastRatio(line, base) >= MinContrast, qPrintable(describe(line, base)));
    QVERIFY(Theme::p50Colour(palette) != Theme::p99Colour(palette));
    // The tones stay distinct from each other in a palette (ok, failed, replayed, rejected, waiting).
    QSet<QRgb> backgrounds;
    for (const Theme::Tone tone : { Theme::Tone::Waiting, Theme::Tone::Ok, Theme::Tone::Recovered, Theme::Tone::Warn,
             Theme::Tone::Fail, Theme::Tone::Neutral })
        backgrounds.insert(Theme::cell(tone, palette).background.rgb());
    QCOMPARE(backgrounds.size(), 6);
}

void TestTheme::modelRowsFollowThePalette_data()
{
    everyToneReads_data();
}

void TestTheme::modelRowsFollowThePalette()
{
    QFETCH(QPalette, palette);
    QApplication::setPalette(palette);
    const bool dark = Theme::isDark(palette);

    RequestTableModel requests;
    requests.appendBatch({ record(200), record(202), record(429), record(500), record(0, 7) }); // 0 + id: waiting
    QCOMPARE(requests.rowCount(), 5);
    for (int row = 0; row < requests.rowCount(); ++row) {
        const QModelIndex index = requests.index(row, RequestTableModel::StatusColumn);
        checkCell(index, qPrintable(QStringLiteral("request row %1 (%2)").arg(row).arg(index.data().toString())));
        // The background is the palette's kind: dark cells in a dark palette, light in a light one.
        const QColor background = index.data(Qt::BackgroundRole).value<QBrush>().color();
        QCOMPARE(background.lightnessF() < 0.5, dark);
    }

    FailedEventModel failed;
    using TestSupport::sampleFailedEvent;
    failed.setEvents({ sampleFailedEvent(3, FailedEvent::State::Pending), sampleFailedEvent(2, FailedEvent::State::Replayed),
        sampleFailedEvent(1, FailedEvent::State::Discarded) });
    QCOMPARE(failed.rowCount(), 3);
    for (int row = 0; row < failed.rowCount(); ++row) {
        const QModelIndex index = failed.index(row, FailedEventModel::StateColumn);
        checkCell(index, qPrintable(QStringLiteral("failed-event row %1 (%2)").arg(row).arg(index.data().toString())));
        QCOMPARE(index.data(Qt::BackgroundRole).value<QBrush>().color().lightnessF() < 0.5, dark);
    }
}

void TestTheme::chartFollowsThePalette()
{
    QApplication::setPalette(lightPalette());
    RateHistoryModel model;
    RateChartView chart(&model);
    QVERIFY(!chart.isDarkChart());
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeLight);
    const QColor lightP50 = static_cast<QScatterSeries *>(chart.series(RateHistoryModel::P50Column))->borderColor();

    QApplication::setPalette(Theme::darkPalette()); // as a desktop switching to dark does
    QTRY_VERIFY(chart.isDarkChart());
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeDark);
    QCOMPARE(chart.chart()->backgroundBrush().color(), Theme::darkPalette().color(QPalette::Base));
    // setTheme resets series colours: ours are put back, the dark variants.
    const auto *p50 = static_cast<QScatterSeries *>(chart.series(RateHistoryModel::P50Column));
    QCOMPARE(p50->borderColor(), Theme::p50Colour(Theme::darkPalette()));
    QVERIFY(p50->borderColor() != lightP50);

    QApplication::setPalette(lightPalette());
    QTRY_VERIFY(!chart.isDarkChart());
    QCOMPARE(chart.chart()->theme(), QChart::ChartThemeLight);
}

void TestTheme::scenarioChartFollowsThePalette()
{
    ScenarioRunner::Summary summary;
    summary.scenario = QStringLiteral("demo");
    ScenarioRunner::Row row;
    row.policy = QStringLiteral("ack");
    row.seconds.append(ScenarioRunner::Second {});
    summary.rows.append(row);
    QApplication::setPalette(lightPalette());
    const QImage light = ScenarioChart::render(summary, { 480, 280 });
    QCOMPARE(light.pixelColor(2, 2), QColor(Qt::white)); // the headless run's and the light desktop's paper
    QApplication::setPalette(Theme::darkPalette());
    const QImage dark = ScenarioChart::render(summary, { 480, 280 });
    QVERIFY(dark.pixelColor(2, 2).lightnessF() < 0.2);
    // The title's ink on that paper: the brightest pixel of the title line against the background.
    int brightest = 0;
    for (int y = 8; y < 30; ++y)
        for (int x = 16; x < 300; ++x)
            brightest = qMax(brightest, dark.pixelColor(x, y).lightness());
    QVERIFY(Theme::contrastRatio(QColor(brightest, brightest, brightest), dark.pixelColor(2, 2)) >= MinContrast);
}

QTEST_MAIN(TestTheme)
#include "tst_theme.moc"
