// MonitorWindow: the panels composed and wired to the Runtime. The GUI thread only displays: records
// arrive in batches from the server thread, everything else is read from one StatusSnapshot.
#include "monitorwindow.h"
#include "theme.h"
#include "failedqueuebox.h"
#include "failedqueuepanel.h"
#include "guidedtour.h"
#include "outagepanel.h"
#include "outcometext.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requestdetailview.h"
#include "requestspanel.h"
#include "requesttablemodel.h"
#include "scenariopanel.h"
#include "snsconfirmationbar.h"
#include "statusheader.h"
#include "streambrowser.h"
#include "testsenderpanel.h"
#include "webhookclient.h"

#include "http/curlcommand.h"
#include "outage/faultproxy.h"
#include "runtime.h"
#include "status.h"
#include "store/failedeventstore.h"
#include "store/replayer.h"
#include "webhook/endpoint.h"

#include <QAction>
#include <QCheckBox>
#include <QDateTime>
#include <QFrame>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QNetworkReply>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

MonitorWindow::MonitorWindow(Runtime *runtime, QWidget *parent)
    : QMainWindow(parent)
    , m_runtime(runtime)
    , m_rates(new RateHistoryModel(RateHistoryModel::DefaultSeconds, this))
    , m_client(new WebhookClient(runtime, this))
{
    setWindowTitle(tr("ackhook — webhooks acknowledged by NATS JetStream"));
    m_runtime->startStreamAudit(); // the outcomes line's "answered 200 but not in the stream"
    buildUi();
    buildTour();
    buildMenus();
    connect(m_runtime->gatewayHost(), &GatewayHost::waitingReady, m_requests, &RequestsPanel::appendWaiting);
    connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this, &MonitorWindow::appendRecords);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &MonitorWindow::refresh);
    connect(timer, &QTimer::timeout, this, [this] {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        m_rates->advanceTo(now / 1000); // idle seconds count too
        const FaultProxy *proxy = m_runtime->faultProxy(); // null once the runtime has stopped
        if (proxy && proxy->mode() != OutageSettings::Mode::Off)
            m_rates->markOutage(now / 1000);
        m_requests->model()->tick(now);
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
    m_outage->showSettings(m_runtime->faultProxy()->settings());
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
    connect(m_runtime, &Runtime::dispatchPolicyChanged, this, &MonitorWindow::updateFireAndForgetBanner);

    // Made in the order of the focus chain; laid out below in rows.
    m_scenario = new ScenarioPanel(m_runtime, central);
    m_header = new StatusHeader(m_runtime, central);
    m_failedBox = new FailedQueueBox(central);
    m_outage = new OutagePanel(m_runtime, central);
    m_sender = new TestSenderPanel(m_runtime, m_client, central);
    connect(m_scenario, &ScenarioPanel::message, this, &MonitorWindow::showMessage);
    connect(m_header, &StatusHeader::message, this, &MonitorWindow::showMessage);
    connect(m_outage, &OutagePanel::message, this, &MonitorWindow::showMessage);
    connect(m_sender, &TestSenderPanel::message, this, &MonitorWindow::showMessage);
    connect(m_scenario, &ScenarioPanel::runningChanged, this, &MonitorWindow::setScenarioRunning);
    connect(m_outage, &OutagePanel::changed, this, &MonitorWindow::refresh);
    connect(m_outage, &OutagePanel::settingsShown, this, [this](const OutageSettings &settings) {
        setWindowTitle(settings.mode != OutageSettings::Mode::Off
                ? tr("ackhook — SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(settings.mode))
                : tr("ackhook — webhooks acknowledged by NATS JetStream"));
    });
    connect(m_failedBox, &FailedQueueBox::replayAllWanted, this, [this] {
        m_failedPanel->replayAll(); // reports in the status bar through the panel's message
    });
    // The scenario's two controls in the menu bar's empty right end, not a row of their own: the
    // table keeps that height on a laptop screen, and the controls row its width.
    menuBar()->setCornerWidget(m_scenario, Qt::TopRightCorner);
    layout->addWidget(m_scenario->lossLine());
    layout->addWidget(m_header);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_outage);
    controls->addWidget(m_sender);
    controls->addWidget(m_failedBox);
    controls->addStretch(1);
    layout->addLayout(controls);

    // The first 500 explains itself once (Help shows it again).
    m_explanation = new QFrame(central);
    m_explanation->setObjectName(QStringLiteral("why500"));
    m_explanation->setFrameShape(QFrame::StyledPanel);
    // The warning tone of the palette in use (light or dark), its text readable on it (tst_theme).
    const Theme::Colours warn = Theme::cell(Theme::Tone::Warn);
    m_explanation->setStyleSheet(QStringLiteral("#why500 { background: %1; border: 1px solid %2; } #why500 QLabel { color: %3; }")
                                     .arg(warn.background.name(), Theme::ink(Theme::Tone::Warn).name(), warn.text.name()));
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
    // An AWS SNS subscription waiting for a person to confirm it (hidden while none waits).
    m_snsConfirmation = new SnsConfirmationBar(m_runtime, central);
    connect(m_snsConfirmation, &SnsConfirmationBar::message, this, &MonitorWindow::showMessage);
    connect(m_snsConfirmation, &SnsConfirmationBar::confirmationFinished, this, &MonitorWindow::refresh);
    layout->addWidget(m_snsConfirmation);

    // The live request table, over the detail / failed queue / stream tabs and the rate chart.
    m_requests = new RequestsPanel(central);
    connect(m_requests, &RequestsPanel::message, this, &MonitorWindow::showMessage);
    connect(m_requests, &RequestsPanel::currentRowChanged, this, &MonitorWindow::showDetailFor);
    connect(m_requests, &RequestsPanel::queueEntryWanted, this, &MonitorWindow::showQueueEntry);
    connect(m_requests, &RequestsPanel::streamSequenceWanted, this, &MonitorWindow::showInStream);
    m_detail = new RequestDetailView(central);
    m_detail->setBaseUrl(m_client->baseUrl());
    connect(m_detail, &RequestDetailView::resendRequested, this, &MonitorWindow::resend);
    m_failedPanel = new FailedQueuePanel(m_runtime->failedEvents(), m_runtime->replayer(),
        QString::fromLatin1(m_client->baseUrl()) + QStringLiteral("/webhook"), central);
    connect(m_failedPanel, &FailedQueuePanel::message, this, [this](const QString &text) { showMessage(text, 15000); });
    connect(m_failedPanel, &FailedQueuePanel::requestWanted, m_requests, &RequestsPanel::showRequestWithKey);
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
    connect(m_streamBrowser, &StreamBrowser::requestWanted, m_requests, &RequestsPanel::showRequestWithMsgId);
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
    m_mainSplitter->addWidget(m_requests);
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

void MonitorWindow::buildTour()
{
    m_tour = new GuidedTour(this);
    const int send = m_tour->addStep(m_sender->sendButton(),
        tr("Press Send: a test event goes to the webhook endpoint, and its row turns green once JetStream "
           "acknowledged it (200)."));
    const int outage = m_tour->addStep(m_outage->simulateButton(),
        tr("Open Simulate outage and pick \"Down\": ackhook's connection to NATS is cut, as in a broker outage."));
    const int sendAgain = m_tour->addStep(m_sender->sendButton(),
        tr("Press Send again: with no PubAck the answer is 500, so the sender retries, and the event waits in "
           "the failed-event queue."));
    const int end = m_tour->addStep(m_outage->endButton(),
        tr("Press End outage: NATS is reachable again and the header turns green."));
    const int replay = m_tour->addStep(m_failedBox->replayAllButton(),
        tr("Press Replay all pending: the queued event is published now; its row reads \"500 → recovered\"."));
    const auto sent = [this, send, sendAgain] {
        m_tour->stepDone(m_tour->currentStep() == send ? send : sendAgain);
    };
    connect(m_sender, &TestSenderPanel::burstStarted, m_tour, sent);
    connect(m_outage, &OutagePanel::settingsShown, m_tour, [this, outage, end](const OutageSettings &settings) {
        m_tour->stepDone(settings.mode != OutageSettings::Mode::Off ? outage : end);
    });
    connect(m_failedBox, &FailedQueueBox::replayAllWanted, m_tour, [this, replay] { m_tour->stepDone(replay); });
    connect(m_tour, &GuidedTour::finished, this, [this](bool completed) {
        if (completed)
            showMessage(tr("Tour done: a 200 meant stored, a 500 meant retry, and nothing was lost."), 10000);
    });
}

void MonitorWindow::buildMenus()
{
    QMenu *actions = menuBar()->addMenu(tr("&Actions"));
    QAction *send = actions->addAction(tr("Send test events"), m_sender, &TestSenderPanel::sendTestEvents);
    send->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    QAction *toggleOutage = actions->addAction(tr("Simulate outage / end it"), m_outage, &OutagePanel::toggle);
    toggleOutage->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    QAction *replay = actions->addAction(tr("Replay all pending"), m_failedBox, &FailedQueueBox::replayAll);
    replay->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    QAction *pause = actions->addAction(tr("Pause the table"), m_requests->pauseBox(), &QCheckBox::toggle);
    pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    QAction *find = actions->addAction(tr("Filter requests"), m_requests, &RequestsPanel::focusTextFilter);
    find->setShortcut(QKeySequence::Find);
    QAction *detailTab = actions->addAction(tr("Show request detail"), this, [this] { m_tabs->setCurrentIndex(0); });
    detailTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    QAction *queueTab = actions->addAction(tr("Show failed-event queue"), this, [this] { m_tabs->setCurrentIndex(1); });
    queueTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    QAction *streamTab
        = actions->addAction(tr("Show the stream"), this, [this] { m_tabs->setCurrentWidget(m_streamBrowser); });
    streamTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    actions->addSeparator();
    QAction *quit = actions->addAction(tr("Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *shortcuts = help->addAction(tr("Keyboard shortcuts"), this,
        [this] { QMessageBox::information(this, tr("Keyboard shortcuts"), shortcutsText()); });
    shortcuts->setShortcut(QKeySequence::HelpContents);
    // A dialog, not the panel: the panel may already be showing (then showing it again did nothing).
    help->addAction(tr("Why does ackhook answer 500?"), this,
        [this] { QMessageBox::information(this, tr("Why does ackhook answer 500?"), why500Text()); });
    QAction *tour = help->addAction(tr("Guided tour (60 s)"), m_tour, &GuidedTour::start);
    tour->setObjectName(QStringLiteral("guidedTourAction"));
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

QString MonitorWindow::totalsText() const
{
    return m_totals->text();
}

QString MonitorWindow::why500Text()
{
    return tr("<b>Why 500?</b> NATS JetStream did not confirm the event (no PubAck), so ackhook answered 500 rather "
              "than a 200 it cannot stand behind. The sender will retry, and ackhook keeps the event in the "
              "failed-event queue: replay it once NATS is back. Nothing is lost.");
}

void MonitorWindow::refresh()
{
    const StatusSnapshot s = m_runtime->status();
    m_sender->showStatus(s);
    m_scenario->showStatus(s);
    m_header->showStatus(s, m_outage->reconnectExpected());
    m_failedBox->showStatus(s);
    m_snsConfirmation->showStatus(s);
    const FailedQueueStats &failed = s.failedQueue;
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
}

void MonitorWindow::setScenarioRunning(bool running)
{
    m_outage->setLocked(running);
    m_header->setServerSwitchesLocked(running);
    if (!running) // nats-server's switches follow its state again
        refresh();
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
    m_requests->model()->setQueueLinks(std::move(links));
    if (const int row = m_requests->currentRow(); row >= 0)
        showDetailFor(row);
}

void MonitorWindow::showDetailFor(int row)
{
    const RequestTableModel *model = m_requests->model();
    m_detail->setRecord(model->record(row));
    const std::optional<RequestTableModel::QueueLink> link = model->queueLink(row);
    m_detail->setQueueNote(link ? OutcomeText::timelineNote(*link) : QString());
}

void MonitorWindow::showQueueEntry(qint64 failedId)
{
    m_tabs->setCurrentWidget(m_failedPanel);
    m_failedPanel->selectEvent(failedId);
}

void MonitorWindow::showInStream(quint64 seq)
{
    m_tabs->setCurrentWidget(m_streamBrowser);
    m_streamBrowser->showSequence(seq);
}

void MonitorWindow::explainFirstFailure()
{
    if (m_explanation->isVisible() || QSettings().value(QStringLiteral("help/why500Dismissed"), false).toBool())
        return;
    m_explanation->show();
}

void MonitorWindow::appendRecords(const RequestRecordBatch &batch)
{
    m_rates->appendBatch(batch);
    if (std::any_of(batch.cbegin(), batch.cend(), [](const RequestRecord &r) { return r.status >= 500; }))
        explainFirstFailure();
    m_requests->appendRecords(batch);
}

void MonitorWindow::resend(const RequestRecord &record)
{
    m_client->send(record.method, record.target, resendHeaders(record.headers, record.key.toLatin1()), record.body,
        [this](QNetworkReply *reply) {
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            showMessage(
                status ? tr("Resent: answered %1").arg(status) : tr("Resend failed: %1").arg(reply->errorString()),
                8000);
        });
}

void MonitorWindow::showMessage(const QString &text, int timeoutMs)
{
    statusBar()->showMessage(text, timeoutMs);
}

void MonitorWindow::restoreSettings()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    m_requests->restoreSettings(settings);
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("window/tab"), 0).toInt());
    m_mainSplitter->restoreState(settings.value(QStringLiteral("window/mainSplitter")).toByteArray());
    m_bottomSplitter->restoreState(settings.value(QStringLiteral("window/bottomSplitter")).toByteArray());
    m_failedPanel->view()->horizontalHeader()->restoreState(
        settings.value(QStringLiteral("window/failedColumns")).toByteArray());
    m_sender->restoreSettings(settings);
}

void MonitorWindow::saveSettings() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    m_requests->saveSettings(settings);
    settings.setValue(QStringLiteral("window/tab"), m_tabs->currentIndex());
    settings.setValue(QStringLiteral("window/mainSplitter"), m_mainSplitter->saveState());
    settings.setValue(QStringLiteral("window/bottomSplitter"), m_bottomSplitter->saveState());
    settings.setValue(QStringLiteral("window/failedColumns"), m_failedPanel->view()->horizontalHeader()->saveState());
    m_sender->saveSettings(settings);
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
        m_fireAndForgetBanner->setStyleSheet(
            QStringLiteral("QLabel { background: #b71c1c; color: white; font-weight: bold; padding: 6px 12px; }"));
        m_centralLayout->insertWidget(0, m_fireAndForgetBanner);
    }
    m_fireAndForgetBanner->setText(tr("FIRE-AND-FORGET on %1: these endpoints answer 200 BEFORE the event is stored "
                                      "and lose events during an outage. For demonstrations only.")
                                       .arg(QString::fromUtf8(fireAndForget.join(", "))));
    m_fireAndForgetBanner->show();
}
