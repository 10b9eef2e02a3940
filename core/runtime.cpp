// Runtime: start order upstream → proxy → gateway → admin; shutdown in reverse once drained.
#include "runtime.h"
#include "answerrecorder.h"
#include "lab/dispatchswitches.h"
#include "lab/lossdetector.h"
#include "lab/lossystore.h"
#include "spool/spool.h"
#include "webhook/webhookserver.h"
#include "webhook/endpointcounters.h"
#include "admin/adminserver.h"
#include "http/httprequestparser.h"
#include "nats/embeddednats.h"
#include "nats/streamaudit.h"
#include "store/replayer.h"

#include <QDir>
#include <QFileInfo>

#include <QEventLoop>
#include <QLoggingCategory>

#include <nats/nats.h>

Q_LOGGING_CATEGORY(lcRuntime, "ackhook.runtime")

Runtime::Runtime(RuntimeConfig config, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
{
}

Runtime::~Runtime()
{
    shutdownAndWait();
}

bool Runtime::start(QString *error)
{
    m_uptime.start();
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        m_admin.reset();
        m_replayer.reset();
        if (m_host)
            m_host->shutdownAndWait();
        m_host.reset();
        m_loss.reset();
        m_store.reset();
        m_proxy.reset();
        m_embedded.reset();
        m_lossyStore.reset();
        m_dataDirLock.reset();
        return false;
    };

    // One ackhook per data directory: two would start two nats-servers on one JetStream store (both
    // handing out seq 1, losing events already answered 200) and share one failed-event queue.
    if (!m_config.dataDir.isEmpty()) {
        QString message;
        if (!lockDataDir(&message))
            return fail(message);
    }
    // Policies switched in an earlier run (window or admin API), where still valid.
    m_switches = std::make_unique<DispatchSwitches>(
        m_config.dataDir.isEmpty() ? QString() : QDir(m_config.dataDir).filePath(QLatin1String(DispatchSwitches::FileName)));
    {
        QString message;
        QStringList notes;
        if (!m_switches->load(m_config.gateway, &notes, &message))
            return fail(message);
        for (const QString &note : std::as_const(notes))
            qCWarning(lcRuntime).noquote() << note;
    }

    // Credentials leave the URLs here: from now on every URL shown (banner, log, status, window)
    // carries none, and cnats gets them through its options, the same with the fault proxy or not.
    m_natsAccess = m_config.gateway.natsAccess;
    if (m_config.gateway.natsUrls.isEmpty() && !m_natsAccess.isEmpty())
        return fail(QStringLiteral("NATS credentials and TLS options are for an external NATS (--nats-url, NATS_URL "
                                   "or [nats] url); the embedded nats-server takes none"));
    {
        QString message;
        const std::optional<QStringList> urls = m_natsAccess.takeFromUrls(m_config.gateway.natsUrls, &message);
        if (!urls)
            return fail(message);
        m_upstreamUrls = *urls;
        m_natsAccess.resolveTlsHostname(m_upstreamUrls);
        QStringList warnings;
        if (!m_natsAccess.check(&message, &warnings))
            return fail(message);
        for (const QString &warning : std::as_const(warnings))
            qCWarning(lcRuntime).noquote() << warning;
    }
    if (m_upstreamUrls.isEmpty()) {
        EmbeddedNats::Options options;
        options.dataDir = m_config.dataDir;
        options.executable = m_config.natsServerExecutable;
        if (m_config.labLossyStore) {
            m_lossyStoreProblem = LossyStore::unusableReason();
            if (m_lossyStoreProblem.isEmpty()) {
                const QDir dataDir(m_config.dataDir);
                auto store = std::make_unique<LossyStore>(dataDir.filePath(QStringLiteral("lossy-store.backing")),
                    dataDir.filePath(QStringLiteral("lossy-store")));
                if (QString message; store->mount(&message)) {
                    m_lossyStore = std::move(store);
                    options.storeDir = QDir(m_lossyStore->path()).filePath(QStringLiteral("jetstream"));
                } else {
                    m_lossyStoreProblem = QStringLiteral("cannot mount the lossy store: ") + message;
                }
            }
            if (!m_lossyStoreProblem.isEmpty())
                qCWarning(lcRuntime).noquote() << "--lab-lossy-store:" << m_lossyStoreProblem
                                               << "- the store stays on the disk and power-cut is refused";
            else
                qCInfo(lcRuntime).noquote() << "lab: the embedded nats-server's store is on lossyfs at"
                                            << m_lossyStore->path() << "(power-cut drops what it did not fsync)";
        }
        // Room for the largest body any endpoint accepts plus ackhook's NATS headers: a body at
        // exactly --max-payload is stored, not refused by the server it runs itself (issue #13).
        qint64 maxBody = m_config.gateway.maxPayload;
        for (const Endpoint &endpoint : std::as_const(m_config.gateway.endpoints))
            maxBody = std::max(maxBody, endpoint.maxBodyBytes);
        const HttpRequestParser::Limits httpLimits;
        options.maxPayload = EmbeddedNats::maxPayloadFor(
            maxBody, httpLimits.maxRequestLine + httpLimits.maxHeaderBytes);
        m_embedded = std::make_unique<EmbeddedNats>(options);
        QString message;
        if (!m_embedded->start(&message))
            return fail(QStringLiteral("cannot start the embedded NATS server: ") + message);
        m_upstreamUrls = { m_embedded->url() };
        connect(m_embedded.get(), &EmbeddedNats::exitedUnexpectedly, this, [this](int code) {
            qCWarning(lcRuntime).noquote()
                << "the embedded nats-server exited (code" << code << "); webhooks are answered 500";
            Q_EMIT embeddedNatsRunningChanged(false);
        });
    }

    QList<ProxyUpstream> upstreams;
    for (const QString &url : std::as_const(m_upstreamUrls)) {
        QString message;
        const auto upstream = FaultProxy::upstreamFromUrl(url, &message);
        if (!upstream)
            return fail(message);
        upstreams.append(*upstream);
    }
    m_proxy = std::make_unique<FaultProxy>();
    m_proxy->setEncrypted(m_natsAccess.usesTls());
    QString message;
    GatewayConfig gatewayConfig = m_config.gateway;
    gatewayConfig.natsUrls = m_upstreamUrls;
    gatewayConfig.natsAccess = m_natsAccess;
    if (gatewayConfig.spool.path.isEmpty() && !m_config.dataDir.isEmpty())
        gatewayConfig.spool.path = QDir(m_config.dataDir).filePath(QStringLiteral("spool.sqlite"));
    if (m_config.faultProxyEnabled) {
        if (!m_proxy->start(upstreams, m_config.outage, &message))
            return fail(message);
        // NatsBus connects through the proxy only while a fault is simulated (the path switch
        // below); credentials and TLS go end to end either way (the proxy forwards bytes), and the
        // certificate is checked against the upstream's name (tlsHostname).
        if (m_config.outage.mode != OutageSettings::Mode::Off) {
            gatewayConfig.natsUrls = { m_proxy->url() };
            gatewayConfig.ignoreDiscoveredServers = true;
        }
    } else if (m_config.outage.mode != OutageSettings::Mode::Off) {
        return fail(QStringLiteral("--outage needs the fault proxy (add --fault-proxy, or drop --no-fault-proxy)"));
    }
    FailedEventStore::Options storeOptions = m_config.failedQueue;
    if (storeOptions.path.isEmpty())
        storeOptions.path = QDir(m_config.dataDir).filePath(QStringLiteral("failed-events.sqlite"));
    m_store = std::make_unique<FailedEventStore>();
    if (!m_store->open(storeOptions, &message))
        return fail(message);

    ServerLinks links;
    links.faultProxy = m_config.faultProxyEnabled ? m_proxy.get() : nullptr;
    m_recorder = std::make_unique<AnswerRecorder>(m_store.get());
    links.observer = m_recorder.get();
    links.failedQueueStats = [store = m_store.get()] { return store->stats(); };
    if (m_config.lossDetector || gatewayConfig.uses(DispatchPolicy::FireAndForget)
        || gatewayConfig.uses(DispatchPolicy::Spool)) {
        startLossDetector(gatewayConfig.stream);
        m_recorder->setLossDetector(m_loss.get());
    }
    m_host = std::make_unique<GatewayHost>(gatewayConfig, links);
    if (!m_host->start(&message))
        return fail(message);
    connect(m_host.get(), &GatewayHost::stopped, this, &Runtime::finishShutdown, Qt::QueuedConnection);
    if (m_config.faultProxyEnabled) {
        // The proxy costs a wake-up and two copies per message each way: out of the path in mode
        // off (issue #18). Called by FaultProxy::setSettings from whichever thread sets a mode.
        m_proxy->setPathSwitch(
            [this, directIgnores = m_config.gateway.ignoreDiscoveredServers, proxied = m_proxy->url()](
                bool throughProxy, QString *why) {
                if (!m_host)
                    return true; // stopping: nothing to move
                return throughProxy ? m_host->moveNats({ proxied }, true, why)
                                    : m_host->moveNats(m_upstreamUrls, directIgnores, why);
            },
            m_config.outage.mode != OutageSettings::Mode::Off);
    }

    // The server's version for the durability line: read from its INFO on every (re)connect, from
    // the real server (not the fault proxy, which passes INFO through only while it lets bytes by).
    m_serverInfo = new ServerInfoProbe(this);
    const auto probeServer = [this] {
        if (m_shuttingDown || !m_host->gateway())
            return;
        QString url = m_host->gateway()->bus()->status().connectedUrl;
        if (url.isEmpty() || (m_proxy && url == m_proxy->url()))
            url = m_upstreamUrls.value(0);
        m_serverInfo->probe(url);
    };
    connect(m_host.get(), &GatewayHost::natsStateChanged, this, [probeServer](NatsBus::State state) {
        if (state == NatsBus::State::Connected)
            probeServer();
    });
    if (m_host->gateway()->bus()->status().state == NatsBus::State::Connected) // connected during start
        probeServer();

    m_replayer = std::make_unique<Replayer>(m_store.get(), m_host.get());
    if (m_config.autoReplay) {
        connect(m_host.get(), &GatewayHost::natsStateChanged, this, [this](NatsBus::State state) {
            if (state != NatsBus::State::Connected || m_shuttingDown || m_replayer->isBusy())
                return;
            if (m_store->stats().pending == 0)
                return;
            qCInfo(lcRuntime).noquote() << "NATS connected: replaying" << m_store->stats().pending << "failed events";
            m_replayer->replayAllPending({});
        });
    }

    if (m_config.adminEnabled) {
        m_admin = std::make_unique<AdminServer>(this);
        AdminServer::Options admin;
        admin.address = m_config.adminAddress;
        admin.port = m_config.adminPort;
        admin.token = m_config.adminToken;
        admin.allowedHosts = m_config.adminAllowedHosts;
        admin.http = m_config.gateway.httpOptions(); // the webhook listener's limits and timeouts
        if (!m_admin->listen(admin, &message))
            return fail(message);
    }
    return true;
}

