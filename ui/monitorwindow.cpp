// MonitorWindow: widgets wired to the Runtime. The GUI thread only displays: records arrive in
// batches from the server thread, everything else is read from thread-safe snapshots.
#include "monitorwindow.h"
#include "elidedlabel.h"
#include "outcometext.h"
#include "failedqueuepanel.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requestdetailview.h"
#include "requestfilterproxy.h"
#include "requesttablemodel.h"

#include "http/curlcommand.h"

#include "nats/embeddednats.h"
#include "nats/streamaudit.h"
#include "runtime.h"
#include "scenariosummarydialog.h"
#include "streambrowser.h"
#include "scenariorunner.h"
#include "store/failedeventstore.h"
#include "store/replayer.h"
#include "webhook/endpoint.h"
#include "webhook/samplerequest.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QNetworkAccessManager>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslError>
#include <QNetworkReply>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QToolButton>
#include <QUuid>
#include <QVBoxLayout>

#include <algorithm>

namespace {
constexpr qint64 ReconnectGraceMs = 15000; // after an outage ends, reconnecting is expected this long

QString badgeStyle(const char *background)
{
    return QStringLiteral(
        "QLabel { background: %1; color: white; font-weight: bold; padding: 6px 12px; border-radius: 4px; }")
        .arg(QLatin1String(background));
}
} // namespace

MonitorWindow::MonitorWindow(Runtime *runtime, QWidget *parent)
    : QMainWindow(parent)
    , m_runtime(runtime)
    , m_model(new RequestTableModel(10000, this))
    , m_filter(new RequestFilterProxy(this))
    , m_rates(new RateHistoryModel(RateHistoryModel::DefaultSeconds, this))
    , m_network(new QNetworkAccessManager(this))
{
    setWindowTitle(tr("ackhook — webhooks acknowledged by NATS JetStream"));
    m_audit
        = new StreamAudit(m_runtime->upstreamUrls(), m_runtime->natsAccess(), m_runtime->config().gateway.stream, this);
    buildUi();
    buildMenus();
    connect(m_runtime->gatewayHost(), &GatewayHost::waitingReady, this, &MonitorWindow::appendWaiting);
    connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this, &MonitorWindow::appendRecords);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MonitorWindow::refresh);
    connect(timer, &QTimer::timeout, this, [this] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m_rates->advanceTo(now / 1000); // idle seconds count too
        const FaultProxy *proxy = m_runtime->faultProxy(); // null once the runtime has stopped
        if (proxy && proxy->mode() != OutageSettings::Mode::Off)
            m_rates->markOutage(now / 1000);
        m_model->tick(now);
    });
    timer->start(250);
    // The failed queue decides which failed rows are recovered: read it shortly after it changes.
    m_linksReload = new QTimer(this);
    m_linksReload->setSingleShot(true);
    m_linksReload->setInterval(200);
    connect(m_linksReload, &QTimer::timeout, this, &MonitorWindow::reloadQueueLinks);
    connect(m_runtime->failedEvents(), &FailedEventStore::changed, m_linksReload, qOverload<>(&QTimer::start));
    connect(m_runtime->replayer(), &Replayer::jobFinished, m_linksReload, qOverload<>(&QTimer::start));
    restoreSettings();
    showOutageSettings(m_runtime->faultProxy()->settings());
    reloadQueueLinks();
    refresh();
}

MonitorWindow::~MonitorWindow()
{
    saveSettings();
}

