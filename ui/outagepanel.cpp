// OutagePanel: switches the fault proxy's simulated outage and shows whatever switched it.
#include "outagepanel.h"

#include "outage/faultproxy.h"
#include "runtime.h"

#include <QAction>
#include <QActionGroup>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QTimer>

namespace {
constexpr qint64 ReconnectGraceMs = 15000; // after an outage ends, reconnecting is expected this long
}

OutagePanel::OutagePanel(Runtime *runtime, QWidget *parent)
    : QGroupBox(tr("Simulated outage"), parent)
    , m_runtime(runtime)
{
    // Two rows (actions, then their settings), so that the window's row fits a 1024-pixel screen.
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(6, 2, 6, 4);
    layout->setVerticalSpacing(2);
    m_simulate = new QPushButton(this);
    m_simulate->setObjectName(QStringLiteral("simulateOutage"));
    m_simulate->setText(tr("Simulate outage…"));
    m_simulate->setToolTip(tr("Pick how NATS should fail; ackhook then answers 500 instead of 200 (Ctrl+O)"));
    auto *modes = new QMenu(m_simulate);
    auto *modeGroup = new QActionGroup(this);
    struct ModeAction {
        OutageSettings::Mode mode;
        const char *label;
        const char *explanation;
    };
    const ModeAction modeActions[] = {
        { OutageSettings::Mode::Down, "Down: NATS unreachable", "Connections refused: 500 at once (disconnected)" },
        { OutageSettings::Mode::Blackhole, "Blackhole: NATS silent",
            "Connections stay open, nothing gets through: 500 after the ack timeout" },
        { OutageSettings::Mode::Latency, "Latency: NATS slow", "Each direction is delayed: slower 200s" },
        { OutageSettings::Mode::AckLoss, "Ack loss: PubAcks dropped",
            "Events are stored but their PubAcks are lost: 500, and a retry answers duplicate" },
        { OutageSettings::Mode::Flap, "Flap: down and up again", "Down for a period, then up for a period, again" },
    };
    for (const ModeAction &m : modeActions) {
        QAction *action = modes->addAction(tr(m.label));
        action->setCheckable(true);
        action->setToolTip(tr(m.explanation));
        action->setStatusTip(tr(m.explanation));
        modeGroup->addAction(action);
        m_actions.insert(m.mode, action);
        connect(action, &QAction::triggered, this, [this, mode = m.mode] { start(mode); });
        // ack-loss over TLS: the proxy cannot see the PubAcks; say so where the mode is picked.
        if (const QString why = m_runtime->faultProxy()->refusal(m.mode); !why.isEmpty()) {
            action->setEnabled(false);
            action->setToolTip(why);
            action->setStatusTip(why);
        }
    }
    // The power cut is an event, not a state: nats-server dies, loses what it did not fsync, and
    // starts again at once. Greyed out, the reason as its tooltip, where it cannot be simulated.
    modes->addSeparator();
    m_powerCut = modes->addAction(tr("Power cut: nats-server loses power"));
    m_powerCut->setObjectName(QStringLiteral("powerCut"));
    const QString powerCutRefusal = m_runtime->powerCutRefusal();
    const QString powerCutExplanation = powerCutRefusal.isEmpty()
        ? tr("nats-server is SIGKILLed, what it did not fsync is dropped, and it starts again on what survived: "
             "the loss detector then counts the 200s that vanished")
        : powerCutRefusal;
    m_powerCut->setEnabled(powerCutRefusal.isEmpty());
    m_powerCut->setToolTip(powerCutExplanation);
    m_powerCut->setStatusTip(powerCutExplanation);
    connect(m_powerCut, &QAction::triggered, this, [this] {
        QString why;
        Q_EMIT message(m_runtime->powerCut(&why)
                ? tr("Power cut: nats-server restarted on what its disk kept; lost 200s show in the loss detector")
                : tr("Power cut failed: %1").arg(why),
            15000);
        Q_EMIT changed();
    });
    modes->setToolTipsVisible(true);
    m_simulate->setMenu(modes);
    m_end = new QPushButton(tr("End outage"), this);
    m_end->setObjectName(QStringLiteral("endOutage"));
    m_end->setToolTip(tr("NATS works normally again (Ctrl+O)"));
    connect(m_end, &QPushButton::clicked, this, &OutagePanel::end);
    m_latency = new QSpinBox(this);
    m_latency->setRange(0, 60000);
    m_latency->setValue(200);
    m_latency->setPrefix(tr("latency "));
    m_latency->setSuffix(tr(" ms"));
    m_latency->setToolTip(tr("Delay added to each direction (while the latency outage runs)"));
    m_flapPeriod = new QSpinBox(this);
    m_flapPeriod->setRange(200, 600000);
    m_flapPeriod->setSingleStep(500);
    m_flapPeriod->setValue(2000);
    m_flapPeriod->setPrefix(tr("period "));
    m_flapPeriod->setSuffix(tr(" ms"));
    m_flapPeriod->setToolTip(tr("Down for this long, then up for this long (while the flap outage runs)"));
    m_blackholeSeconds = new QSpinBox(this);
    m_blackholeSeconds->setRange(0, 3600);
    m_blackholeSeconds->setValue(0);
    m_blackholeSeconds->setPrefix(tr("for "));
    m_blackholeSeconds->setSuffix(tr(" s"));
    m_blackholeSeconds->setSpecialValueText(tr("until ended"));
    m_blackholeSeconds->setToolTip(tr("The blackhole ends by itself after this long (0: until you end it)"));
    m_blackholeEnd = new QTimer(this);
    m_blackholeEnd->setSingleShot(true);
    connect(m_blackholeEnd, &QTimer::timeout, this, [this] {
        if (m_runtime->faultProxy()->mode() == OutageSettings::Mode::Blackhole)
            end();
    });
    const auto applyLive = [this] { // a setting of the running mode applies at once
        OutageSettings settings = m_runtime->faultProxy()->settings();
        if (settings.mode == OutageSettings::Mode::Off)
            return;
        settings.latencyMs = m_latency->value();
        settings.flapPeriodMs = m_flapPeriod->value();
        if (settings != m_runtime->faultProxy()->settings())
            m_runtime->faultProxy()->setSettings(settings);
    };
    connect(m_latency, &QSpinBox::valueChanged, this, applyLive);
    connect(m_flapPeriod, &QSpinBox::valueChanged, this, applyLive);
    connect(m_blackholeSeconds, &QSpinBox::valueChanged, this, [this](int seconds) {
        if (m_runtime->faultProxy()->mode() != OutageSettings::Mode::Blackhole)
            return;
        if (seconds > 0)
            m_blackholeEnd->start(seconds * 1000);
        else
            m_blackholeEnd->stop();
    });
    // Outages switched elsewhere (admin API, --outage) show here too, without being re-applied.
    connect(m_runtime->faultProxy(), &FaultProxy::settingsChanged, this, &OutagePanel::showSettings);
    auto *actions = new QHBoxLayout;
    actions->addWidget(m_simulate);
    actions->addWidget(m_end);
    actions->addStretch(1);
    layout->addLayout(actions, 0, 0, 1, 3);
    layout->addWidget(m_latency, 1, 0);
    layout->addWidget(m_flapPeriod, 1, 1);
    layout->addWidget(m_blackholeSeconds, 1, 2);
}

