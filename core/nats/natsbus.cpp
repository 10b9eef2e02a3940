// NatsBus: the cnats connection's life cycle (connect, reconnect, make-before-break moves, closing)
// and its publisher (InboxPublisher by default, ThreadedPublisher with TLS); the stream contract
// and the poll are in natsbusstream.cpp, the options in natsconnectionoptions.cpp.
//
// Threading: cnats invokes callbacks on its own threads. They never touch a QObject: they set the
// Context's atomics and post one call to the owning thread.
#include "nats/natsbus.h"
#include "enumnames.h"
#include "nats/inboxpublisher.h"
#include "nats/natsbuscontext.h"
#include "nats/natsstatus.h"
#include "nats/threadedpublisher.h"

#include <QLoggingCategory>

#include <nats/nats.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

Q_LOGGING_CATEGORY(lcNats, "ackhook.nats")

NatsBus::Context *NatsBus::newContext(NatsBus *owner)
{
    auto context = std::make_unique<Context>();
    context->owner = owner;
    Context *created = context.get();
    // Contexts are few (one per bus, one more per moveTo) and must outlive any cnats callback:
    // freed at exit.
    static std::mutex contextsMutex;
    static std::vector<std::unique_ptr<Context>> contexts;
    std::lock_guard lock(contextsMutex);
    contexts.push_back(std::move(context));
    return created;
}

NatsBus::NatsBus(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    m_link.context = newContext(this);
    m_retireTimer.setInterval(std::chrono::milliseconds(50));
    connect(&m_retireTimer, &QTimer::timeout, this, [this] { closeRetiredLinks(false); });
    m_expectedStream = m_options.stream.name.toUtf8();
    m_blockingCalls.setMaxThreadCount(1);
    m_restartTimer.setSingleShot(true);
    connect(&m_restartTimer, &QTimer::timeout, this, [this] {
        QString error;
        if (!start(&error)) {
            qCWarning(lcNats).noquote() << "cannot restart the NATS connection:" << error;
            m_restartTimer.start(1000);
        }
    });
    m_streamCheckTimer.setSingleShot(true);
    connect(&m_streamCheckTimer, &QTimer::timeout, this, &NatsBus::requestStreamCheck);
    m_rttTimer.setInterval(RttInterval);
    connect(&m_rttTimer, &QTimer::timeout, this, &NatsBus::measureRtt);
    m_remainsTimer.setInterval(std::chrono::milliseconds(20));
    connect(&m_remainsTimer, &QTimer::timeout, this, [this] { destroyRemains(false); });
    m_inboxTimer.setSingleShot(true);
    connect(&m_inboxTimer, &QTimer::timeout, this, &NatsBus::expireInboxPublishes);
    // cnats driven by this thread's loop (issue #24), unless ACKHOOK_NATS_EVENT_LOOP=0 asks for
    // cnats' own threads (a diagnosis switch). Not with TLS: cnats 3.4.1's SSL_read waits in
    // poll(fd, -1) on the calling thread when a record is incomplete (or after a post-handshake
    // message such as a TLS 1.3 session ticket), which would stall the whole server thread.
    m_eventLoop = qEnvironmentVariable("ACKHOOK_NATS_EVENT_LOOP") != QLatin1String("0") && !m_options.access.usesTls();
}

NatsBus::~NatsBus()
{
    close();
    std::lock_guard lock(m_link.context->mutex);
    m_link.context->owner = nullptr;
}

bool NatsBus::moveTo(const QStringList &urls, bool ignoreDiscoveredServers, QString *error)
{
    if (urls == m_options.urls && ignoreDiscoveredServers == m_options.ignoreDiscoveredServers)
        return true;
    const QStringList oldUrls = std::exchange(m_options.urls, urls);
    const bool oldIgnore = std::exchange(m_options.ignoreDiscoveredServers, ignoreDiscoveredServers);
    if (m_closed || !m_link.connection)
        return true; // not running: the next start() uses the new URLs
    Link old = std::exchange(m_link, Link {});
    m_link.context = newContext(this);
    m_rttTimer.stop();
    m_moving = true;
    const bool started = start(error);
    m_moving = false;
    if (!started) {
        {
            std::lock_guard lock(m_link.context->mutex);
            m_link.context->owner = nullptr;
        }
        m_link = std::move(old);
        m_options.urls = oldUrls;
        m_options.ignoreDiscoveredServers = oldIgnore;
        if (isConnected())
            m_rttTimer.start();
        return false;
    }
    qCInfo(lcNats).noquote() << "NATS connection moved to" << NatsAccess::redact(urls.join(QLatin1Char(',')))
                             << (isConnected() ? QStringLiteral("(connected)") : QStringLiteral("(connecting)"));
    if (!isConnected())
        setState(m_state == State::Connected ? State::Reconnecting : m_state);
    // The old connection stays until what was published on it is answered: a PubAck in flight on
    // it is a stored event, and its caller gets its 200.
    old.retireDeadline.setRemainingTime(m_longestWait + std::chrono::seconds(1));
    m_retired.push_back(std::move(old));
    closeRetiredLinks(false);
    return true;
}