void MonitorWindow::buildUi()
{
    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(8, 6, 8, 4);
    layout->setSpacing(4);

    m_centralLayout = layout;
    updateFireAndForgetBanner();

    m_lossLabel = new QLabel(central);
    m_lossLabel->setObjectName(QStringLiteral("lossDetector"));
    m_lossLabel->setWordWrap(true);
    m_lossLabel->setToolTip(tr("The loss detector reads the stream on its own connection and checks every answer: "
                               "lost = answered 2xx but not in the stream after the grace period"));
    m_lossLabel->setVisible(false);
    // The lab's scenario (docs/LAB.md): one click, a minute later the table per policy.
    auto *lab = new QHBoxLayout;
    lab->addWidget(m_lossLabel, 1);
    m_scenarioName = new QComboBox(central);
    m_scenarioName->addItems(ScenarioRunner::names());
    // A scenario this ackhook cannot run (power-cut without --lab-lossy-store or FUSE) is greyed
    // out, the reason as its tooltip.
    if (auto *items = qobject_cast<QStandardItemModel *>(m_scenarioName->model())) {
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
    m_scenarioRun = new QPushButton(tr("Run scenario"), central);
    m_scenarioRun->setObjectName(QStringLiteral("runScenario"));
    m_scenarioRun->setToolTip(tr("Traffic on one endpoint per dispatch policy, the chosen outage in the middle, "
                                 "recovery, then the summary per policy (about a minute)"));
    connect(m_scenarioRun, &QPushButton::clicked, this, &MonitorWindow::runScenario);
    connect(m_scenarioName, &QComboBox::currentIndexChanged, this, &MonitorWindow::updateScenarioButton);
    updateScenarioButton();
    // Without the loss detector's line (not the lab) the scenario's controls keep their own size, right.
    lab->addStretch(0);
    lab->addWidget(m_scenarioName);
    lab->addWidget(m_scenarioRun);
    layout->addLayout(lab);

    // Connectivity header: the badge, NATS as it is (cut with a tooltip when narrow), the real
    // nats-server's switches, the webhook URL.
    auto *header = new QHBoxLayout;
    m_badge = new QLabel(central);
    m_badge->setObjectName(QStringLiteral("connectivityBadge"));
    m_natsDetails = new ElidedLabel(central);
    m_natsDetails->setObjectName(QStringLiteral("natsDetails"));
    m_natsStop = new QPushButton(tr("Stop nats-server"), central);
    m_natsStop->setObjectName(QStringLiteral("natsStop"));
    m_natsStop->setToolTip(tr("Really stop the embedded nats-server process (not a simulation)"));
    m_natsStart = new QPushButton(tr("Start nats-server"), central);
    m_natsStart->setObjectName(QStringLiteral("natsStart"));
    m_natsStart->setToolTip(tr("Start the embedded nats-server again, same port and store"));
    connect(m_natsStop, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->stopEmbeddedNats(&error))
            statusBar()->showMessage(error, 8000);
    });
    connect(m_natsStart, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->startEmbeddedNats(&error))
            statusBar()->showMessage(error, 8000);
    });
    m_natsStop->setVisible(m_runtime->isEmbedded());
    m_natsStart->setVisible(m_runtime->isEmbedded());
    // The URLs this configuration serves (docs/lab.toml serves /lab/ack …, not /webhook): one is
    // shown as it is, several in a selector; Copy takes the one shown.
    m_webhookUrl = new QLabel(central);
    m_webhookUrl->setObjectName(QStringLiteral("webhookUrl"));
    m_webhookUrl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_webhookUrl->setToolTip(tr("Where callers POST their webhooks"));
    m_endpointUrls = new QComboBox(central);
    m_endpointUrls->setObjectName(QStringLiteral("endpointUrls"));
    m_endpointUrls->setToolTip(tr("Every endpoint this configuration serves: where callers POST their webhooks"));
    m_endpointUrls->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    for (const Endpoint &endpoint : m_runtime->config().gateway.endpoints)
        m_endpointUrls->addItem(QString::fromLatin1(webhookBase()) + QString::fromUtf8(endpoint.path));
    if (m_endpointUrls->count() <= 1) {
        m_webhookUrl->setText(tr("Webhook URL: <b>%1</b>").arg(m_endpointUrls->itemText(0)));
        m_endpointUrls->hide();
    } else {
        m_webhookUrl->setText(tr("Webhook URLs:"));
    }
    auto *copy = new QToolButton(central);
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the webhook URL"));
    connect(copy, &QToolButton::clicked, this, [this] { QApplication::clipboard()->setText(m_endpointUrls->currentText()); });
    header->addWidget(m_badge);
    header->addWidget(m_natsDetails, 1);
    header->addWidget(m_natsStop);
    header->addWidget(m_natsStart);
    header->addSpacing(8);
    header->addWidget(m_webhookUrl);
    header->addWidget(m_endpointUrls);
    header->addWidget(copy);
    layout->addLayout(header);
    // A PubAck is not an fsync: said where the connection is shown, for this stream and server.
    m_durability = new ElidedLabel(central);
    m_durability->setObjectName(QStringLiteral("durability"));
    m_durability->setExplanation(
        tr("A 200 means JetStream acknowledged the event. nats-server writes its store through the page cache and "
           "syncs it to disk every 2 minutes: a crash of ackhook or of nats-server loses nothing acknowledged, a power "
           "cut (or kernel crash) of the machine can lose the last 2 minutes of it, unless the stream is replicated "
           "and not every replica loses power at once (docs/DEPLOY.md, Durability)."));
    layout->addWidget(m_durability);

    // What happened to every answer, and whether anything is missing from the stream.
    auto *outcomes = new QHBoxLayout;
    m_outcomes = new ElidedLabel(central);
    m_outcomes->setObjectName(QStringLiteral("outcomes"));
    m_outcomes->setExplanation(
        tr("answered 200: JetStream confirmed (PubAck). answered 500: not confirmed, the sender retries.\n"
           "recovered: failed events replayed from the queue into the stream. still failed: pending in the queue.\n"
           "answered 200 but not in the stream: 200 answers whose stream sequence was read back and did not "
           "hold their event (0 means nothing was lost)."));
    m_failedLabel = new QLabel(central);
    m_failedLabel->setToolTip(tr("The failed-event queue: every 500 is kept here until it is replayed"));
    m_replayAll = new QPushButton(tr("Replay all pending"), central);
    m_replayAll->setToolTip(tr("Publish every pending failed event again, with its own idempotency key (Ctrl+R)"));
    connect(m_replayAll, &QPushButton::clicked, this, &MonitorWindow::replayAll);
    outcomes->addWidget(m_outcomes, 1);
    layout->addLayout(outcomes);

    // Controls: the simulated outage (one action per mode, settings where they apply), test events.
    auto *controls = new QHBoxLayout;
    // Two rows each (actions, then their settings), so that the row fits a 1024-pixel screen.
    auto *outageBox = new QGroupBox(tr("Simulated outage"), central);
    auto *outageLayout = new QGridLayout(outageBox);
    outageLayout->setContentsMargins(6, 2, 6, 4);
    outageLayout->setVerticalSpacing(2);
    m_simulate = new QToolButton(outageBox);
    m_simulate->setObjectName(QStringLiteral("simulateOutage"));
    m_simulate->setText(tr("Simulate outage…"));
    m_simulate->setToolTip(tr("Pick how NATS should fail; ackhook then answers 500 instead of 200 (Ctrl+O)"));
    m_simulate->setPopupMode(QToolButton::InstantPopup);
    m_simulate->setToolButtonStyle(Qt::ToolButtonTextOnly);
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
        m_outageActions.insert(m.mode, action);
        connect(action, &QAction::triggered, this, [this, mode = m.mode] { startOutage(mode); });
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
    QAction *powerCut = modes->addAction(tr("Power cut: nats-server loses power"));
    m_powerCut = powerCut;
    powerCut->setObjectName(QStringLiteral("powerCut"));
    const QString powerCutRefusal = m_runtime->powerCutRefusal();
    const QString powerCutExplanation = powerCutRefusal.isEmpty()
        ? tr("nats-server is SIGKILLed, what it did not fsync is dropped, and it starts again on what survived: "
             "the loss detector then counts the 200s that vanished")
        : powerCutRefusal;
    powerCut->setEnabled(powerCutRefusal.isEmpty());
    powerCut->setToolTip(powerCutExplanation);
    powerCut->setStatusTip(powerCutExplanation);
    connect(powerCut, &QAction::triggered, this, [this] {
        QString why;
        statusBar()->showMessage(m_runtime->powerCut(&why)
                ? tr("Power cut: nats-server restarted on what its disk kept; lost 200s show in the loss detector")
                : tr("Power cut failed: %1").arg(why),
            15000);
        refresh();
    });
    modes->setToolTipsVisible(true);
    m_simulate->setMenu(modes);
    m_endOutage = new QPushButton(tr("End outage"), outageBox);
    m_endOutage->setObjectName(QStringLiteral("endOutage"));
    m_endOutage->setToolTip(tr("NATS works normally again (Ctrl+O)"));
    connect(m_endOutage, &QPushButton::clicked, this, &MonitorWindow::endOutage);
    m_latency = new QSpinBox(outageBox);
    m_latency->setRange(0, 60000);
    m_latency->setValue(200);
    m_latency->setPrefix(tr("latency "));
    m_latency->setSuffix(tr(" ms"));
    m_latency->setToolTip(tr("Delay added to each direction (while the latency outage runs)"));
    m_flapPeriod = new QSpinBox(outageBox);
    m_flapPeriod->setRange(200, 600000);
    m_flapPeriod->setSingleStep(500);
    m_flapPeriod->setValue(2000);
    m_flapPeriod->setPrefix(tr("period "));
    m_flapPeriod->setSuffix(tr(" ms"));
    m_flapPeriod->setToolTip(tr("Down for this long, then up for this long (while the flap outage runs)"));
    m_blackholeSeconds = new QSpinBox(outageBox);
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
            endOutage();
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
    connect(m_runtime->faultProxy(), &FaultProxy::settingsChanged, this, &MonitorWindow::showOutageSettings);
    auto *outageActions = new QHBoxLayout;
    outageActions->addWidget(m_simulate);
    outageActions->addWidget(m_endOutage);
    outageActions->addStretch(1);
    outageLayout->addLayout(outageActions, 0, 0, 1, 3);
    outageLayout->addWidget(m_latency, 1, 0);
    outageLayout->addWidget(m_flapPeriod, 1, 1);
    outageLayout->addWidget(m_blackholeSeconds, 1, 2);
    controls->addWidget(outageBox);

    auto *sendBox = new QGroupBox(tr("Send test events"), central);
    auto *sendLayout = new QGridLayout(sendBox);
    sendLayout->setContentsMargins(6, 2, 6, 4);
    sendLayout->setVerticalSpacing(2);
    m_sendCount = new QSpinBox(sendBox);
    m_sendCount->setRange(1, 1000000);
    m_sendCount->setValue(1);
    m_sendCount->setPrefix(tr("N = "));
    m_sendCount->setToolTip(tr("How many test events to send"));
    m_sendRate = new QSpinBox(sendBox);
    m_sendRate->setRange(1, 10000);
    m_sendRate->setValue(20);
    m_sendRate->setPrefix(tr("at "));
    m_sendRate->setSuffix(tr(" /s"));
    m_sendRate->setToolTip(tr("Events per second while a burst is running"));
    m_withKeys = new QCheckBox(tr("keys"), sendBox);
    m_withKeys->setToolTip(tr("Send each event with its own Idempotency-Key header (off: ackhook generates one, "
                              "and the monitor flags the request)"));
    m_withKeys->setChecked(true);
    // Every configured endpoint; a test event to one carries what its source preset requires (its
    // signature, timestamp and event header), made with the endpoint's own secret.
    m_sendEndpoint = new QComboBox(sendBox);
    m_sendEndpoint->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_sendEndpoint->setMinimumContentsLength(12);
    for (const Endpoint &endpoint : m_runtime->config().gateway.endpoints)
        m_sendEndpoint->addItem(QString::fromUtf8(endpoint.path + " (" + endpoint.source + ')'));
    m_sendEndpoint->setToolTip(tr("The endpoint test events go to, signed as its source would sign them"));
    // Its dispatch policy, switchable while running (docs/LAB.md): the lab without a restart.
    m_endpointPolicy = new QComboBox(sendBox);
    m_endpointPolicy->setObjectName(QStringLiteral("endpointPolicy"));
    for (DispatchPolicy policy : { DispatchPolicy::Ack, DispatchPolicy::Spool, DispatchPolicy::FireAndForget })
        m_endpointPolicy->addItem(dispatchPolicyName(policy), static_cast<int>(policy));
    // Narrow screens (1024 px) keep their layout: the box may cut "fire-and-forget", its tooltip not.
    m_endpointPolicy->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_endpointPolicy->setMinimumContentsLength(5);
    m_endpointPolicy->setToolTip(tr("The dispatch policy of the chosen endpoint: ack answers 200 after the PubAck, "
                                    "spool 202 after the local commit, fire-and-forget 200 at once (the bug, for "
                                    "demonstrations only). Requests in flight keep theirs."));
    connect(m_sendEndpoint, &QComboBox::currentIndexChanged, this, &MonitorWindow::showEndpointPolicy);
    connect(m_endpointPolicy, &QComboBox::activated, this, &MonitorWindow::switchEndpointPolicy);
    connect(m_runtime, &Runtime::dispatchPolicyChanged, this, [this] {
        updateFireAndForgetBanner();
        showEndpointPolicy();
        updateScenarioButton();
    });
    showEndpointPolicy();
    m_send = new QPushButton(tr("Send"), sendBox);
    m_send->setToolTip(tr("POST test events to the webhook URL, exactly as a webhook caller would (Ctrl+T)"));
    m_sendStop = new QPushButton(tr("Stop"), sendBox);
    m_sendStop->setToolTip(tr("Stop the burst"));
    m_sendStop->setEnabled(false);
    m_burstTimer = new QTimer(this);
    m_burstTimer->setInterval(10);
    connect(m_burstTimer, &QTimer::timeout, this, &MonitorWindow::sendDue);
    connect(m_send, &QPushButton::clicked, this, &MonitorWindow::sendTestEvents);
    connect(m_sendStop, &QPushButton::clicked, this, [this] {
        m_burstTimer->stop();
        m_burstTotal = m_burstSent;
        m_sendStop->setEnabled(false);
    });
    sendLayout->addWidget(m_send, 0, 0);
    sendLayout->addWidget(m_sendStop, 0, 1);
    sendLayout->addWidget(m_sendEndpoint, 0, 2);
    sendLayout->addWidget(m_sendCount, 1, 0);
    sendLayout->addWidget(m_sendRate, 1, 1);
    auto *keysAndPolicy = new QHBoxLayout;
    keysAndPolicy->setContentsMargins(0, 0, 0, 0);
    keysAndPolicy->addWidget(m_withKeys);
    keysAndPolicy->addWidget(m_endpointPolicy, 1);
    sendLayout->addLayout(keysAndPolicy, 1, 2);
    controls->addWidget(sendBox);

    auto *failedBox = new QGroupBox(tr("Failed-event queue"), central);
    auto *failedLayout = new QVBoxLayout(failedBox);
    failedLayout->setContentsMargins(6, 2, 6, 4);
    failedLayout->setSpacing(2);
    failedLayout->addWidget(m_replayAll);
    failedLayout->addWidget(m_failedLabel);
    controls->addWidget(failedBox);
    controls->addStretch(1);
    layout->addLayout(controls);

    // The first 500 explains itself once (Help shows it again).
    m_explanation = new QFrame(central);
    m_explanation->setObjectName(QStringLiteral("why500"));
    m_explanation->setFrameShape(QFrame::StyledPanel);
    m_explanation->setStyleSheet(QStringLiteral("#why500 { background: #fff4d6; border: 1px solid #e0b84c; }"));
    auto *explanationLayout = new QHBoxLayout(m_explanation);
    explanationLayout->setContentsMargins(8, 4, 8, 4);
    auto *why = new QLabel(why500Text(), m_explanation);
    why->setWordWrap(true);
    auto *gotIt = new QPushButton(tr("Got it"), m_explanation);
    gotIt->setObjectName(QStringLiteral("dismissWhy500"));
    connect(gotIt, &QPushButton::clicked, this, [this] {
        m_explanation->hide();
        QSettings().setValue(QStringLiteral("help/why500Dismissed"), true);
    });
    explanationLayout->addWidget(why, 1);
    explanationLayout->addWidget(gotIt);
    m_explanation->hide();
    layout->addWidget(m_explanation);

    // Live request table with filters, over the detail / failed queue tabs and the rate chart.
    auto *tableArea = new QWidget(central);
    auto *tableLayout = new QVBoxLayout(tableArea);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto *filters = new QHBoxLayout;
    m_statusFilter = new QComboBox(tableArea);
    m_statusFilter->addItems({ tr("all"), QStringLiteral("2xx"), QStringLiteral("4xx"), QStringLiteral("5xx") });
    m_statusFilter->setToolTip(tr("Show only answers of one status class"));
    m_textFilter = new QLineEdit(tableArea);
    m_textFilter->setPlaceholderText(tr("filter: key, path, reason… (Ctrl+F)"));
    m_textFilter->setClearButtonEnabled(true);
    m_pause = new QCheckBox(tr("Pause"), tableArea);
    m_pause->setToolTip(tr("Hold the table still; counters, chart and queue keep going (Ctrl+P)"));
    connect(m_pause, &QCheckBox::toggled, this, &MonitorWindow::setPaused);
    filters->addWidget(new QLabel(tr("Status:"), tableArea));
    filters->addWidget(m_statusFilter);
    filters->addWidget(m_textFilter, 1);
    filters->addWidget(m_pause);
    tableLayout->addLayout(filters);

    m_filter->setSourceModel(m_model);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &RequestFilterProxy::setText);
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this,
        [this](int index) { m_filter->setStatusClass(index == 0 ? QString() : m_statusFilter->currentText()); });
    m_table = new QTableView(tableArea);
    m_table->setObjectName(QStringLiteral("requests"));
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::DescendingOrder); // arrival order: newest first
    m_filter->sort(-1);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false); // a key is never broken at its hyphens: it is cut, with a tooltip
    m_table->setTextElideMode(Qt::ElideMiddle);
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 16; };
    m_table->setColumnWidth(RequestTableModel::TimeColumn, widthOf(QStringLiteral("00:00:00.000")));
    m_table->setColumnWidth(RequestTableModel::MethodColumn, widthOf(QStringLiteral("Method")));
    m_table->setColumnWidth(RequestTableModel::PathColumn, widthOf(QStringLiteral("/webhook")));
    // The longest status (OutcomeText) whole: the lesson of a 500 stored anyway is not cut.
    m_table->setColumnWidth(RequestTableModel::StatusColumn, widthOf(OutcomeText::failedRequest(500,
        { 0, FailedEvent::State::Replayed, 99999, true })));
    m_table->setColumnWidth(RequestTableModel::LatencyColumn, widthOf(QStringLiteral("0000.0 ms")));
    m_table->setColumnWidth(RequestTableModel::SizeColumn, widthOf(QStringLiteral("00000 B")));
    m_table->setColumnWidth(RequestTableModel::KeyColumn, widthOf(QStringLiteral("demo-00000000-0000-0000")));
    m_table->setColumnWidth(RequestTableModel::SeqColumn, widthOf(QStringLiteral("00000")));
    m_table->setColumnWidth(RequestTableModel::DuplicateColumn, widthOf(QStringLiteral("duplicate")));
    m_table->verticalHeader()->setDefaultSectionSize(metrics.height() + 6);
    m_table->setToolTip(QString());
    tableLayout->addWidget(m_table, 1);

    m_detail = new RequestDetailView(central);
    m_detail->setBaseUrl(webhookBase());
    connect(m_detail, &RequestDetailView::resendRequested, this, &MonitorWindow::resend);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
            const QModelIndex source = m_filter->mapToSource(current);
            if (source.isValid())
                showDetailFor(source.row());
        });
    connect(m_table, &QTableView::doubleClicked, this, &MonitorWindow::showQueueEntryFor);
    m_failedPanel = new FailedQueuePanel(m_runtime->failedEvents(), m_runtime->replayer(),
        QString::fromLatin1(webhookBase()) + QStringLiteral("/webhook"), central);
    connect(m_failedPanel, &FailedQueuePanel::message, this,
        [this](const QString &text) { statusBar()->showMessage(text, 15000); });
    connect(m_failedPanel, &FailedQueuePanel::requestWanted, this, &MonitorWindow::showRequestWithKey);
    m_failedPanel->setOutageDescription([this] {
        const OutageSettings::Mode mode = m_runtime->faultProxy()->mode();
        return mode == OutageSettings::Mode::Off ? QString() : OutageSettings::modeName(mode);
    });
    m_tabs = new QTabWidget(central);
    m_tabs->addTab(m_detail, tr("Request detail"));
    m_tabs->addTab(m_failedPanel, tr("Failed-event queue"));
    // What a consumer of the stream receives; read through a connection of its own, to the real
    // NATS (not through the fault proxy: the question is what the stream holds).
    m_streamBrowser = new StreamBrowser(
        m_runtime->upstreamUrls(), m_runtime->natsAccess(), m_runtime->config().gateway.stream, central);
    m_tabs->addTab(m_streamBrowser, tr("Stream"));
    connect(m_streamBrowser, &StreamBrowser::requestWanted, this, &MonitorWindow::showRequestWithMsgId);
    // From a request to the message it stored: the table's context menu, or Ctrl+J.
    m_showInStream = new QAction(tr("Show its message in the stream"), m_table);
    m_showInStream->setObjectName(QStringLiteral("showInStream"));
    m_showInStream->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    m_showInStream->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_showInStream, &QAction::triggered, this, &MonitorWindow::showCurrentRequestInStream);
    m_table->addAction(m_showInStream);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_chart = new RateChartView(m_rates, central);

    m_bottomSplitter = new QSplitter(Qt::Horizontal, central);
    m_bottomSplitter->setObjectName(QStringLiteral("bottomSplitter"));
    m_bottomSplitter->addWidget(m_tabs);
    m_bottomSplitter->addWidget(m_chart);
    m_bottomSplitter->setStretchFactor(0, 1);
    m_bottomSplitter->setStretchFactor(1, 1);
    m_bottomSplitter->setSizes({ 660, 620 });
    m_bottomSplitter->setChildrenCollapsible(false);
    m_mainSplitter = new QSplitter(Qt::Vertical, central);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(tableArea);
    m_mainSplitter->addWidget(m_bottomSplitter);
    m_mainSplitter->setStretchFactor(0, 3);
    m_mainSplitter->setStretchFactor(1, 2);
    m_mainSplitter->setChildrenCollapsible(false);
    layout->addWidget(m_mainSplitter, 1);

    setCentralWidget(central);
    m_totals = new QLabel(this);
    statusBar()->addPermanentWidget(m_totals);
    // The first window fits the screen it opens on (a 1366×768 laptop included); later runs
    // restore the size the user left.
    QSize size(1280, 800);
    if (const QScreen *screen = QGuiApplication::primaryScreen()) {
        const QRect available = screen->availableGeometry();
        size = size.boundedTo(available.size() - QSize(16, 48));
    }
    resize(size);
}