void Runtime::startStreamAudit()
{
    if (m_audit || !m_host)
        return;
    // Through the real NATS, not the fault proxy: the question is what the stream holds.
    m_audit = std::make_unique<StreamAudit>(m_upstreamUrls, m_natsAccess, m_config.gateway.stream);
    connect(m_host.get(), &GatewayHost::recordsReady, m_audit.get(),
        [audit = m_audit.get()](const RequestRecordBatch &batch) {
            QList<StreamAudit::Entry> answered;
            for (const RequestRecord &r : batch) {
                if (r.status / 100 == 2 && r.seq)
                    answered.append({ r.seq, r.msgId });
            }
            audit->check(answered);
        });
}

void Runtime::startLossDetector(const QString &stream)
{
    LossDetector::Options lossOptions;
    lossOptions.urls = m_upstreamUrls; // the real NATS: what the stream holds, whatever the outage
    lossOptions.access = m_natsAccess;
    lossOptions.stream = stream.toUtf8();
    lossOptions.grace = m_config.lossGrace;
    m_loss = std::make_unique<LossDetector>(lossOptions);
    m_loss->start();
    // Spooled events not yet forwarded are pending, not lost, however long NATS is away. Read on
    // this thread: the spool appears only while this thread waits for the gateway's (start, switch).
    m_loss->setHold(DispatchPolicy::Spool, [this] {
        const Gateway *gateway = this->gateway();
        return gateway && gateway->spool() && gateway->spool()->stats().records > 0;
    });
}