void NatsBus::closeRetiredLinks(bool all)
{
    for (auto it = m_retired.begin(); it != m_retired.end();) {
        Link &link = *it;
        bool done = all || !link.context->connected.load(std::memory_order_acquire) || link.retireDeadline.hasExpired();
        if (!done) {
            done = link.pendingPublishes() == 0;
        }
        if (!done) {
            ++it;
            continue;
        }
        teardownLink(link);
        {
            std::lock_guard lock(link.context->mutex);
            link.context->owner = nullptr;
        }
        it = m_retired.erase(it);
    }
    if (m_retired.empty())
        m_retireTimer.stop();
    else if (!m_retireTimer.isActive())
        m_retireTimer.start();
}

QString NatsBus::stateName(State state)
{
    static constexpr EnumName<State> names[] = { { State::Disconnected, "disconnected" },
        { State::Connecting, "connecting" }, { State::Connected, "connected" },
        { State::Reconnecting, "reconnecting" }, { State::Closed, "closed" } };
    return enumName(names, state);
}

bool NatsBus::isConnected() const
{
    return m_link.context->connected.load(std::memory_order_acquire);
}

std::size_t NatsBus::Link::pendingPublishes() const
{
    return (inbox ? inbox->pending() : 0) + (threaded ? threaded->pending() : 0);
}

int NatsBus::pendingPublishes() const
{
    std::size_t count = m_link.pendingPublishes();
    for (const Link &link : m_retired) // read on the owner's thread only: m_retired is its own
        count += link.pendingPublishes();
    return static_cast<int>(count);
}

void NatsBus::onConnected(natsConnection *, void *closure)
{
    auto *context = static_cast<Context *>(closure);
    context->connected.store(true, std::memory_order_release);
    context->post([context](NatsBus *bus) {
        if (bus->m_link.context == context)
            bus->handleConnectionUp();
    });
}

void NatsBus::onReconnected(natsConnection *, void *closure)
{
    auto *context = static_cast<Context *>(closure);
    context->connected.store(true, std::memory_order_release);
    context->post([context](NatsBus *bus) {
        if (bus->m_link.context != context)
            return; // a retired link: closed soon, its state is no one's
        bus->updateStatus([](Status &status) { ++status.reconnects; });
        bus->handleConnectionUp();
        // A quick reconnect (another server of a cluster) may never show as a state change: say where to.
        qCInfo(lcNats).noquote() << "NATS reconnected to" << bus->status().connectedUrl;
    });
}

void NatsBus::onDisconnected(natsConnection *, void *closure)
{
    auto *context = static_cast<Context *>(closure);
    // Set here, not on the owner thread, so that publishes fail fast from this instant on.
    context->connected.store(false, std::memory_order_release);
    context->post([context](NatsBus *bus) {
        if (bus->m_link.context == context)
            bus->handleConnectionLost();
        else
            bus->closeRetiredLinks(false); // its pending PubAcks will not come: fail them now
    });
}

void NatsBus::onClosed(natsConnection *, void *closure)
{
    auto *context = static_cast<Context *>(closure);
    context->connected.store(false, std::memory_order_release);
    context->post([context](NatsBus *bus) {
        if (bus->m_link.context == context)
            bus->handleClosedByClient();
    });
}

