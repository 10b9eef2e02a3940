// MonitorWindow: widgets wired to the Runtime. The GUI thread only displays: records arrive in
// batches from the server thread, everything else is read from thread-safe snapshots.
#include "monitorwindow.h"
#include "failedqueuepanel.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requestdetailview.h"
#include "requestfilterproxy.h"
#include "requesttablemodel.h"

#include "http/curlcommand.h"

#include "nats/embeddednats.h"
#include "store/failedeventstore.h"
#include "store/replayer.h"
#include "runtime.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
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
    , m_filter(new RequestFilterProxy(this))
    , m_rates(new RateHistoryModel(RateHistoryModel::DefaultSeconds, this))
    , m_network(new QNetworkAccessManager(this))
{
    setWindowTitle(tr("ackhook — webhooks acknowledged by NATS JetStream"));
    buildUi();
    connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this, &MonitorWindow::appendRecords);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MonitorWindow::refresh);
    connect(timer, &QTimer::timeout, this,
        [this] { m_rates->advanceTo(QDateTime::currentMSecsSinceEpoch() / 1000); }); // idle seconds count too
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
    const QString url = QString::fromLatin1(webhookBase()) + QStringLiteral("/webhook");
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
    m_latency->setMaximumWidth(90);
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
    m_sendCount->setRange(1, 1000000);
    m_sendCount->setValue(1);
    m_sendCount->setPrefix(tr("N = "));
    m_sendCount->setToolTip(tr("How many test events to send"));
    m_sendCount->setMaximumWidth(120);
    m_sendRate = new QSpinBox(sendBox);
    m_sendRate->setRange(1, 10000);
    m_sendRate->setValue(20);
    m_sendRate->setPrefix(tr("at "));
    m_sendRate->setSuffix(tr(" /s"));
    m_sendRate->setToolTip(tr("Events per second while a burst is running"));
    m_sendRate->setMaximumWidth(100);
    m_withKeys = new QCheckBox(tr("keys"), sendBox);
    m_withKeys->setToolTip(tr("Send each event with its own Idempotency-Key header (off: ackhook generates one, "
                              "and the monitor flags the request)"));
    m_withKeys->setChecked(true);
    m_send = new QPushButton(tr("Send"), sendBox);
    m_send->setToolTip(tr("POST test events to the webhook URL, exactly as a webhook caller would"));
    m_sendStop = new QPushButton(tr("Stop"), sendBox);
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
    sendLayout->addWidget(m_sendCount);
    sendLayout->addWidget(m_sendRate);
    sendLayout->addWidget(m_withKeys);
    sendLayout->addWidget(m_send);
    sendLayout->addWidget(m_sendStop);
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

    // Live request table with filters, over the detail / failed queue tabs and the rate chart.
    auto *tableArea = new QWidget(central);
    auto *tableLayout = new QVBoxLayout(tableArea);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    auto *filters = new QHBoxLayout;
    m_statusFilter = new QComboBox(tableArea);
    m_statusFilter->addItems({ tr("all"), QStringLiteral("2xx"), QStringLiteral("4xx"), QStringLiteral("5xx") });
    m_textFilter = new QLineEdit(tableArea);
    m_textFilter->setPlaceholderText(tr("filter: key, path, reason…"));
    m_textFilter->setClearButtonEnabled(true);
    m_pause = new QCheckBox(tr("Pause"), tableArea);
    m_pause->setToolTip(tr("Hold the table still; counters, chart and queue keep going"));
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
    m_table->setColumnWidth(RequestTableModel::KeyColumn, 300);
    m_table->setColumnWidth(RequestTableModel::TimeColumn, 100);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    tableLayout->addWidget(m_table, 1);

    m_detail = new RequestDetailView(central);
    m_detail->setBaseUrl(webhookBase());
    connect(m_detail, &RequestDetailView::resendRequested, this, &MonitorWindow::resend);
    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
            const QModelIndex source = m_filter->mapToSource(current);
            if (source.isValid())
                m_detail->setRecord(m_model->record(source.row()));
        });
    m_failedPanel = new FailedQueuePanel(m_runtime->failedEvents(), m_runtime->replayer(),
        QString::fromLatin1(webhookBase()) + QStringLiteral("/webhook"), central);
    connect(m_failedPanel, &FailedQueuePanel::message, this,
        [this](const QString &text) { statusBar()->showMessage(text, 8000); });
    m_tabs = new QTabWidget(central);
    m_tabs->addTab(m_detail, tr("Request detail"));
    m_tabs->addTab(m_failedPanel, tr("Failed-event queue"));
    m_chart = new RateChartView(m_rates, central);

    m_bottomSplitter = new QSplitter(Qt::Horizontal, central);
    m_bottomSplitter->setObjectName(QStringLiteral("bottomSplitter"));
    m_bottomSplitter->addWidget(m_tabs);
    m_bottomSplitter->addWidget(m_chart);
    m_bottomSplitter->setStretchFactor(0, 1);
    m_bottomSplitter->setStretchFactor(1, 1);
    m_bottomSplitter->setSizes({ 660, 620 });
    m_mainSplitter = new QSplitter(Qt::Vertical, central);
    m_mainSplitter->setObjectName(QStringLiteral("mainSplitter"));
    m_mainSplitter->addWidget(tableArea);
    m_mainSplitter->addWidget(m_bottomSplitter);
    m_mainSplitter->setStretchFactor(0, 3);
    m_mainSplitter->setStretchFactor(1, 2);
    layout->addWidget(m_mainSplitter, 1);

    setCentralWidget(central);
    m_totals = new QLabel(this);
    statusBar()->addPermanentWidget(m_totals);
    resize(1280, 860);
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

