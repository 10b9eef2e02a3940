// Gateway and GatewayHost: wiring and life cycle of the dispatch core.
#include "gateway.h"
#include "dispatch/dispatcher.h"
#include "http/tlsidentity.h"
#include "spool/spool.h"
#include "spool/spoolforwarder.h"
#include "webhook/webhookserver.h"

#include <QEventLoop>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcGateway, "ackhook.gateway")

Gateway::Gateway(GatewayConfig config, ServerLinks links, QObject *parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_links(links)
{
}

Gateway::~Gateway()
{
    Q_ASSERT_X(!m_server || thread() == QThread::currentThread(), "Gateway", "teardown() first");
    teardown();
}

void Gateway::teardown()
{
    // Close NATS first: every pending publish resolves while the server can still answer it.
    if (m_forwarder)
        m_forwarder->stop();
    if (m_bus)
        m_bus->close();
    m_forwarder.reset();
    m_spool.reset(); // answers what waits for a commit while the server can still answer it
    m_server.reset();
    m_dispatcher.reset();
    m_bus.reset();
    m_log.reset();
}

bool Gateway::start(QString *error)
{
    NatsBus::Options busOptions;
    busOptions.urls = m_config.natsUrls;
    busOptions.stream = m_config.streamSettings;
    busOptions.stream.name = m_config.stream;
    busOptions.stream.subjects = m_config.streamSubjects;
    busOptions.createStream = m_config.createStream;
    for (const Endpoint &endpoint : std::as_const(m_config.endpoints))
        busOptions.requiredSubjects.append(endpoint.subject);
    busOptions.access = m_config.natsAccess;
    // A silent broker is declared stale after 2-3 ping intervals. Keep that beyond the ack timeout,
    // so a publish in flight when the link goes silent reports "timeout" (the truth), and new
    // requests fail fast as "disconnected" only once the link is known dead.
    busOptions.pingInterval = m_config.natsPingInterval.count() > 0
        ? m_config.natsPingInterval
        : std::max(std::chrono::milliseconds(2000), m_config.ackTimeout * 3 / 4);
    busOptions.ignoreDiscoveredServers = m_config.ignoreDiscoveredServers;
    m_bus = std::make_unique<NatsBus>(busOptions);

    m_log = std::make_unique<RequestLog>();
    m_dispatcher
        = std::make_unique<Dispatcher>(m_bus.get(), Dispatcher::Options { m_config.ackTimeout, m_config.maxInFlight });

    WebhookServer::Options serverOptions;
    serverOptions.address = m_config.listenAddress;
    serverOptions.port = m_config.listenPort;
    serverOptions.endpoints = m_config.resolvedEndpoints();
    serverOptions.fireAndForget = m_config.fireAndForget;
    serverOptions.auth = m_config.auth;
    serverOptions.http = m_config.httpOptions();
    if (m_config.tls()) {
        auto identity = std::make_shared<TlsIdentity>(m_config.tlsCertFile, m_config.tlsKeyFile);
        if (!identity->load(error))
            return false;
        serverOptions.http.tls = std::move(identity);
    }
    ServerLinks links = m_links;
    links.bus = m_bus.get();
    links.stream = m_config.stream;
    m_server = std::make_unique<WebhookServer>(m_dispatcher.get(), m_log.get(), serverOptions, links);

    if (m_config.uses(DispatchPolicy::Spool) && !openSpool(error))
        return false;
    if (m_config.uses(DispatchPolicy::FireAndForget))
        qCWarning(lcGateway).noquote() << "fire-and-forget dispatch is on: those endpoints answer 200 BEFORE the"
                                          " event is stored and lose events during an outage (a demonstration of"
                                          " the bug ackhook exists to fix)";

    if (!m_bus->start(error))
        return false;
    if (m_forwarder)
        m_forwarder->start();
    return m_server->listen(error);
}

bool Gateway::openSpool(QString *error)
{
    if (m_config.spool.path.isEmpty()) {
        *error = QStringLiteral("the spool dispatch policy needs a data directory (--data-dir)");
        return false;
    }
    auto spool = std::make_unique<Spool>();
    if (!spool->open(m_config.spool, error))
        return false;
    m_spool = std::move(spool);
    m_server->intake()->setSpool(m_spool.get());
    m_forwarder = std::make_unique<SpoolForwarder>(m_spool.get(), m_dispatcher.get(), m_config.spoolRetryInterval);
    return true;
}

bool Gateway::setDispatchPolicy(
    qsizetype endpoint, DispatchPolicy policy, QString *error, const std::function<void()> &atSwitch)
{
    if (!m_server || endpoint < 0 || endpoint >= m_config.endpoints.size()) {
        *error = QStringLiteral("no endpoint number %1").arg(endpoint);
        return false;
    }
    if (m_shuttingDown) {
        *error = QStringLiteral("ackhook is shutting down");
        return false;
    }
    if (policy == DispatchPolicy::Spool && !m_spool) {
        QString message;
        if (!openSpool(&message)) {
            *error = QStringLiteral("cannot switch to the spool policy: ") + message;
            return false;
        }
        m_forwarder->start(); // the bus runs: start() connected it
    }
    if (atSwitch)
        atSwitch();
    m_server->setDispatchPolicy(endpoint, policy);
    const QByteArray &path = m_config.endpoints.at(endpoint).path;
    if (policy == DispatchPolicy::FireAndForget)
        qCWarning(lcGateway).noquote() << "fire-and-forget dispatch is now on for" << path
                                       << "- it answers 200 BEFORE the event is stored and loses events during an"
                                          " outage (a demonstration of the bug ackhook exists to fix)";
    else
        qCInfo(lcGateway).noquote() << "dispatch policy of" << path << "is now" << dispatchPolicyName(policy);
    return true;
}

quint16 Gateway::port() const
{
    return m_server ? m_server->port() : 0;
}

const EndpointCounters *Gateway::endpointCounters() const
{
    return m_server ? &m_server->endpointCounters() : nullptr;
}

EndpointCounters *Gateway::endpointCounters()
{
    return m_server ? &m_server->endpointCounters() : nullptr;
}

int Gateway::inFlight() const
{
    return m_dispatcher ? m_dispatcher->inFlight() : 0;
}

void Gateway::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    qCInfo(lcGateway).noquote() << "shutting down:" << m_dispatcher->inFlight() << "dispatches in flight";
    m_server->stopListening();
    connect(m_dispatcher.get(), &Dispatcher::drained, this, &Gateway::finishShutdown, Qt::QueuedConnection);
    m_dispatcher->stopAccepting();
}