bool NatsBus::start(QString *error)
{
    if (m_link.connection)
        return true;
    m_closed = false;
    auto fail = [&](natsStatus status, const QString &what) {
        if (error)
            *error = what + QStringLiteral(": ") + natsErrorText(status, nats_GetLastError(nullptr));
        natsOptions_Destroy(m_link.options);
        m_link.options = nullptr;
        return false;
    };

    natsStatus s = natsOptions_Create(&m_link.options);
    if (s != NATS_OK)
        return fail(s, QStringLiteral("cannot create NATS options"));

    s = m_options.applyTo(m_link.options);
    if (s == NATS_OK)
        s = natsOptions_SetRetryOnFailedConnect(m_link.options, true, &NatsBus::onConnected, m_link.context);
    if (s == NATS_OK)
        s = natsOptions_SetDisconnectedCB(m_link.options, &NatsBus::onDisconnected, m_link.context);
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(m_link.options, &NatsBus::onReconnected, m_link.context);
    if (s == NATS_OK)
        s = natsOptions_SetClosedCB(m_link.options, &NatsBus::onClosed, m_link.context);
    auto sink = [this](std::vector<std::pair<quint64, PublishResult>> &reports) { publishReports(reports); };
    if (s == NATS_OK && m_eventLoop) {
        m_link.inbox = std::make_shared<InboxPublisher>(this, m_expectedStream, sink);
        s = m_link.inbox->install(m_link.options);
        // A stream look-up or RTT ping in flight when the connection drops would otherwise wait
        // out its 5 s on the pool, and a teardown on this thread waits for the pool.
        if (s == NATS_OK)
            s = natsOptions_SetFailRequestsOnDisconnect(m_link.options, true);
    }
    if (s != NATS_OK) {
        m_link.inbox.reset();
        return fail(s, QStringLiteral("invalid NATS options"));
    }
    if (QString message; !m_options.access.applyTo(m_link.options, &message)) {
        if (error)
            *error = message;
        natsOptions_Destroy(m_link.options);
        m_link.options = nullptr;
        return false;
    }

    if (!m_startedOnce) {
        // Refused credentials or a failed TLS handshake are mistakes to show at start, not a reason
        // to retry for ever behind a "reconnecting" label (the server being away still is).
        if (QString refusal = m_options.probeAccess(); !refusal.isEmpty()) {
            if (error)
                *error = refusal;
            natsOptions_Destroy(m_link.options);
            m_link.options = nullptr;
            return false;
        }
        m_startedOnce = true;
    }
    if (!m_restarting && !m_moving)
        setState(State::Connecting);
    s = natsConnection_Connect(&m_link.connection, m_link.options);
    if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
        m_link.connection = nullptr;
        m_link.inbox.reset();
        setState(State::Disconnected);
        return fail(s, QStringLiteral("cannot connect to NATS"));
    }
    if (m_link.inbox) {
        s = m_link.inbox->subscribe(m_link.connection);
        // cnats 3.4.1 may already have closed a connection still in its first connect retries (a
        // proxy that accepts and closes): as with the threaded path, the closed callback replaces it
        // (handleClosedByClient); meanwhile publishes fail fast as disconnected.
        if (s != NATS_OK && natsConnection_IsClosed(m_link.connection))
            s = NATS_OK;
        if (s != NATS_OK) {
            natsConnection_Close(m_link.connection);
            m_link.inbox->afterClose();
            natsConnection_Destroy(m_link.connection);
            m_link.connection = nullptr;
            m_link.inbox.reset();
            setState(State::Disconnected);
            return fail(s, QStringLiteral("cannot subscribe to the PubAck inbox"));
        }
    }

    jsOptions jsOpts;
    jsOptions_Init(&jsOpts);
    jsOpts.Wait = 5000;
    if (!m_link.inbox) { // in event-loop mode the context only serves the stream look-ups
        m_link.threaded = std::make_unique<ThreadedPublisher>(this, m_expectedStream, sink);
        m_link.threaded->install(&jsOpts);
    }
    jsOpts.PublishAsync.MaxPending = 0; // > 0 can block the publisher for StallWait: we bound in-flight ourselves
    s = natsConnection_JetStream(&m_link.js, m_link.connection, &jsOpts);
    if (s != NATS_OK) {
        if (m_link.inbox) {
            natsConnection_Close(m_link.connection);
            m_link.inbox->afterClose();
        }
        natsConnection_Destroy(m_link.connection);
        m_link.connection = nullptr;
        m_link.inbox.reset();
        m_link.threaded.reset();
        setState(State::Disconnected);
        return fail(s, QStringLiteral("cannot create the JetStream context"));
    }
    if (m_link.threaded)
        m_link.threaded->attach(m_link.js);

    if (natsConnection_Status(m_link.connection) == NATS_CONN_STATUS_CONNECTED) {
        m_link.context->connected.store(true, std::memory_order_release);
        handleConnectionUp();
    } else if (!m_restarting && !m_moving) {
        qCInfo(lcNats).noquote() << "NATS not reachable yet at"
                                 << NatsAccess::redact(m_options.urls.join(QLatin1Char(',')))
                                 << "- retrying in the background";
    }
    return true;
}