void OutagePanel::start(OutageSettings::Mode mode)
{
    OutageSettings settings = m_runtime->faultProxy()->settings();
    settings.mode = mode;
    settings.latencyMs = m_latency->value();
    settings.flapPeriodMs = m_flapPeriod->value();
    if (QString why; !m_runtime->faultProxy()->setSettings(settings, &why)) {
        Q_EMIT message(why, 15000);
        showSettings(m_runtime->faultProxy()->settings());
        return;
    }
    m_lastMode = mode;
    if (mode == OutageSettings::Mode::Blackhole && m_blackholeSeconds->value() > 0)
        m_blackholeEnd->start(m_blackholeSeconds->value() * 1000);
    else
        m_blackholeEnd->stop();
    showSettings(m_runtime->faultProxy()->settings());
    Q_EMIT changed();
}

void OutagePanel::end()
{
    OutageSettings settings = m_runtime->faultProxy()->settings();
    settings.mode = OutageSettings::Mode::Off;
    m_blackholeEnd->stop();
    m_runtime->faultProxy()->setSettings(settings);
    showSettings(m_runtime->faultProxy()->settings());
    Q_EMIT changed();
}

void OutagePanel::toggle()
{
    if (m_locked) { // the scenario drives the outage: a second one would spoil its figures
        Q_EMIT message(tr("A scenario is running: it starts and ends the outage itself"), 5000);
        return;
    }
    if (m_runtime->faultProxy()->mode() == OutageSettings::Mode::Off)
        start(m_lastMode);
    else
        end();
}

void OutagePanel::showSettings(const OutageSettings &settings)
{
    const bool active = settings.mode != OutageSettings::Mode::Off;
    if (!active && m_wasActive)
        m_endedMs = QDateTime::currentMSecsSinceEpoch(); // reconnecting for a moment is expected
    m_wasActive = active;
    for (auto it = m_actions.cbegin(); it != m_actions.cend(); ++it) {
        const QSignalBlocker block(it.value());
        it.value()->setChecked(it.key() == settings.mode);
    }
    if (active)
        m_lastMode = settings.mode;
    m_end->setEnabled(active && !m_locked);
    m_simulate->setText(
        active ? tr("Outage: %1").arg(OutageSettings::modeName(settings.mode)) : tr("Simulate outage…"));
    m_simulate->setMinimumWidth(m_simulate->sizeHint().width()); // its menu arrow never covers the text
    {
        const QSignalBlocker blockLatency(m_latency);
        const QSignalBlocker blockFlap(m_flapPeriod);
        m_latency->setValue(settings.latencyMs);
        m_flapPeriod->setValue(settings.flapPeriodMs);
    }
    // A setting is only editable while the mode it belongs to runs.
    m_latency->setEnabled(settings.mode == OutageSettings::Mode::Latency);
    m_flapPeriod->setEnabled(settings.mode == OutageSettings::Mode::Flap);
    m_blackholeSeconds->setEnabled(settings.mode == OutageSettings::Mode::Blackhole);
    Q_EMIT settingsShown(settings);
}

bool OutagePanel::reconnectExpected() const
{
    return m_endedMs && QDateTime::currentMSecsSinceEpoch() - m_endedMs < ReconnectGraceMs;
}

void OutagePanel::setLocked(bool locked)
{
    m_locked = locked;
    const QString reason = tr("A scenario is running: it starts and ends the outage itself");
    m_simulate->setEnabled(!locked);
    m_simulate->setToolTip(
        locked ? reason : tr("Pick how NATS should fail; ackhook then answers 500 instead of 200 (Ctrl+O)"));
    for (auto it = m_actions.cbegin(); it != m_actions.cend(); ++it)
        it.value()->setEnabled(!locked && m_runtime->faultProxy()->refusal(it.key()).isEmpty());
    m_powerCut->setEnabled(!locked && m_runtime->powerCutRefusal().isEmpty());
    showSettings(m_runtime->faultProxy()->settings()); // End outage follows
}