void Gateway::finishShutdown()
{
    if (m_forwarder)
        m_forwarder->stop();
    m_bus->close();
    m_log->flush();
    qCInfo(lcGateway).noquote() << "stopped; every request was answered";
    Q_EMIT stopped();
}

// ---- GatewayHost -----------------------------------------------------------------------------

GatewayHost::GatewayHost(GatewayConfig config, ServerLinks links, QObject *parent)
    : QObject(parent)
    , m_gateway(std::make_unique<Gateway>(std::move(config), links))
{
    m_thread.setObjectName(QStringLiteral("ackhook-server"));
    m_gateway->moveToThread(&m_thread);
}

GatewayHost::~GatewayHost()
{
    shutdownAndWait();
}

bool GatewayHost::start(QString *error)
{
    m_thread.start();
    bool ok = false;
    QString message;
    Gateway *gateway = m_gateway.get();
    QMetaObject::invokeMethod(
        gateway, [&] { ok = gateway->start(&message); }, Qt::BlockingQueuedConnection);
    if (!ok) {
        if (error)
            *error = message;
        QMetaObject::invokeMethod(gateway, &Gateway::teardown, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        m_gateway.reset();
        return false;
    }
    m_port = gateway->port();
    connect(gateway->requestLog(), &RequestLog::waitingReady, this, &GatewayHost::waitingReady);
    connect(gateway->requestLog(), &RequestLog::recordsReady, this, &GatewayHost::recordsReady);
    connect(gateway->bus(), &NatsBus::stateChanged, this, &GatewayHost::natsStateChanged);
    connect(gateway, &Gateway::stopped, this, &GatewayHost::onGatewayStopped);
    return true;
}

void GatewayHost::shutdown()
{
    if (m_gateway && m_thread.isRunning())
        QMetaObject::invokeMethod(m_gateway.get(), &Gateway::shutdown, Qt::QueuedConnection);
}

void GatewayHost::onGatewayStopped()
{
    if (!m_gateway)
        return;
    // Destroy the parts on their own thread, where their sockets and timers live; the bare
    // Gateway object can then be destroyed here once that thread has finished.
    QMetaObject::invokeMethod(m_gateway.get(), &Gateway::teardown, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_gateway.reset();
    Q_EMIT stopped();
}

bool GatewayHost::setDispatchPolicy(
    qsizetype endpoint, DispatchPolicy policy, QString *error, const std::function<void()> &atSwitch)
{
    QString message;
    if (!m_gateway || !m_thread.isRunning()) {
        message = QStringLiteral("the gateway is not running");
    } else {
        bool ok = false;
        Gateway *gateway = m_gateway.get();
        QMetaObject::invokeMethod(
            gateway, [&] { ok = gateway->setDispatchPolicy(endpoint, policy, &message, atSwitch); },
            Qt::BlockingQueuedConnection);
        if (ok)
            return true;
    }
    if (error)
        *error = message;
    return false;
}

bool GatewayHost::moveNats(const QStringList &urls, bool ignoreDiscoveredServers, QString *error)
{
    if (!m_gateway || !m_thread.isRunning()) {
        if (error)
            *error = QStringLiteral("the gateway is not running");
        return false;
    }
    bool ok = false;
    Gateway *gateway = m_gateway.get();
    auto move = [&] { ok = gateway->bus()->moveTo(urls, ignoreDiscoveredServers, error); };
    if (QThread::currentThread() == &m_thread)
        move();
    else
        QMetaObject::invokeMethod(gateway, move, Qt::BlockingQueuedConnection);
    return ok;
}

void GatewayHost::shutdownAndWait()
{
    if (!m_gateway)
        return;
    if (!m_thread.isRunning()) { // never started
        m_gateway.reset();
        return;
    }
    QEventLoop loop;
    connect(this, &GatewayHost::stopped, &loop, &QEventLoop::quit);
    shutdown();
    if (m_gateway)
        loop.exec();
}