void NatsBus::close()
{
    m_closed = true;
    m_restartTimer.stop();
    closeRetiredLinks(true);
    if (!m_link.connection) {
        destroyRemains(true);
        setState(State::Closed);
        return;
    }
    teardown();
    destroyRemains(true);
    setState(State::Closed);
}

void NatsBus::handleClosedByClient()
{
    if (m_closed || !m_link.connection)
        return; // our own close(): nothing to repair
    // cnats gave up on its own, although it was told to reconnect forever: 3.4.1 does so when, in
    // the initial-connect retry, a server accepts the TCP connection and closes it before INFO
    // (a proxy whose upstream is down, a server starting up). Start a fresh connection.
    // Why, when cnats knows: a refused password or certificate must show, not just "reconnecting".
    const char *text = nullptr;
    const natsStatus last = natsConnection_GetLastError(m_link.connection, &text);
    const QString reason = last == NATS_OK ? QString() : NatsAccess::redact(natsErrorText(last, text));
    updateStatus([&](Status &status) { status.connectError = reason; });
    if (!m_restarting)
        qCWarning(lcNats).noquote() << "the NATS client closed the connection by itself"
                                    << (reason.isEmpty() ? QString() : QStringLiteral("(%1)").arg(reason))
                                    << "- starting new ones until one connects";
    m_restarting = true;
    teardown();
    setState(State::Reconnecting);
    m_restartTimer.start(std::max<qint64>(m_options.reconnectWait.count(), 250));
}

void NatsBus::teardown()
{
    m_rttTimer.stop();
    teardownLink(m_link);
    updateStatus([](Status &status) { status.streamReady = false; });
}

void NatsBus::teardownLink(Link &link)
{
    link.context->connected.store(false, std::memory_order_release);
    if (link.inbox)
        link.inbox->beforeClose();
    natsConnection_Close(link.connection);
    if (link.inbox) {
        link.inbox->afterClose();
        failPending(link, FailureReason::Disconnected, QStringLiteral("NATS connection closed"));
        // A stream look-up or RTT ping on the pool may still hold this connection (Close kicked its
        // requests out) or wait for an answer on another one, which only this thread can read: this
        // thread never waits for the pool. The cnats objects are destroyed once the pool is idle.
        m_remains.push_back({ link.js, link.connection, link.options });
        link.js = nullptr;
        link.connection = nullptr;
        link.options = nullptr;
        link.inbox.reset();
        destroyRemains(false);
        return;
    }
    m_blockingCalls.waitForDone(); // a stream look-up or RTT ping may still use this connection
    failPending(link, FailureReason::Disconnected, QStringLiteral("NATS connection closed"));
    if (link.threaded)
        link.threaded->deliver(); // PubAcks that arrived before the close
    link.threaded.reset();
    jsCtx_Destroy(link.js);
    link.js = nullptr;
    natsConnection_Destroy(link.connection);
    link.connection = nullptr;
    natsOptions_Destroy(link.options);
    link.options = nullptr;
    link.inbox.reset();
}

void NatsBus::destroyRemains(bool wait)
{
    if (m_remains.empty())
        return;
    if (wait) {
        // Only when closing for good: send and read for the connections still open meanwhile.
        while (!m_blockingCalls.waitForDone(2)) {
            if (m_link.inbox && m_link.connection)
                m_link.inbox->pump();
            for (Link &other : m_retired) {
                if (other.inbox && other.connection)
                    other.inbox->pump();
            }
        }
    } else if (!m_blockingCalls.waitForDone(0)) {
        if (!m_remainsTimer.isActive())
            m_remainsTimer.start();
        return;
    }
    for (const Remains &r : m_remains) {
        jsCtx_Destroy(r.js);
        natsConnection_Destroy(r.connection);
        natsOptions_Destroy(r.options);
    }
    m_remains.clear();
    m_remainsTimer.stop();
}

NatsBus::Status NatsBus::status() const
{
    QMutexLocker lock(&m_statusMutex);
    return m_status;
}

void NatsBus::updateStatus(const std::function<void(Status &)> &change)
{
    QMutexLocker lock(&m_statusMutex);
    change(m_status);
}