bool Runtime::setDispatchPolicy(qsizetype endpoint, DispatchPolicy policy, QString *error, QString *saveError)
{
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return false;
    };
    if (endpoint < 0 || endpoint >= m_config.gateway.endpoints.size())
        return fail(QStringLiteral("no endpoint number %1").arg(endpoint));
    if (!m_host || m_shuttingDown)
        return fail(QStringLiteral("ackhook is not running"));
    // The lab compares policies: once one is not ack, every answer is reconciled from then on. The
    // recorder gets the detector on the server thread at the switch, not before: a refused switch
    // leaves nothing that notes to it.
    const bool newDetector = policy != DispatchPolicy::Ack && !m_loss;
    if (newDetector)
        startLossDetector(m_config.gateway.stream);
    QString message;
    if (!m_host->setDispatchPolicy(endpoint, policy, &message,
            [recorder = m_recorder.get(), detector = m_loss.get()] { recorder->setLossDetector(detector); })) {
        if (newDetector)
            m_loss.reset(); // refused before the recorder was given it
        return fail(message);
    }
    m_config.gateway.endpoints[endpoint].dispatch = policy;
    if (QString message; m_switches && !m_switches->record(m_config.gateway.endpoints.at(endpoint).path, policy, &message)) {
        qCWarning(lcRuntime).noquote() << message;
        if (saveError)
            *saveError = message;
    }
    Q_EMIT dispatchPolicyChanged(endpoint, policy);
    return true;
}

