#include "scenariosummarydialog.h"

#include "scenariochart.h"
#include "theme.h"

#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QTextEdit>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QString policyList(const QStringList &policies)
{
    QStringList quoted;
    for (const QString &p : policies)
        quoted << QStringLiteral("<b>%1</b>").arg(p.toHtmlEscaped());
    if (quoted.size() <= 1)
        return quoted.join(QString());
    return quoted.mid(0, quoted.size() - 1).join(QStringLiteral(", ")) + QStringLiteral(" and ") + quoted.last();
}

} // namespace

QString ScenarioSummaryDialog::lesson(const ScenarioRunner::Summary &summary)
{
    if (!summary.error.isEmpty())
        return QObject::tr("The scenario did not run: %1").arg(summary.error.toHtmlEscaped());
    QStringList kept, lost;
    quint64 lostTotal = 0;
    for (const ScenarioRunner::Row &row : summary.rows) {
        if (row.answered2xx == 0)
            continue;
        if (row.lostAfter2xx == 0) {
            kept << row.policy;
        } else {
            lost << QStringLiteral("%1 (%2)").arg(row.policy).arg(row.lostAfter2xx);
            lostTotal += row.lostAfter2xx;
        }
    }
    QString sentence;
    if (lost.isEmpty())
        sentence = QObject::tr("Every 2xx was stored, under %1: no event answered 2xx is missing from the stream.")
                       .arg(policyList(kept));
    else if (kept.isEmpty())
        sentence = QObject::tr("%1 answered 2xx to events that are not in the stream: %n lost.", "", int(lostTotal))
                       .arg(policyList(lost));
    else
        sentence = QObject::tr("Every 2xx from %1 was stored; %2 answered 2xx to events that are gone. "
                               "A 2xx means stored only where the answer waits for the store.")
                       .arg(policyList(kept), policyList(lost));
    if (summary.scenario == QLatin1String("power-cut") && !lost.isEmpty())
        sentence += QObject::tr(" A PubAck is not an fsync: nats-server 2.9 writes to the page cache and syncs on a "
                                "timer (docs/RELIABILITY.md).");
    if (!summary.settled)
        sentence += QObject::tr(" Not settled: some events were still pending when the wait ended.");
    return sentence;
}

ScenarioSummaryDialog::ScenarioSummaryDialog(const ScenarioRunner::Summary &summary, QWidget *parent)
    : QDialog(parent)
    , m_summary(summary)
{
    setObjectName(QStringLiteral("scenarioSummary"));
    setWindowTitle(tr("Scenario %1").arg(summary.scenario));
    auto *layout = new QVBoxLayout(this);

    auto *lessonLabel = new QLabel(lesson(summary), this);
    lessonLabel->setObjectName(QStringLiteral("scenarioLesson"));
    lessonLabel->setWordWrap(true);
    lessonLabel->setTextFormat(Qt::RichText);
    layout->addWidget(lessonLabel);

    if (summary.error.isEmpty()) {
        // The losses, one large figure per policy.
        auto *figures = new QGridLayout;
        int column = 0;
        for (const ScenarioRunner::Row &row : summary.rows) {
            auto *name = new QLabel(row.policy, this);
            name->setAlignment(Qt::AlignCenter);
            auto *figure = new QLabel(QString::number(row.lostAfter2xx), this);
            figure->setObjectName(QStringLiteral("lost_%1").arg(row.policy));
            figure->setAlignment(Qt::AlignCenter);
            QFont big = figure->font();
            big.setPointSizeF(big.pointSizeF() * 2.6);
            big.setBold(true);
            figure->setFont(big);
            QPalette palette = figure->palette();
            palette.setColor(QPalette::WindowText, // red or green text that reads on a light or a dark window
                Theme::ink(row.lostAfter2xx > 0 ? Theme::Tone::Fail : Theme::Tone::Ok, palette));
            figure->setPalette(palette);
            figure->setToolTip(tr("%1: %2 answered 2xx, %3 of them not in the stream")
                                   .arg(row.policy)
                                   .arg(row.answered2xx)
                                   .arg(row.lostAfter2xx));
            auto *caption = new QLabel(tr("lost after 2xx"), this);
            caption->setAlignment(Qt::AlignCenter);
            figures->addWidget(name, 0, column);
            figures->addWidget(figure, 1, column);
            figures->addWidget(caption, 2, column);
            ++column;
        }
        layout->addLayout(figures);

        // The chart, inline: the picture "Save chart as PNG…" writes; painted below, once the
        // rest of the dialog is laid out and the room it leaves is known.
        auto *chart = new QLabel(this);
        chart->setObjectName(QStringLiteral("scenarioChartView"));
        chart->setAlignment(Qt::AlignCenter);
        layout->addWidget(chart, 1);
    }

    // The table and its definitions: not wrapped (a policy name stays on one line), scrolled instead.
    auto *text = new QTextEdit(this);
    text->setObjectName(QStringLiteral("scenarioTable"));
    text->setReadOnly(true);
    text->setLineWrapMode(QTextEdit::NoWrap);
    text->setMarkdown(summary.markdown());
    text->setMinimumHeight(120);
    text->setMaximumHeight(summary.error.isEmpty() ? 170 : QWIDGETSIZE_MAX);
    layout->addWidget(text);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    buttons->button(QDialogButtonBox::Save)->setText(tr("Save as Markdown…"));
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
    connect(buttons, &QDialogButtonBox::accepted, this, &ScenarioSummaryDialog::saveMarkdown);
    if (summary.error.isEmpty()) {
        auto *chart = buttons->addButton(tr("Save chart as PNG…"), QDialogButtonBox::ActionRole);
        chart->setObjectName(QStringLiteral("saveScenarioChart"));
        connect(chart, &QPushButton::clicked, this, &ScenarioSummaryDialog::saveChart);
    }
    layout->addWidget(buttons);

    if (auto *chart = findChild<QLabel *>(QStringLiteral("scenarioChartView"))) {
        const QScreen *screen = parent ? parent->screen() : this->screen();
        const int available = screen ? screen->availableGeometry().height() : 768;
        const int rest = layout->sizeHint().height(); // everything but the (still empty) chart
        const int height = std::clamp(available - rest - TitleBarAllowance, 200, 480);
        // The PNG's width: the chart's titles and axis labels are laid out for it; only its
        // panels give up height.
        m_chartSize = { 960, height };
        chart->setPixmap(QPixmap::fromImage(ScenarioChart::render(summary, m_chartSize)));
    }
}

void ScenarioSummaryDialog::saveMarkdown()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save the summary"), QStringLiteral("scenario-%1.md").arg(m_summary.scenario), tr("Markdown (*.md)"));
    if (path.isEmpty())
        return;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(m_summary.markdown().toUtf8()) < 0)
        QMessageBox::warning(this, tr("Save the summary"), tr("Cannot write %1").arg(path));
}

void ScenarioSummaryDialog::saveChart()
{
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Save the chart"), QStringLiteral("scenario-%1.png").arg(m_summary.scenario), tr("PNG image (*.png)"));
    if (!path.isEmpty() && !ScenarioChart::render(m_summary).save(path, "PNG"))
        QMessageBox::warning(this, tr("Save the chart"), tr("Cannot write %1").arg(path));
}
