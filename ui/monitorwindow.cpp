// MonitorWindow: widgets wired to the Runtime. The GUI thread only displays: records arrive in
// batches from the server thread, everything else is read from thread-safe snapshots.
#include "monitorwindow.h"
#include "requesttablemodel.h"

#include "embeddednats.h"
#include "failedeventstore.h"
#include "replayer.h"
#include "runtime.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QUuid>
#include <QVBoxLayout>

namespace {
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
    , m_filter(new QSortFilterProxyModel(this))
    , m_network(new QNetworkAccessManager(this))
{
    setWindowTitle(tr("ackhook — webhooks acknowledged by NATS JetStream"));
    buildUi();
    connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, m_model, &RequestTableModel::appendBatch);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MonitorWindow::refresh);
    timer->start(250);
    restoreSettings();
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

    // Connectivity header.
    auto *header = new QHBoxLayout;
    m_badge = new QLabel(central);
    m_badge->setObjectName(QStringLiteral("connectivityBadge"));
    m_natsDetails = new QLabel(central);
    m_webhookUrl = new QLabel(central);
    m_webhookUrl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    const QString url = QStringLiteral("http://%1:%2/webhook")
                            .arg(m_runtime->config().gateway.listenAddress.toString())
                            .arg(m_runtime->webhookPort());
    m_webhookUrl->setText(tr("Webhook URL: <b>%1</b>").arg(url));
    auto *copy = new QToolButton(central);
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the webhook URL"));
    connect(copy, &QToolButton::clicked, this, [url] { QApplication::clipboard()->setText(url); });
    header->addWidget(m_badge);
    header->addWidget(m_natsDetails, 1);
    header->addWidget(m_webhookUrl);
    header->addWidget(copy);
    layout->addLayout(header);

    // Controls: outage, embedded server, test events, failed queue.
    auto *controls = new QHBoxLayout;
    auto *outageBox = new QGroupBox(tr("Simulated outage"), central);
    auto *outageLayout = new QHBoxLayout(outageBox);
    m_outageMode = new QComboBox(outageBox);
    for (const QString &mode : OutageSettings::modeNames()) {
        if (mode != QLatin1String("off"))
            m_outageMode->addItem(mode);
    }
    m_latency = new QSpinBox(outageBox);
    m_latency->setRange(0, 60000);
    m_latency->setValue(200);
    m_latency->setSuffix(tr(" ms"));
    m_latency->setToolTip(tr("Latency added to each direction (mode latency)"));
    m_outageSwitch = new QPushButton(tr("Outage OFF"), outageBox);
    m_outageSwitch->setCheckable(true);
    m_outageSwitch->setToolTip(tr("Switch the simulated outage on or off (Ctrl+O)"));
    connect(m_outageSwitch, &QPushButton::toggled, this, &MonitorWindow::applyOutage);
    connect(m_outageMode, &QComboBox::currentTextChanged, this, [this] {
        if (m_outageSwitch->isChecked())
            applyOutage();
    });
    // Outages switched elsewhere (admin API, --outage) show here too, without being re-applied.
    connect(m_runtime->faultProxy(), &FaultProxy::settingsChanged, this, [this](const OutageSettings &settings) {
        const QSignalBlocker blockSwitch(m_outageSwitch);
        const QSignalBlocker blockMode(m_outageMode);
        m_outageSwitch->setChecked(settings.mode != OutageSettings::Mode::Off);
        m_outageSwitch->setText(m_outageSwitch->isChecked() ? tr("Outage ON") : tr("Outage OFF"));
        if (settings.mode != OutageSettings::Mode::Off)
            m_outageMode->setCurrentText(OutageSettings::modeName(settings.mode));
        m_latency->setValue(settings.latencyMs);
    });
    auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_O), this);
    connect(shortcut, &QShortcut::activated, m_outageSwitch, &QPushButton::toggle);
    outageLayout->addWidget(m_outageMode);
    outageLayout->addWidget(m_latency);
    outageLayout->addWidget(m_outageSwitch);
    controls->addWidget(outageBox);

    auto *natsBox = new QGroupBox(tr("Embedded nats-server"), central);
    auto *natsLayout = new QHBoxLayout(natsBox);
    m_natsStop = new QPushButton(tr("Stop"), natsBox);
    m_natsStart = new QPushButton(tr("Start"), natsBox);
    connect(m_natsStop, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->stopEmbeddedNats(&error))
            statusBar()->showMessage(error, 5000);
    });
    connect(m_natsStart, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->startEmbeddedNats(&error))
            statusBar()->showMessage(error, 5000);
    });
    natsLayout->addWidget(m_natsStop);
    natsLayout->addWidget(m_natsStart);
    natsBox->setEnabled(m_runtime->isEmbedded());
    controls->addWidget(natsBox);

    auto *sendBox = new QGroupBox(tr("Send test events"), central);
    auto *sendLayout = new QHBoxLayout(sendBox);
    m_sendCount = new QSpinBox(sendBox);
    m_sendCount->setRange(1, 100000);
    m_sendCount->setValue(1);
    m_withKeys = new QCheckBox(tr("with idempotency keys"), sendBox);
    m_withKeys->setChecked(true);
    m_send = new QPushButton(tr("Send"), sendBox);
    connect(m_send, &QPushButton::clicked, this, &MonitorWindow::sendTestEvents);
    sendLayout->addWidget(m_sendCount);
    sendLayout->addWidget(m_withKeys);
    sendLayout->addWidget(m_send);
    controls->addWidget(sendBox);

    auto *failedBox = new QGroupBox(tr("Failed-event queue"), central);
    auto *failedLayout = new QHBoxLayout(failedBox);
    m_failedLabel = new QLabel(failedBox);
    m_replayAll = new QPushButton(tr("Replay all"), failedBox);
    connect(m_replayAll, &QPushButton::clicked, this, &MonitorWindow::replayAll);
    failedLayout->addWidget(m_failedLabel);
    failedLayout->addWidget(m_replayAll);
    controls->addWidget(failedBox);
    layout->addLayout(controls);

    // Live request table with filters.
    auto *filters = new QHBoxLayout;
    m_statusFilter = new QComboBox(central);
    m_statusFilter->addItems({ tr("all"), QStringLiteral("2xx"), QStringLiteral("4xx"), QStringLiteral("5xx") });
    m_textFilter = new QLineEdit(central);
    m_textFilter->setPlaceholderText(tr("filter: key, path, reason…"));
    filters->addWidget(new QLabel(tr("Status:"), central));
    filters->addWidget(m_statusFilter);
    filters->addWidget(m_textFilter, 1);
    layout->addLayout(filters);

    m_filter->setSourceModel(m_model);
    m_filter->setFilterKeyColumn(-1);
    m_filter->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_filter->setFilterRole(index == 0 ? int(Qt::DisplayRole) : int(RequestTableModel::StatusClassRole));
        m_filter->setFilterKeyColumn(index == 0 ? -1 : int(RequestTableModel::StatusColumn));
        m_filter->setFilterFixedString(index == 0 ? m_textFilter->text() : m_statusFilter->currentText());
    });
    m_table = new QTableView(central);
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(false); // newest first, as they arrive
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setColumnWidth(RequestTableModel::KeyColumn, 300);
    m_table->setColumnWidth(RequestTableModel::TimeColumn, 100);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    layout->addWidget(m_table, 1);

    setCentralWidget(central);
    m_totals = new QLabel(this);
    statusBar()->addPermanentWidget(m_totals);
    resize(1200, 700);
}