void NatsBus::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    QString url;
    updateStatus([&](Status &status) {
        status.state = state;
        url = status.connectedUrl;
    });
    qCInfo(lcNats).noquote() << "NATS" << stateName(state) << url;
    Q_EMIT stateChanged(state);
}

void NatsBus::handleConnectionUp()
{
    if (!m_link.connection || !isConnected())
        return;
    m_restarting = false;
    char url[256] = {};
    if (natsConnection_GetConnectedUrl(m_link.connection, url, sizeof url) == NATS_OK)
        updateStatus([&](Status &status) {
            status.connectedUrl = NatsAccess::redact(QString::fromUtf8(url));
            status.connectError.clear();
        });
    // Each server of a cluster may have its own max_payload: read it again on every (re)connect.
    const qint64 maxPayload = natsConnection_GetMaxPayload(m_link.connection);
    if (maxPayload > 0) {
        m_maxPayload.store(maxPayload, std::memory_order_relaxed);
        updateStatus([&](Status &status) { status.maxPayload = maxPayload; });
    }
    setState(State::Connected);
    ensureStream();
    measureRtt();
    m_rttTimer.start();
}

void NatsBus::handleConnectionLost()
{
    if (!m_link.connection)
        return;
    m_rttTimer.stop();
    // Acks of publishes sent on the lost connection will not come: answer them now.
    failPending(m_link, FailureReason::Disconnected, QStringLiteral("NATS connection lost before the PubAck"));
    if (!isConnected())
        setState(State::Reconnecting);
}

void NatsBus::publishReports(std::vector<std::pair<quint64, PublishResult>> &reports)
{
    // A no_stream failure makes the stream not ready before it is answered: whoever sees the 500
    // and asks /ready or /api/status next sees why.
    QString noStream;
    for (const auto &[token, result] : reports) {
        if (result.reason == FailureReason::NoStream)
            noStream = result.detail;
    }
    if (!noStream.isEmpty()) {
        // Deleted, or its subjects changed: not ready from now on, until a look-up says otherwise.
        QString reason;
        updateStatus([&](Status &status) {
            if (status.streamReady) {
                reason = QStringLiteral("stream %1 did not take a publish (%2); looking it up again")
                             .arg(m_options.stream.name, noStream);
                status.streamReady = false;
                status.streamError = reason;
            }
        });
        if (!reason.isEmpty())
            qCWarning(lcNats).noquote() << "JetStream stream" << m_options.stream.name << "not ready:" << reason;
    }
    for (const auto &[token, result] : reports)
        report(token, result);
    if (!noStream.isEmpty())
        requestStreamCheck();
}

void NatsBus::expireInboxPublishes()
{
    const auto now = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> next;
    auto earliest = [&next](std::optional<std::chrono::steady_clock::time_point> t) {
        if (t && (!next || *t < *next))
            next = t;
    };
    if (m_link.inbox)
        earliest(m_link.inbox->expire(now));
    for (Link &link : m_retired) {
        if (link.inbox)
            earliest(link.inbox->expire(now));
    }
    armInboxTimer(next);
}

void NatsBus::armInboxTimer(std::optional<std::chrono::steady_clock::time_point> next)
{
    // One wake-up per deadline that can still expire: entries answered in time are skipped in bulk.
    if (!next) {
        m_inboxTimer.stop();
        return;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - std::chrono::steady_clock::now());
    m_inboxTimer.start(std::max(wait, std::chrono::milliseconds(0)));
}

void NatsBus::failPending(Link &link, FailureReason reason, const QString &detail)
{
    const PublishResult failure = PublishResult::failure(reason, detail);
    if (link.inbox)
        link.inbox->failAll(failure);
    if (link.threaded)
        link.threaded->failAll(failure);
}

std::optional<PublishResult> NatsBus::publishAsync(
    quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait)
{
    if (!m_link.js || !isConnected())
        return PublishResult::failure(FailureReason::Disconnected, QStringLiteral("not connected to NATS"));
    m_longestWait = std::max(m_longestWait, maxWait);
    if (m_link.inbox) {
        const auto deadline = std::chrono::steady_clock::now() + maxWait;
        auto failed = m_link.inbox->publish(token, event, deadline);
        if (!failed && !m_inboxTimer.isActive())
            armInboxTimer(deadline);
        return failed;
    }
    return m_link.threaded->publish(token, event, maxWait);
}