bool Runtime::makeDataDir(const QString &path)
{
    const QDir dir(path);
    if (dir.exists())
        return true;
    // The queue and the spool hold webhook bodies and headers: private by default, like ~/.ssh.
    const QString absolute = dir.absolutePath();
    const QString parent = QFileInfo(absolute).absolutePath();
    return QDir().mkpath(parent)
        && (QDir().mkdir(absolute, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner)
            || dir.exists());
}

bool Runtime::lockDataDir(QString *error)
{
    if (!makeDataDir(m_config.dataDir)) {
        *error = QStringLiteral("cannot create the data directory %1").arg(QDir::toNativeSeparators(m_config.dataDir));
        return false;
    }
    const QString path = QDir(m_config.dataDir).filePath(QStringLiteral("ackhook.lock"));
    m_dataDirLock = std::make_unique<QLockFile>(path);
    // Stale only when its process is gone (a kill -9 leaves the file): never by age, because a
    // gateway holds its lock for months.
    m_dataDirLock->setStaleLockTime(0);
    if (m_dataDirLock->tryLock(0))
        return true;
    qint64 pid = 0;
    QString host;
    QString application;
    if (m_dataDirLock->error() == QLockFile::LockFailedError && m_dataDirLock->getLockInfo(&pid, &host, &application))
        *error = QStringLiteral("the data directory %1 is in use by another ackhook (PID %2 on %3); stop it, or give "
                                "this one its own directory with --data-dir")
                     .arg(QDir::toNativeSeparators(m_config.dataDir))
                     .arg(pid)
                     .arg(host);
    else
        *error = QStringLiteral("cannot lock the data directory %1 (%2)")
                     .arg(QDir::toNativeSeparators(m_config.dataDir), QDir::toNativeSeparators(path));
    m_dataDirLock.reset();
    return false;
}

