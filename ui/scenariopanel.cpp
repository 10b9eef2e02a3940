// ScenarioPanel: runs one ScenarioRunner at a time and shows its summary; the loss detector's line.
#include "scenariopanel.h"
#include "theme.h"
#include "scenariosummarydialog.h"

#include "runtime.h"
#include "status.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStandardItemModel>

ScenarioPanel::ScenarioPanel(Runtime *runtime, QWidget *parent)
    : QWidget(parent)
    , m_runtime(runtime)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 1, 6, 1);
    layout->setSpacing(4);
    auto *title = new QLabel(tr("Lab scenario:"), this);
    layout->addWidget(title);
    m_loss = new QLabel(this); // the window moves it into a row of its own
    m_loss->setObjectName(QStringLiteral("lossDetector"));
    m_loss->setWordWrap(true);
    m_loss->setToolTip(tr("The loss detector reads the stream on its own connection and checks every answer: "
                          "lost = answered 2xx but not in the stream after the grace period"));
    m_loss->setVisible(false);
    m_name = new QComboBox(this);
    m_name->addItems(ScenarioRunner::names());
    // A scenario this ackhook cannot run (power-cut without --lab-lossy-store or FUSE) is greyed
    // out, the reason as its tooltip.
    if (auto *items = qobject_cast<QStandardItemModel *>(m_name->model())) {
        for (int i = 0; i < items->rowCount(); ++i) {
            const auto scenario = ScenarioRunner::find(items->item(i)->text());
            if (!scenario || scenario->outage != ScenarioRunner::Outage::PowerCut)
                continue;
            if (const QString why = m_runtime->powerCutRefusal(); !why.isEmpty()) {
                items->item(i)->setEnabled(false);
                items->item(i)->setToolTip(why);
            }
        }
    }
    m_run = new QPushButton(tr("Run scenario"), this);
    m_run->setObjectName(QStringLiteral("runScenario"));
    m_run->setToolTip(tr("Traffic on one endpoint per dispatch policy, the chosen outage in the middle, "
                         "recovery, then the summary per policy (about a minute)"));
    connect(m_run, &QPushButton::clicked, this, &ScenarioPanel::run);
    connect(m_name, &QComboBox::currentIndexChanged, this, &ScenarioPanel::updateRunButton);
    connect(m_runtime, &Runtime::dispatchPolicyChanged, this, &ScenarioPanel::updateRunButton);
    updateRunButton();
    layout->addWidget(m_name);
    layout->addWidget(m_run);
}

void ScenarioPanel::showStatus(const StatusSnapshot &s)
{
    if (!s.loss.enabled)
        return;
    QStringList parts;
    quint64 lost = 0;
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        const auto policy = static_cast<DispatchPolicy>(i);
        const LossCounts &c = s.loss.of(policy);
        if (c.answered2xx + c.answered5xx == 0)
            continue;
        lost += c.lostAfter2xx;
        parts.append(tr("%1: %2 × 2xx, %3 stored, %4 LOST after 2xx, %5 pending, %6 × 5xx (%7 stored anyway)")
                         .arg(dispatchPolicyName(policy))
                         .arg(c.answered2xx)
                         .arg(c.stored)
                         .arg(c.lostAfter2xx)
                         .arg(c.pending)
                         .arg(c.answered5xx)
                         .arg(c.storedAfter5xx));
    }
    if (s.loss.trackingFull)
        parts.append(tr("tracking bound reached: newer answers are only counted"));
    m_loss->setText(
        tr("Loss detector — ") + (parts.isEmpty() ? tr("no events yet") : parts.join(QStringLiteral(" · "))));
    m_loss->setStyleSheet(lost > 0 ? QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(Theme::ink(Theme::Tone::Fail).name()) : QString());
    m_loss->setVisible(true);
}

void ScenarioPanel::run()
{
    const auto scenario = ScenarioRunner::find(m_name->currentText());
    if (!scenario)
        return;
    if (const QString why = ScenarioRunner::problem(m_runtime, *scenario); !why.isEmpty()) {
        Q_EMIT message(why, 10000);
        return;
    }
    auto *runner = new ScenarioRunner(m_runtime, *scenario, m_options, this);
    m_scenario = runner;
    m_run->setEnabled(false);
    m_name->setEnabled(false);
    connect(runner, &ScenarioRunner::progress, this,
        [this](const QString &phase) { m_run->setText(tr("Scenario: %1").arg(phase)); });
    connect(runner, &ScenarioRunner::finished, this, [this, runner](const ScenarioRunner::Summary &summary) {
        runner->deleteLater();
        m_scenario = nullptr;
        m_name->setEnabled(true);
        m_run->setText(tr("Run scenario"));
        updateRunButton();
        Q_EMIT runningChanged(false);
        auto *dialog = new ScenarioSummaryDialog(summary, window());
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    Q_EMIT runningChanged(true);
    runner->start(); // a run that cannot start finishes at once: the handler above unlocks
}

void ScenarioPanel::updateRunButton()
{
    if (isRunning())
        return;
    const auto scenario = ScenarioRunner::find(m_name->currentText());
    const QString why = scenario ? ScenarioRunner::problem(m_runtime, *scenario) : tr("No such scenario");
    m_run->setEnabled(why.isEmpty());
    m_run->setToolTip(why.isEmpty()
            ? tr("Traffic on one endpoint per dispatch policy, the chosen outage in the middle, recovery, then the "
                 "summary per policy (about a minute)")
            : why);
    m_run->setStatusTip(why);
}