void MonitorWindow::buildMenus()
{
    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    QAction *send = actions->addAction(tr("Send test events"), this, &MonitorWindow::sendTestEvents);
    send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    QAction *toggleOutage = actions->addAction(tr("Simulate outage / end it"), this, [this] {
        if (scenarioRunning()) { // the scenario drives the outage: a second one would spoil its figures
            statusBar()->showMessage(tr("A scenario is running: it starts and ends the outage itself"), 5000);
            return;
        }
        if (m_runtime->faultProxy()->mode() == OutageSettings::Mode::Off)
            startOutage(m_lastOutageMode);
        else
            endOutage();
    });
    toggleOutage->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    QAction *replay = actions->addAction(tr("Replay all pending"), this, [this] {
        if (m_replayAll->isEnabled())
            replayAll();
    });
    replay->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction *pause = actions->addAction(tr("Pause the table"), m_pause, &QCheckBox::toggle);
    pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    QAction *find = actions->addAction(tr("Filter requests"), this, [this] {
        m_textFilter->setFocus();
        m_textFilter->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    QAction *detailTab = actions->addAction(tr("Show request detail"), this, [this] { m_tabs->setCurrentIndex(0); });
    detailTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    QAction *queueTab = actions->addAction(tr("Show failed-event queue"), this, [this] { m_tabs->setCurrentIndex(1); });
    queueTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    QAction *streamTab = actions->addAction(tr("Show the stream"), this, [this] { m_tabs->setCurrentWidget(m_streamBrowser); });
    streamTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    actions->addSeparator();
    QAction *quit = actions->addAction(tr("Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *shortcuts = help->addAction(tr("Keyboard shortcuts"), this,
        [this] { QMessageBox::information(this, tr("Keyboard shortcuts"), shortcutsText()); });
    shortcuts->setShortcut(QKeySequence::HelpContents);
    // A dialog, not the panel: the panel may already be showing (then showing it again did nothing).
    help->addAction(tr("Why does ackhook answer 500?"), this, [this] {
        QMessageBox::information(this, tr("Why does ackhook answer 500?"), why500Text());
    });
    help->addAction(tr("About ackhook"), this, [this] {
        const StatusSnapshot s = m_runtime->status();
        QMessageBox::about(this, tr("About ackhook"),
            tr("<b>ackhook %1</b><br>A webhook gateway that answers 200 only after NATS JetStream's PubAck.<br><br>"
               "Qt %2 · cnats %3 · nats-server %4<br><br>What a 200 survives here: %5")
                .arg(s.version, s.qtVersion, s.cnatsVersion,
                    s.server.version.isEmpty() ? tr("(not read yet)") : s.server.version,
                    s.durability.line().toHtmlEscaped()));
    });
}

QString MonitorWindow::shortcutsText() const
{
    QStringList lines;
    for (QAction *action : menuBar()->actions()) {
        if (!action->menu())
            continue;
        for (QAction *item : action->menu()->actions()) {
            if (!item->shortcut().isEmpty())
                lines.append(QStringLiteral("%1\t%2").arg(
                    item->shortcut().toString(QKeySequence::NativeText), item->text().remove(QLatin1Char('&'))));
        }
    }
    lines.append(tr("Double-click\ta failed request ⇄ its failed-event queue entry"));
    return lines.join(QLatin1Char('\n'));
}

QString MonitorWindow::connectivityText() const
{
    return m_badge->text();
}

QString MonitorWindow::failedQueueText() const
{
    return m_failedLabel->text();
}

QString MonitorWindow::totalsText() const
{
    return m_totals->text();
}

// The cluster part of the header: the server the connection is on, and the stream's leader and
// replicas when it has more than one (issue #17). Empty for a single server and an R1 stream.
static QString clusterText(const NatsBus::Status &bus)
{
    const auto tr = [](const char *text) { return MonitorWindow::tr(text); };
    const NatsBus::Cluster &cluster = bus.cluster;
    QString text;
    if (cluster.knownServers.size() > 1 && bus.state == NatsBus::State::Connected)
        text += tr(" · on %1 of %2 servers").arg(bus.connectedUrl).arg(cluster.knownServers.size());
    if (cluster.replicas > 1) {
        text += cluster.leader.isEmpty() ? tr(" · stream leader: none") : tr(" · leader %1").arg(cluster.leader);
        text += tr(" · replicas %1/%2 current").arg(cluster.currentReplicas()).arg(cluster.replicas);
        for (const NatsBus::Replica &replica : cluster.peers) {
            if (replica.offline)
                text += tr(", %1 offline").arg(replica.name);
            else if (!replica.current)
                text += tr(", %1 not current (seen %2 s ago, lag %3)")
                            .arg(replica.name)
                            .arg(replica.activeMs / 1000.0, 0, 'f', 1)
                            .arg(replica.lag);
        }
    }
    return text;
}

QString MonitorWindow::why500Text()
{
    return tr("<b>Why 500?</b> NATS JetStream did not confirm the event (no PubAck), so ackhook answered 500 rather "
              "than a 200 it cannot stand behind. The sender will retry, and ackhook keeps the event in the "
              "failed-event queue: replay it once NATS is back. Nothing is lost.");
}

QString MonitorWindow::natsDetailsText() const
{
    return m_natsDetails->fullText();
}

QString MonitorWindow::durabilityText() const
{
    return m_durability->fullText();
}

void MonitorWindow::refresh()
{
    const StatusSnapshot s = m_runtime->status();
    for (qsizetype i = 0; i < s.endpoints.size() && i < m_sendEndpoint->count(); ++i) {
        const EndpointCounters::Row &row = s.endpoints.at(i);
        m_sendEndpoint->setItemText(int(i),
            tr("%1 (%2) · %3 stored · %4 failed · %5 unauthorized")
                .arg(QString::fromUtf8(row.path), QString::fromUtf8(row.source))
                .arg(row.accepted)
                .arg(row.failed)
                .arg(row.unauthorized));
    }
    if (s.loss.enabled) {
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
        m_lossLabel->setText(tr("Loss detector — ") + (parts.isEmpty() ? tr("no events yet") : parts.join(QStringLiteral(" · "))));
        m_lossLabel->setStyleSheet(lost > 0 ? QStringLiteral("QLabel { color: #b71c1c; font-weight: bold; }") : QString());
        m_lossLabel->setVisible(true);
    }
    // The counters may not fit the box: the whole line is its tooltip.
    m_sendEndpoint->setToolTip(m_sendEndpoint->currentText());
    const NatsBus::Status &bus = s.nats;
    // Just after a simulated outage ends the client reconnects: expected, so said calmly, not in red.
    const bool justAfterOutage
        = m_outageEndedMs && QDateTime::currentMSecsSinceEpoch() - m_outageEndedMs < ReconnectGraceMs;
    if (s.simulatedOutage()) {
        m_badge->setText(tr("SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(s.outage.mode)));
        m_badge->setStyleSheet(badgeStyle("#c77700"));
    } else if (bus.state == NatsBus::State::Connected) {
        m_badge->setText(tr("NATS connected"));
        m_badge->setStyleSheet(badgeStyle("#2e7d32"));
    } else if (justAfterOutage) {
        m_badge->setText(tr("NATS reconnecting after the outage"));
        m_badge->setStyleSheet(badgeStyle("#1565c0"));
    } else {
        m_badge->setText(tr("NATS %1").arg(NatsBus::stateName(bus.state)));
        m_badge->setStyleSheet(badgeStyle("#c62828"));
    }
    const QString streamSize = bus.streamMessages < 0
        ? QString()
        : tr(": %1 msgs, %2").arg(bus.streamMessages).arg(QLocale().formattedDataSize(bus.streamBytes));
    const QString rtt = OutcomeText::rtt(bus, QDateTime::currentMSecsSinceEpoch());
    m_natsDetails->setFullText(tr("%1 · stream %2%3%4 · RTT %5 · reconnects %6")
                                   .arg(s.upstreamUrls.join(QLatin1Char(',')), s.stream,
                                       bus.streamReady                 ? QString()
                                           : bus.streamError.isEmpty() ? tr(" (not ready)")
                                                                       : tr(" (not ready: %1)").arg(bus.streamError),
                                       streamSize, rtt)
                                   .arg(bus.reconnects)
        + clusterText(bus));
    m_durability->setFullText(tr("What a 200 survives: %1").arg(s.durability.line()));
    if (s.embedded.present) { // not while a scenario runs: it may stop nats-server itself
        m_natsStop->setEnabled(s.embedded.running && !scenarioRunning());
        m_natsStart->setEnabled(!s.embedded.running && !scenarioRunning());
    }
    const FailedQueueStats &failed = s.failedQueue;
    m_failedLabel->setText(tr("%1 pending · %2 replayed%3")
                               .arg(failed.pending)
                               .arg(failed.replayed)
                               .arg(failed.unrecorded ? tr(" · %1 unrecorded").arg(failed.unrecorded) : QString()));
    m_replayAll->setEnabled(failed.pending > 0 && !s.replayBusy);
    m_tabs->setTabText(
        1, failed.pending ? tr("Failed-event queue (%1 pending)").arg(failed.pending) : tr("Failed-event queue"));
    const RequestCounters &c = s.counters;
    // 202 is the spool's "kept locally, no PubAck yet": never counted as if it were a 200.
    m_totals->setText(
        tr("requests %1 · 2xx %2 · 5xx %3 · 4xx %4 · in flight %5 · up %6")
            .arg(c.requests)
            .arg(c.accepted ? tr("%1 (200: %2 · 202 Accepted: %3)").arg(c.ok).arg(c.ok - c.accepted).arg(c.accepted)
                            : QString::number(c.ok))
            .arg(c.failed)
            .arg(c.rejected)
            .arg(s.inFlight)
            .arg(QTime(0, 0).addSecs(static_cast<int>(s.uptimeMs / 1000)).toString(QStringLiteral("HH:mm:ss"))));

    const StreamAudit::Figures audit = m_audit->figures();
    QString readBack = tr("%1 of %2 read back").arg(audit.checked + audit.missing).arg(c.ok - c.accepted);
    if (audit.skipped)
        readBack += tr(", %1 skipped").arg(audit.skipped);
    if (!audit.error.isEmpty())
        readBack += QStringLiteral(", ") + audit.error;
    m_outcomes->setFullText(
        tr("answered 200: %1 · answered 202: %7 · answered 500: %2 · recovered: %3 · still failed: %4 · answered 200 "
           "but not in the stream: %5 (%6)")
            .arg(c.ok - c.accepted)
            .arg(c.failed)
            .arg(failed.replayed)
            .arg(failed.pending + static_cast<qint64>(failed.unrecorded))
            .arg(audit.missing)
            .arg(readBack, QString::number(c.accepted)));
    m_outcomes->setStyleSheet(
        audit.missing ? QStringLiteral("QLabel { color: #b71c1c; font-weight: bold; }") : QString());
}

void MonitorWindow::startOutage(OutageSettings::Mode mode)
{
    OutageSettings settings = m_runtime->faultProxy()->settings();
    settings.mode = mode;
    settings.latencyMs = m_latency->value();
    settings.flapPeriodMs = m_flapPeriod->value();
    if (QString why; !m_runtime->faultProxy()->setSettings(settings, &why)) {
        statusBar()->showMessage(why, 15000);
        showOutageSettings(m_runtime->faultProxy()->settings());
        return;
    }
    m_lastOutageMode = mode;
    if (mode == OutageSettings::Mode::Blackhole && m_blackholeSeconds->value() > 0)
        m_blackholeEnd->start(m_blackholeSeconds->value() * 1000);
    else
        m_blackholeEnd->stop();
    showOutageSettings(m_runtime->faultProxy()->settings());
    refresh();
}

void MonitorWindow::endOutage()
{
    OutageSettings settings = m_runtime->faultProxy()->settings();
    settings.mode = OutageSettings::Mode::Off;
    m_blackholeEnd->stop();
    m_runtime->faultProxy()->setSettings(settings);
    showOutageSettings(m_runtime->faultProxy()->settings());
    refresh();
}

void MonitorWindow::showOutageSettings(const OutageSettings &settings)
{
    const bool active = settings.mode != OutageSettings::Mode::Off;
    if (!active && m_outageWasActive)
        m_outageEndedMs = QDateTime::currentMSecsSinceEpoch(); // reconnecting for a moment is expected
    m_outageWasActive = active;
    for (auto it = m_outageActions.cbegin(); it != m_outageActions.cend(); ++it) {
        const QSignalBlocker block(it.value());
        it.value()->setChecked(it.key() == settings.mode);
    }
    if (active)
        m_lastOutageMode = settings.mode;
    m_endOutage->setEnabled(active && !scenarioRunning());
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
    setWindowTitle(active ? tr("ackhook — SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(settings.mode))
                          : tr("ackhook — webhooks acknowledged by NATS JetStream"));
}

QString MonitorWindow::outcomesText() const
{
    return m_outcomes->fullText();
}

void MonitorWindow::reloadQueueLinks()
{
    const FailedEventStore *store = m_runtime->failedEvents(); // null once the runtime has stopped
    if (!store || !store->isOpen())
        return;
    QHash<QString, RequestTableModel::QueueLink> links;
    const QList<FailedEvent> events = store->list(std::nullopt, FailedQueuePanel::MaxRows, 0);
    for (const FailedEvent &event : events) { // newest first: a replayed entry wins over an older one
        const QString key = QString::fromLatin1(event.key);
        const auto existing = links.constFind(key);
        if (existing != links.constEnd() && existing->state == FailedEvent::State::Replayed)
            continue;
        links.insert(key, OutcomeText::queued(event));
    }
    m_model->setQueueLinks(std::move(links));
    const QModelIndex current = m_filter->mapToSource(m_table->currentIndex());
    if (current.isValid())
        showDetailFor(current.row());
}

void MonitorWindow::showDetailFor(int sourceRow)
{
    m_detail->setRecord(m_model->record(sourceRow));
    const std::optional<RequestTableModel::QueueLink> link = m_model->queueLink(sourceRow);
    m_detail->setQueueNote(link ? OutcomeText::timelineNote(*link) : QString());
}

void MonitorWindow::showQueueEntryFor(const QModelIndex &proxyIndex)
{
    const QModelIndex source = m_filter->mapToSource(proxyIndex);
    if (!source.isValid())
        return;
    if (const std::optional<RequestTableModel::QueueLink> link = m_model->queueLink(source.row())) {
        m_tabs->setCurrentWidget(m_failedPanel);
        m_failedPanel->selectEvent(link->failedId);
    }
}

void MonitorWindow::showRequestWithKey(const QString &key)
{
    int row = m_model->newestRowWithKey(key);
    if (row < 0) {
        statusBar()->showMessage(tr("The request of that event is no longer in the table"), 8000);
        return;
    }
    QModelIndex index = m_filter->mapFromSource(m_model->index(row, RequestTableModel::StatusColumn));
    if (!index.isValid()) { // filtered out: show everything again
        m_statusFilter->setCurrentIndex(0);
        m_textFilter->clear();
        index = m_filter->mapFromSource(m_model->index(row, RequestTableModel::StatusColumn));
    }
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    m_table->setFocus();
}

void MonitorWindow::showRequestWithMsgId(const QByteArray &msgId)
{
    for (int row = m_model->rowCount() - 1; row >= 0; --row) {
        if (m_model->record(row).msgId == msgId) {
            showRequestWithKey(m_model->record(row).key); // its newest row: a retry is shown last
            return;
        }
    }
    statusBar()->showMessage(msgId.isEmpty() ? tr("That message has no Nats-Msg-Id")
                                             : tr("The request that stored that message is no longer in the table"),
        8000);
}

void MonitorWindow::showCurrentRequestInStream()
{
    const QModelIndex source = m_filter->mapToSource(m_table->currentIndex());
    if (!source.isValid())
        return;
    const RequestRecord &record = m_model->record(source.row());
    if (record.seq == 0) {
        statusBar()->showMessage(tr("That request stored no message (yet)"), 8000);
        return;
    }
    m_tabs->setCurrentWidget(m_streamBrowser);
    m_streamBrowser->showSequence(record.seq);
}

void MonitorWindow::explainFirstFailure()
{
    if (m_explanation->isVisible() || QSettings().value(QStringLiteral("help/why500Dismissed"), false).toBool())
        return;
    m_explanation->show();
}

QByteArray MonitorWindow::webhookBase() const
{
    return m_runtime->webhookBaseUrl().toLatin1();
}

void MonitorWindow::appendWaiting(const RequestRecordBatch &batch)
{
    if (!m_pause->isChecked()) // while paused, the answer arrives later as a row of its own
        m_model->appendBatch(batch);
}

void MonitorWindow::appendRecords(const RequestRecordBatch &batch)
{
    m_rates->appendBatch(batch);
    if (std::any_of(batch.cbegin(), batch.cend(), [](const RequestRecord &r) { return r.status >= 500; }))
        explainFirstFailure();
    QList<StreamAudit::Entry> answered;
    for (const RequestRecord &r : batch) {
        if (r.status / 100 == 2 && r.seq)
            answered.append({ r.seq, r.msgId });
    }
    m_audit->check(answered);
    if (!m_pause->isChecked()) {
        m_model->appendBatch(batch);
        return;
    }
    m_held.append(batch);
    if (m_held.size() > m_model->maxRows())
        m_held.remove(0, m_held.size() - m_model->maxRows());
}

void MonitorWindow::setPaused(bool paused)
{
    if (paused)
        return;
    RequestRecordBatch held;
    held.swap(m_held);
    m_model->appendBatch(held);
}

void MonitorWindow::sendTestEvents()
{
    // A new burst adds to one still running; its rate is the one chosen last.
    m_burstTotal = m_burstTotal - m_burstSent + m_sendCount->value();
    m_burstSent = 0;
    m_burstClock.start();
    m_sendStop->setEnabled(m_burstTotal > 1);
    sendDue();
    if (m_burstSent < m_burstTotal)
        m_burstTimer->start();
}

void MonitorWindow::sendDue()
{
    // The first event goes at once, then as many as the rate allows by now (no drift, no bursts
    // beyond what fell due while the event loop was busy).
    const qint64 due = 1 + m_burstClock.elapsed() * m_sendRate->value() / 1000;
    while (m_burstSent < m_burstTotal && m_burstSent < due) {
        postTestEvent();
        ++m_burstSent;
    }
    if (m_burstSent >= m_burstTotal) {
        m_burstTimer->stop();
        m_sendStop->setEnabled(false);
    }
}

void MonitorWindow::postTestEvent()
{
    ++m_sent;
    // Through the real HTTP listener, exactly as a webhook caller would (with the caller's
    // credentials when the listener requires them).
    const QList<Endpoint> &endpoints = m_runtime->config().gateway.endpoints;
    const Endpoint endpoint = endpoints.value(qMax(0, m_sendEndpoint->currentIndex()), Endpoint("/webhook"));
    const QByteArray key
        = m_withKeys->isChecked() ? "demo-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) : QByteArray();
    // Signed in core as the endpoint's sender signs (every scheme; a public-key one cannot be).
    const SampleRequest sample
        = SampleRequest::build(endpoint, webhookBase(), m_sent, key, QDateTime::currentSecsSinceEpoch());
    if (!sample.unsigned_.isEmpty())
        statusBar()->showMessage(sample.unsigned_, 8000);
    send(sample.method, sample.target, sample.headers, sample.body, nullptr);
}

void MonitorWindow::send(const QByteArray &method, const QByteArray &target, HeaderList headers, const QByteArray &body,
    const std::function<void(QNetworkReply *)> &done)
{
    m_runtime->config().gateway.auth.authorize(headers, body);
    QNetworkRequest request(QUrl::fromEncoded(webhookBase() + target));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
    const QString tlsCertFile = m_runtime->config().gateway.tlsCertFile;
    if (!tlsCertFile.isEmpty()) {
        // HTTPS with a certificate this machine may not trust (a private CA, a name other than the
        // loopback address): accepted only when the listener presents the certificate of its own file.
        connect(reply, &QNetworkReply::sslErrors, this, [reply, tlsCertFile](const QList<QSslError> &) {
            const QList<QSslCertificate> own = QSslCertificate::fromPath(tlsCertFile);
            if (!own.isEmpty() && reply->sslConfiguration().peerCertificate() == own.constFirst())
                reply->ignoreSslErrors();
        });
    }
    connect(reply, &QNetworkReply::finished, this, [reply, done] {
        reply->deleteLater();
        if (done)
            done(reply);
    });
}

void MonitorWindow::resend(const RequestRecord &record)
{
    send(record.method, record.target, resendHeaders(record.headers, record.key.toLatin1()), record.body,
        [this](QNetworkReply *reply) {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            statusBar()->showMessage(
                status ? tr("Resent: answered %1").arg(status) : tr("Resend failed: %1").arg(reply->errorString()),
                8000);
        });
}

void MonitorWindow::replayAll()
{
    m_replayAll->setEnabled(false);
    m_failedPanel->replayAll(); // reports in the status bar through the panel's message
}

void MonitorWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("window/columns")).toByteArray());
    m_textFilter->setText(settings.value(QStringLiteral("window/filter")).toString());
    m_statusFilter->setCurrentIndex(settings.value(QStringLiteral("window/statusFilter"), 0).toInt());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_bottomSplitter->restoreState(settings.value(QStringLiteral("window/bottomSplitter")).toByteArray());
    m_failedPanel->view()->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("window/failedColumns")).toByteArray());
    m_sendCount->setValue(settings.value(QStringLiteral("send/count"), 1).toInt());
    m_sendRate->setValue(settings.value(QStringLiteral("send/rate"), 20).toInt());
    m_withKeys->setChecked(settings.value(QStringLiteral("send/withKeys"), true).toBool());
}

void MonitorWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/columns"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("window/filter"), m_textFilter->text());
    settings.setValue(QStringLiteral("window/statusFilter"), m_statusFilter->currentIndex());
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/bottomSplitter"), m_bottomSplitter->saveState());
    settings.setValue(QStringLiteral("window/failedColumns"), m_failedPanel->view()->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("send/count"), m_sendCount->value());
    settings.setValue(QStringLiteral("send/rate"), m_sendRate->value());
    settings.setValue(QStringLiteral("send/withKeys"), m_withKeys->isChecked());
}