quint16 Runtime::adminPort() const
{
    return m_admin ? m_admin->port() : 0;
}

qint64 Runtime::uptimeMs() const
{
    return m_uptime.isValid() ? m_uptime.elapsed() : 0;
}

QString Runtime::webhookBaseUrl() const
{
    return httpBaseUrl(m_config.gateway.listenAddress, webhookPort(), m_config.gateway.webhookScheme());
}

StatusSnapshot Runtime::status() const
{
    StatusSnapshot s;
    s.version = QStringLiteral(ACKHOOK_VERSION);
    s.qtVersion = QString::fromLatin1(qVersion());
    s.cnatsVersion = QString::fromLatin1(nats_GetVersion());
    s.uptimeMs = uptimeMs();
    const Gateway *gateway = this->gateway();
    if (gateway && gateway->bus())
        s.nats = gateway->bus()->status();
    if (gateway && gateway->requestLog())
        s.counters = gateway->requestLog()->counters();
    if (gateway && gateway->endpointCounters())
        s.endpoints = gateway->endpointCounters()->rows();
    s.inFlight = gateway ? gateway->inFlight() : 0;
    s.maxInFlight = m_config.gateway.maxInFlight;
    s.upstreamUrls = m_upstreamUrls;
    s.stream = m_config.gateway.stream;
    if (m_embedded)
        s.embedded = { true, m_embedded->isRunning(), m_embedded->pid(), m_embedded->url(), m_embedded->storeDir() };
    if (m_proxy) {
        s.outage = m_proxy->settings();
        s.droppedAcks = m_proxy->droppedAcks();
        if (m_config.faultProxyEnabled) {
            s.proxyUrl = m_proxy->url();
            s.proxyInPath = m_proxy->isInPath();
        }
    }
    if (m_store)
        s.failedQueue = m_store->stats();
    if (gateway && gateway->spool())
        s.spool = gateway->spool()->stats();
    if (gateway && gateway->webhookServer()) {
        s.fireAndForget = gateway->webhookServer()->intake()->fireAndForget();
        s.webhookRefusals = gateway->webhookServer()->refusals();
    }
    if (m_admin)
        s.adminRefusals = m_admin->refusals();
    if (m_loss)
        s.loss = m_loss->figures();
    if (m_audit)
        s.audit = m_audit->figures();
    s.replayBusy = m_replayer && m_replayer->isBusy();
    if (m_serverInfo)
        s.server = m_serverInfo->last();
    s.durability.serverVersion = s.server.version;
    s.durability.replicas = s.nats.cluster.replicas;
    s.durability.storage = m_config.gateway.streamSettings.storage;
    s.webhookBaseUrl = webhookBaseUrl();
    return s;
}

bool Runtime::stopEmbeddedNats(QString *error)
{
    if (!m_embedded) {
        if (error)
            *error = QStringLiteral("ackhook uses an external NATS (--nats-url): nothing to stop");
        return false;
    }
    if (!m_embedded->isRunning())
        return true;
    m_embedded->stop();
    Q_EMIT embeddedNatsRunningChanged(false);
    return true;
}

bool Runtime::startEmbeddedNats(QString *error)
{
    if (!m_embedded) {
        if (error)
            *error = QStringLiteral("ackhook uses an external NATS (--nats-url): nothing to start");
        return false;
    }
    if (m_embedded->isRunning())
        return true;
    if (m_poweredOff)
        return powerOn(error); // the store comes back first
    if (!m_embedded->start(error))
        return false;
    Q_EMIT embeddedNatsRunningChanged(true);
    return true;
}