void MonitorWindow::refresh()
{
    const StatusSnapshot s = m_runtime->status();
    const NatsBus::Status &bus = s.nats;
    if (s.simulatedOutage()) {
        m_badge->setText(tr("SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(s.outage.mode)));
        m_badge->setStyleSheet(badgeStyle("#c77700"));
    } else if (bus.state == NatsBus::State::Connected) {
        m_badge->setText(tr("NATS connected"));
        m_badge->setStyleSheet(badgeStyle("#2e7d32"));
    } else {
        m_badge->setText(tr("NATS %1").arg(NatsBus::stateName(bus.state)));
        m_badge->setStyleSheet(badgeStyle("#c62828"));
    }
    const QString streamSize = bus.streamMessages < 0
        ? QString()
        : tr(": %1 msgs, %2").arg(bus.streamMessages).arg(QLocale().formattedDataSize(bus.streamBytes));
    m_natsDetails->setText(tr("%1 · stream %2%3%4 · RTT %5 · reconnects %6")
                               .arg(s.upstreamUrls.join(QLatin1Char(',')), s.stream,
                                   bus.streamReady ? QString() : tr(" (not ready)"), streamSize,
                                   bus.rttUs < 0 ? tr("–") : tr("%1 ms").arg(bus.rttUs / 1000.0, 0, 'f', 2))
                               .arg(bus.reconnects));
    if (s.embedded.present) {
        m_natsStop->setEnabled(s.embedded.running);
        m_natsStart->setEnabled(!s.embedded.running);
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
    m_totals->setText(tr("requests %1 · 2xx %2 · 5xx %3 · 4xx %4 · in flight %5 · up %6")
                          .arg(c.requests)
                          .arg(c.ok)
                          .arg(c.failed)
                          .arg(c.rejected)
                          .arg(s.inFlight)
                          .arg(QTime(0, 0).addSecs(static_cast<int>(s.uptimeMs / 1000)).toString(QStringLiteral("HH:mm:ss"))));
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

QByteArray MonitorWindow::webhookBase() const
{
    return m_runtime->webhookBaseUrl().toLatin1();
}

void MonitorWindow::appendRecords(const RequestRecordBatch &batch)
{
    m_rates->appendBatch(batch);
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
    const QByteArray body = "{\"source\":\"ackhook monitor\",\"n\":" + QByteArray::number(m_sent) + '}';
    HeaderList headers { { "Content-Type", "application/json" } };
    if (m_withKeys->isChecked())
        headers.append({ "Idempotency-Key", "demo-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) });
    send("POST", "/webhook", headers, body, nullptr);
}

void MonitorWindow::send(const QByteArray &method, const QByteArray &target, HeaderList headers, const QByteArray &body,
    const std::function<void(QNetworkReply *)> &done)
{
    m_runtime->config().gateway.auth.authorize(headers, body);
    QNetworkRequest request(QUrl::fromEncoded(webhookBase() + target));
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, body);
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