void MonitorWindow::updateFireAndForgetBanner()
{
    // Fire-and-forget reproduces the bug ackhook fixes: never let it look like a normal run.
    QList<QByteArray> fireAndForget;
    for (const Endpoint &endpoint : m_runtime->config().gateway.resolvedEndpoints()) {
        if (endpoint.dispatch == DispatchPolicy::FireAndForget)
            fireAndForget.append(endpoint.path);
    }
    if (fireAndForget.isEmpty()) {
        if (m_fireAndForgetBanner)
            m_fireAndForgetBanner->hide();
        return;
    }
    if (!m_fireAndForgetBanner) {
        m_fireAndForgetBanner = new QLabel(m_centralLayout->parentWidget());
        m_fireAndForgetBanner->setObjectName(QStringLiteral("fireAndForgetBanner"));
        m_fireAndForgetBanner->setWordWrap(true);
        m_fireAndForgetBanner->setStyleSheet(QStringLiteral(
            "QLabel { background: #b71c1c; color: white; font-weight: bold; padding: 6px 12px; }"));
        m_centralLayout->insertWidget(0, m_fireAndForgetBanner);
    }
    m_fireAndForgetBanner->setText(tr("FIRE-AND-FORGET on %1: these endpoints answer 200 BEFORE the event is stored "
                                      "and lose events during an outage. For demonstrations only.")
                                       .arg(QString::fromUtf8(fireAndForget.join(", "))));
    m_fireAndForgetBanner->show();
}