QString MonitorWindow::connectivityText() const
{
    return m_badge->text();
}

QString MonitorWindow::failedQueueText() const
{
    return m_failedLabel->text();
}

void MonitorWindow::refresh()
{
    Gateway *gateway = m_runtime->gateway();
    const NatsBus::Status bus = gateway && gateway->bus() ? gateway->bus()->status() : NatsBus::Status {};
    const OutageSettings::Mode mode = m_runtime->faultProxy()->mode();
    if (mode != OutageSettings::Mode::Off) {
        m_badge->setText(tr("SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(mode)));
        m_badge->setStyleSheet(badgeStyle("#c77700"));
    } else if (bus.state == NatsBus::State::Connected) {
        m_badge->setText(tr("NATS connected"));
        m_badge->setStyleSheet(badgeStyle("#2e7d32"));
    } else {
        m_badge->setText(tr("NATS %1").arg(NatsBus::stateName(bus.state)));
        m_badge->setStyleSheet(badgeStyle("#c62828"));
    }
    m_natsDetails->setText(tr("%1 · stream %2%3 · RTT %4 · reconnects %5")
                               .arg(m_runtime->upstreamUrls().join(QLatin1Char(',')),
                                   m_runtime->config().gateway.stream, bus.streamReady ? QString() : tr(" (not ready)"),
                                   bus.rttUs < 0 ? tr("–") : tr("%1 ms").arg(bus.rttUs / 1000.0, 0, 'f', 2))
                               .arg(bus.reconnects));
    if (EmbeddedNats *embedded = m_runtime->embeddedNats()) {
        m_natsStop->setEnabled(embedded->isRunning());
        m_natsStart->setEnabled(!embedded->isRunning());
    }
    const FailedQueueStats failed = m_runtime->failedEvents()->stats();
    m_failedLabel->setText(tr("%1 pending · %2 replayed%3")
                               .arg(failed.pending)
                               .arg(failed.replayed)
                               .arg(failed.unrecorded ? tr(" · %1 unrecorded").arg(failed.unrecorded) : QString()));
    m_replayAll->setEnabled(failed.pending > 0 && !m_runtime->replayer()->isBusy());
    const RequestCounters c = gateway && gateway->requestLog() ? gateway->requestLog()->counters() : RequestCounters {};
    m_totals->setText(tr("requests %1 · 2xx %2 · 5xx %3 · 4xx %4 · in flight %5 · up %6 s")
                          .arg(c.requests)
                          .arg(c.ok)
                          .arg(c.failed)
                          .arg(c.rejected)
                          .arg(gateway ? gateway->inFlight() : 0)
                          .arg(m_runtime->uptimeMs() / 1000));
}

void MonitorWindow::applyOutage()
{
    OutageSettings settings = m_runtime->faultProxy()->settings();
    settings.mode = m_outageSwitch->isChecked()
        ? OutageSettings::modeFromName(m_outageMode->currentText()).value_or(OutageSettings::Mode::Down)
        : OutageSettings::Mode::Off;
    settings.latencyMs = m_latency->value();
    m_runtime->faultProxy()->setSettings(settings);
    m_outageSwitch->setText(m_outageSwitch->isChecked() ? tr("Outage ON") : tr("Outage OFF"));
    refresh();
}

void MonitorWindow::sendTestEvents()
{
    m_toSend += m_sendCount->value();
    sendOne();
}

void MonitorWindow::sendOne()
{
    if (m_toSend <= 0)
        return;
    --m_toSend;
    ++m_sent;
    // Through the real HTTP listener, exactly as a webhook caller would.
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/webhook").arg(m_runtime->webhookPort())));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    if (m_withKeys->isChecked())
        request.setRawHeader("Idempotency-Key", "demo-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
    QNetworkReply *reply = m_network->post(
        request, QByteArrayLiteral("{\"source\":\"ackhook monitor\",\"n\":") + QByteArray::number(m_sent) + '}');
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    if (m_toSend > 0)
        QTimer::singleShot(20, this, &MonitorWindow::sendOne);
}

void MonitorWindow::replayAll()
{
    m_replayAll->setEnabled(false);
    m_runtime->replayer()->replayAllPending([this](const QList<ReplayOutcome> &outcomes) {
        int replayed = 0;
        for (const ReplayOutcome &outcome : outcomes)
            replayed += outcome.status == ReplayOutcome::Status::Replayed;
        statusBar()->showMessage(tr("Replayed %1 of %2 failed events").arg(replayed).arg(outcomes.size()), 8000);
        refresh();
    });
}

void MonitorWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("window/columns")).toByteArray());
    m_textFilter->setText(settings.value(QStringLiteral("window/filter")).toString());
}

void MonitorWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/columns"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("window/filter"), m_textFilter->text());
}