QString Runtime::powerCutRefusal() const
{
    if (!m_embedded)
        return QStringLiteral("power-cut cuts the embedded nats-server's power: not with an external NATS (--nats-url)");
    if (!m_config.labLossyStore)
        return QStringLiteral("power-cut needs the embedded nats-server's store on the lossy file system: start "
                              "ackhook with --lab-lossy-store (or ACKHOOK_LAB_LOSSY_STORE=1)");
    if (!m_lossyStore)
        return QStringLiteral("--lab-lossy-store: ") + m_lossyStoreProblem;
    return {};
}

int Runtime::powerCuts() const
{
    return m_lossyStore ? m_lossyStore->cuts() : 0;
}

bool Runtime::powerCut(QString *error)
{
    return powerOff(error) && powerOn(error);
}

bool Runtime::powerOff(QString *error)
{
    auto fail = [error](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (const QString why = powerCutRefusal(); !why.isEmpty())
        return fail(why);
    if (m_poweredOff)
        return fail(QStringLiteral("the power is already off"));
    // The disk freezes first (nothing nats-server writes from here on lands), then the process dies
    // without a chance to flush: the order of a real power cut.
    const QString held = m_lossyStore->state();
    QString message;
    if (!m_lossyStore->cut(&message))
        return fail(message);
    m_poweredOff = true;
    m_embedded->kill();
    qCWarning(lcRuntime).noquote() << "simulated power cut: nats-server SIGKILLed, unsynced writes dropped ("
                                   << QString(held).replace(QLatin1Char('\n'), QLatin1String("; ")) << ')';
    Q_EMIT embeddedNatsRunningChanged(false);
    return true;
}

bool Runtime::powerOn(QString *error)
{
    if (!m_poweredOff || !m_lossyStore)
        return startEmbeddedNats(error);
    if (!m_lossyStore->remount(error))
        return false;
    m_poweredOff = false;
    qCInfo(lcRuntime).noquote() << "power back: the lossy store is remounted, nats-server starts on what survived";
    if (!startEmbeddedNats(error))
        return false;
    if (m_loss)
        m_loss->recheckStored(); // what it counted stored may be gone: the 200s that vanished
    return true;
}

void Runtime::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    if (m_replayer)
        m_replayer->abortAll(); // waiting admin calls get their answer while their server still exists
    m_snsSubscriptions.reset(); // a confirmation under way is abandoned (SNS keeps its SubscribeURL valid for 3 days)
    m_admin.reset(); // no more control requests while draining
    if (m_host && m_host->isRunning())
        m_host->shutdown();
    else
        finishShutdown();
}

void Runtime::finishShutdown()
{
    m_host.reset();
    m_loss.reset(); // after the gateway: nothing notes answers any more
    m_audit.reset(); // before the nats-server it reads from
    m_replayer.reset(); // after the gateway: its last completions have been delivered
    m_store.reset(); // commits what is queued
    if (m_proxy)
        m_proxy->stop();
    m_proxy.reset();
    if (m_embedded)
        m_embedded->stop();
    m_embedded.reset();
    m_lossyStore.reset(); // a clean unmount: what it held is written back
    m_dataDirLock.reset(); // last: the store and the nats-server are closed
    Q_EMIT stopped();
}

void Runtime::shutdownAndWait()
{
    if (!m_host && !m_proxy && !m_embedded && !m_admin && !m_store)
        return;
    if (m_host && m_host->isRunning()) {
        QEventLoop loop;
        connect(this, &Runtime::stopped, &loop, &QEventLoop::quit);
        shutdown();
        if (m_host)
            loop.exec();
    } else {
        m_shuttingDown = true;
        m_admin.reset();
        finishShutdown();
    }
}

void Runtime::confirmSnsSubscription(
    qsizetype endpoint, const QString &topicArn, std::function<void(const SnsSubscriptions::Result &)> done)
{
    if (!m_snsSubscriptions)
        m_snsSubscriptions = std::make_unique<SnsSubscriptions>();
    m_snsSubscriptions->confirm(
        [this]() -> EndpointCounters * {
            Gateway *gateway = this->gateway();
            return gateway && !m_shuttingDown ? gateway->endpointCounters() : nullptr;
        },
        endpoint, topicArn, std::move(done));
}