void MonitorWindow::showEndpointPolicy()
{
    const QList<Endpoint> endpoints = m_runtime->config().gateway.resolvedEndpoints();
    const int index = m_sendEndpoint->currentIndex();
    m_endpointPolicy->setEnabled(index >= 0 && index < endpoints.size());
    if (!m_endpointPolicy->isEnabled())
        return;
    const DispatchPolicy policy = endpoints.at(index).dispatch.value_or(DispatchPolicy::Ack);
    m_endpointPolicy->setCurrentIndex(m_endpointPolicy->findData(static_cast<int>(policy)));
}

void MonitorWindow::switchEndpointPolicy(int item)
{
    const int endpoint = m_sendEndpoint->currentIndex();
    const auto policy = static_cast<DispatchPolicy>(m_endpointPolicy->itemData(item).toInt());
    const QList<Endpoint> endpoints = m_runtime->config().gateway.resolvedEndpoints();
    if (endpoint < 0 || endpoint >= endpoints.size() || endpoints.at(endpoint).dispatch == policy)
        return;
    const QString path = QString::fromUtf8(endpoints.at(endpoint).path);
    if (policy == DispatchPolicy::FireAndForget) {
        QMessageBox confirm(QMessageBox::Warning, tr("Switch to fire-and-forget?"),
            tr("%1 will answer 200 BEFORE the event is stored, and lose events while NATS is away: the bug "
               "ackhook exists to fix, for demonstrations only.\n\nSwitch %1 to fire-and-forget?")
                .arg(path),
            QMessageBox::Cancel, this);
        confirm.setObjectName(QStringLiteral("confirmFireAndForget"));
        confirm.addButton(tr("Switch to fire-and-forget"), QMessageBox::DestructiveRole);
        confirm.setDefaultButton(QMessageBox::Cancel);
        confirm.exec();
        if (confirm.buttonRole(confirm.clickedButton()) != QMessageBox::DestructiveRole) {
            showEndpointPolicy();
            return;
        }
    }
    QString error;
    if (!m_runtime->setDispatchPolicy(endpoint, policy, &error)) {
        showEndpointPolicy();
        QMessageBox refused(QMessageBox::Warning, tr("Policy not switched"),
            tr("%1 keeps its policy: %2").arg(path, error), QMessageBox::Ok, this);
        refused.setObjectName(QStringLiteral("policyRefused"));
        refused.exec();
        return;
    }
    statusBar()->showMessage(tr("%1 now uses the %2 policy").arg(path, dispatchPolicyName(policy)), 5000);
}

void MonitorWindow::runScenario()
{
    const auto scenario = ScenarioRunner::find(m_scenarioName->currentText());
    if (!scenario)
        return;
    if (const QString why = ScenarioRunner::problem(m_runtime, *scenario); !why.isEmpty()) {
        statusBar()->showMessage(why, 10000);
        return;
    }
    auto *runner = new ScenarioRunner(m_runtime, *scenario, m_scenarioOptions, this);
    m_scenario = runner;
    m_scenarioRun->setEnabled(false);
    m_scenarioName->setEnabled(false);
    connect(runner, &ScenarioRunner::progress, this,
        [this](const QString &phase) { m_scenarioRun->setText(tr("Scenario: %1").arg(phase)); });
    connect(runner, &ScenarioRunner::finished, this, [this, runner](const ScenarioRunner::Summary &summary) {
        runner->deleteLater();
        m_scenario = nullptr;
        m_scenarioName->setEnabled(true);
        m_scenarioRun->setText(tr("Run scenario"));
        updateScenarioButton();
        lockOutageControls(false);
        auto *dialog = new ScenarioSummaryDialog(summary, this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    lockOutageControls(true);
    runner->start(); // a run that cannot start finishes at once: the handler above unlocks
}

void MonitorWindow::updateScenarioButton()
{
    if (scenarioRunning())
        return;
    const auto scenario = ScenarioRunner::find(m_scenarioName->currentText());
    const QString why = scenario ? ScenarioRunner::problem(m_runtime, *scenario) : tr("No such scenario");
    m_scenarioRun->setEnabled(why.isEmpty());
    m_scenarioRun->setToolTip(why.isEmpty()
            ? tr("Traffic on one endpoint per dispatch policy, the chosen outage in the middle, recovery, then the "
                 "summary per policy (about a minute)")
            : why);
    m_scenarioRun->setStatusTip(why);
}

void MonitorWindow::lockOutageControls(bool locked)
{
    // While a scenario runs it owns the outage (and nats-server): no second one from the window.
    const QString reason = tr("A scenario is running: it starts and ends the outage itself");
    m_simulate->setEnabled(!locked);
    m_simulate->setToolTip(locked ? reason
                                  : tr("Pick how NATS should fail; ackhook then answers 500 instead of 200 (Ctrl+O)"));
    for (auto it = m_outageActions.cbegin(); it != m_outageActions.cend(); ++it)
        it.value()->setEnabled(!locked && m_runtime->faultProxy()->refusal(it.key()).isEmpty());
    m_powerCut->setEnabled(!locked && m_runtime->powerCutRefusal().isEmpty());
    showOutageSettings(m_runtime->faultProxy()->settings()); // End outage follows
    if (locked) {
        m_natsStop->setEnabled(false);
        m_natsStart->setEnabled(false);
    } else { // nats-server's switches follow its state again
        m_natsStop->setEnabled(true);
        m_natsStart->setEnabled(true);
        refresh();
    }
}
