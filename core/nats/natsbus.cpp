// NatsBus: cnats connection life cycle, the stream check and cluster view it schedules, and the
// threaded publish path (js_PublishMsgAsync; the event-loop one is InboxPublisher).
//
// Threading: cnats invokes callbacks on its own threads. They never touch a QObject: they copy
// values into the Context under its mutex and post one drain call to the owning thread.
#include "nats/natsbus.h"
#include "enumnames.h"
#include "nats/inboxpublisher.h"
#include "nats/natsstatus.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

Q_LOGGING_CATEGORY(lcNats, "ackhook.nats")

struct NatsBus::Context {
    std::mutex mutex;
    NatsBus *owner = nullptr; // null once the bus is destroyed
    std::unordered_map<const natsMsg *, quint64> pending; // message in cnats' hands -> dispatch token
    std::vector<std::pair<quint64, PublishResult>> reports;
    bool drainScheduled = false;
    std::atomic<bool> connected { false };

    // Runs fn(owner) on the owner's thread, if the owner still exists. Caller must not hold mutex.
    template <typename F> void post(F fn)
    {
        std::lock_guard lock(mutex);
        if (owner)
            QMetaObject::invokeMethod(
                owner, [o = owner, fn] { fn(o); }, Qt::QueuedConnection);
    }

    static void ackHandler(jsCtx *, natsMsg *msg, jsPubAck *ack, jsPubAckErr *error, void *closure)
    {
        auto *self = static_cast<Context *>(closure);
        PublishResult result = ack
            ? PublishResult::ack(QString::fromUtf8(ack->Stream), ack->Sequence, ack->Duplicate)
            : publishFailure(error ? error->Err : NATS_ERR, error ? error->ErrCode : static_cast<jsErrCode>(0),
                error ? error->ErrText : nullptr);
        std::lock_guard lock(self->mutex);
        // Erase before the message is destroyed: its address may be reused by the next publish.
        const auto it = self->pending.find(msg);
        if (it != self->pending.end()) {
            self->reports.emplace_back(it->second, std::move(result));
            self->pending.erase(it);
            if (!self->drainScheduled && self->owner) {
                self->drainScheduled = true;
                QMetaObject::invokeMethod(self->owner, &NatsBus::deliverReports, Qt::QueuedConnection);
            }
        }
        natsMsg_Destroy(msg);
    }
};

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
    // The event-loop publisher (issue #24) is a switch, off by default, until every suite passes
    // with it on. Not with TLS: cnats 3.4.1's SSL_read waits in poll(fd, -1) on the calling thread
    // when a record is incomplete, which would stall the whole server thread (a blackholed link).
    m_eventLoop = qEnvironmentVariable("ACKHOOK_NATS_EVENT_LOOP") == QLatin1String("1");
    if (m_eventLoop && m_options.access.usesTls()) {
        m_eventLoop = false;
        qCInfo(lcNats) << "ACKHOOK_NATS_EVENT_LOOP ignored with TLS: cnats keeps its own reader thread";
    }
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
        m_link = old;
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
    m_retired.push_back(old);
    closeRetiredLinks(false);
    return true;
}

void NatsBus::closeRetiredLinks(bool all)
{
    for (auto it = m_retired.begin(); it != m_retired.end();) {
        Link &link = *it;
        bool done = all || !link.context->connected.load(std::memory_order_acquire) || link.retireDeadline.hasExpired();
        if (!done) {
            std::lock_guard lock(link.context->mutex);
            done = link.context->pending.empty() && (!link.inbox || link.inbox->pending() == 0);
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

int NatsBus::pendingPublishes() const
{
    std::size_t count = 0;
    {
        std::lock_guard lock(m_link.context->mutex);
        count += m_link.context->pending.size();
    }
    if (m_link.inbox)
        count += m_link.inbox->pending();
    for (const Link &link : m_retired) { // read on the owner's thread only: m_retired is its own
        std::lock_guard lock(link.context->mutex);
        count += link.context->pending.size() + (link.inbox ? link.inbox->pending() : 0);
    }
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
    if (s == NATS_OK && m_eventLoop) {
        m_link.inbox = std::make_shared<InboxPublisher>(
            this, m_expectedStream, [this](std::vector<std::pair<quint64, PublishResult>> &reports) {
                publishReports(reports);
            });
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
        jsOpts.PublishAsync.AckHandler = &Context::ackHandler;
        jsOpts.PublishAsync.AckHandlerClosure = m_link.context;
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
        setState(State::Disconnected);
        return fail(s, QStringLiteral("cannot create the JetStream context"));
    }

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
        deliverReports();
        return;
    }
    m_blockingCalls.waitForDone(); // a stream look-up or RTT ping may still use this connection
    // cnats 3.4.1 leaves pending async publishes unresolved on close: collect and fail them.
    failPending(link, FailureReason::Disconnected, QStringLiteral("NATS connection closed"));
    jsCtx_Destroy(link.js);
    link.js = nullptr;
    natsConnection_Destroy(link.connection);
    link.connection = nullptr;
    natsOptions_Destroy(link.options);
    link.options = nullptr;
    link.inbox.reset();
    deliverReports(); // PubAcks that arrived before the close
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

void NatsBus::deliverReports()
{
    std::vector<std::pair<quint64, PublishResult>> reports;
    {
        std::lock_guard lock(m_link.context->mutex);
        reports.swap(m_link.context->reports);
        m_link.context->drainScheduled = false;
    }
    for (Link &link : m_retired) { // after a moveTo(): the PubAcks of the old connection
        std::lock_guard lock(link.context->mutex);
        reports.insert(reports.end(), std::make_move_iterator(link.context->reports.begin()),
            std::make_move_iterator(link.context->reports.end()));
        link.context->reports.clear();
        link.context->drainScheduled = false;
    }
    publishReports(reports);
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
    if (link.inbox) {
        link.inbox->failAll(PublishResult::failure(reason, detail));
        return;
    }
    // cnats 3.4.1 creates its pending map at the first async publish and dereferences it here
    // unchecked: asking before any publish crashes.
    if (!link.js || !link.publishedOnce)
        return;
    natsMsgList list {};
    if (js_PublishAsyncGetPendingList(&list, link.js) != NATS_OK)
        return; // NATS_NOT_FOUND: nothing pending
    std::vector<quint64> tokens;
    {
        std::lock_guard lock(link.context->mutex);
        for (int i = 0; i < list.Count; ++i) {
            const auto it = link.context->pending.find(list.Msgs[i]);
            if (it != link.context->pending.end()) {
                tokens.push_back(it->second);
                link.context->pending.erase(it);
            }
        }
    }
    natsMsgList_Destroy(&list);
    const PublishResult failure = PublishResult::failure(reason, detail);
    for (quint64 token : tokens)
        report(token, failure);
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

    natsMsg *msg = nullptr;
    natsStatus s = natsMsg_Create(
        &msg, event.subject.constData(), nullptr, event.body.constData(), static_cast<int>(event.body.size()));
    for (qsizetype i = 0; s == NATS_OK && i < event.headers.size(); ++i)
        s = natsMsgHeader_Add(msg, event.headers[i].first.constData(), event.headers[i].second.constData());
    if (s != NATS_OK) {
        natsMsg_Destroy(msg);
        return publishFailure(s, static_cast<jsErrCode>(0), nats_GetLastError(nullptr));
    }

    jsPubOptions options;
    jsPubOptions_Init(&options);
    m_longestWait = std::max(m_longestWait, maxWait);
    options.MaxWait = std::max<qint64>(1, maxWait.count()); // cnats 3.4.1: no MaxWait, no timeout at all
    options.MsgId = event.msgId.constData();
    // A publish that the configured stream does not store fails (no_stream) instead of landing in
    // another stream that happens to capture the subject (docs/DESIGN.md §7).
    options.ExpectStream = m_expectedStream.constData();

    {
        std::lock_guard lock(m_link.context->mutex);
        m_link.context->pending.emplace(msg, token); // before publishing: the ack may beat the return
    }
    natsMsg *handedOver = msg;
    m_link.publishedOnce = true;
    s = js_PublishMsgAsync(m_link.js, &handedOver, &options);
    if (s != NATS_OK) {
        bool stillOurs = false;
        {
            std::lock_guard lock(m_link.context->mutex);
            stillOurs = m_link.context->pending.erase(msg) > 0;
        }
        natsMsg_Destroy(handedOver); // no-op when cnats took ownership
        if (stillOurs)
            return publishFailure(s, static_cast<jsErrCode>(0), nats_GetLastError(nullptr));
        return std::nullopt; // cnats already reported it through the ack handler
    }
    return std::nullopt;
}


void NatsBus::ensureStream()
{
    if (!m_link.js)
        return;
    m_streamCheckRunning = true;
    m_lastStreamCheck.start();
    jsCtx *js = m_link.js;
    const StreamSettings wanted = m_options.stream;
    const QList<QByteArray> required = m_options.requiredSubjects;
    const bool create = m_options.createStream;
    Context *context = m_link.context;

    m_blockingCalls.start([=] {
        const StreamCheck check = StreamCheck::run(js, wanted, required, create);
        context->post([check](NatsBus *bus) { bus->finishStreamCheck(check); });
    });
}

void NatsBus::requestStreamCheck()
{
    // One look-up at a time, at most two a second: a burst of failures does not flood JetStream.
    constexpr qint64 MinIntervalMs = 500;
    if (!m_link.js || !isConnected())
        return;
    if (m_streamCheckRunning) {
        m_streamCheckAgain = true;
        return;
    }
    const qint64 since = m_lastStreamCheck.isValid() ? m_lastStreamCheck.elapsed() : MinIntervalMs;
    if (since < MinIntervalMs) {
        if (!m_streamCheckTimer.isActive())
            m_streamCheckTimer.start(std::chrono::milliseconds(MinIntervalMs - since));
        return;
    }
    ensureStream();
}

void NatsBus::finishStreamCheck(const StreamCheck &check)
{
    m_streamCheckRunning = false;
    const StreamFound foundBefore = std::exchange(m_streamFound, check.found);
    const Status before = status();
    updateStatus([&](Status &status) {
        status.streamReady = check.ok;
        status.streamError = check.error;
    });
    const QString &name = m_options.stream.name;
    if (check.created) {
        const StreamSettings &s = m_options.stream;
        if (m_streamSeen)
            qCWarning(lcNats).noquote()
                << "JetStream stream" << name
                << "was deleted while ackhook ran; created it again (the events it held are gone)";
        qCInfo(lcNats).noquote() << "JetStream stream" << name << "created:" << s.describe();
    }
    if (check.differences != m_reportedDifferences) {
        for (const QString &difference : check.differences)
            qCWarning(lcNats).noquote() << "JetStream stream" << name
                                        << "differs from the configuration (ackhook does not change a stream it finds):"
                                        << difference;
        m_reportedDifferences = check.differences;
    }
    if (check.ok) {
        m_streamSeen = true;
        if (!before.streamReady) {
            if (!check.created)
                qCInfo(lcNats).noquote() << "JetStream stream" << name << "found";
            Q_EMIT streamReady(name);
        }
    } else {
        if (check.missing && (foundBefore == StreamFound::Usable || foundBefore == StreamFound::Uncovered))
            qCWarning(lcNats).noquote() << "JetStream stream" << name << "was deleted while ackhook ran";
        if (check.error != before.streamError || before.streamReady) {
            qCWarning(lcNats).noquote() << "JetStream stream" << name << "not ready:" << check.error;
            Q_EMIT streamFailed(check.error);
        }
    }
    if (std::exchange(m_streamCheckAgain, false))
        requestStreamCheck();
}

void NatsBus::measureRtt()
{
    if (!m_link.connection || !m_link.js || !isConnected() || m_blockingCalls.activeThreadCount() > 0)
        return;
    // A failed stream lookup is asked again with every poll, not only at the next reconnect: a
    // cluster still electing the stream's leader answers Timeout, and is fine seconds later.
    if (!isStreamReady())
        requestStreamCheck();
    natsConnection *connection = m_link.connection;
    jsCtx *js = m_link.js;
    const QByteArray stream = m_options.stream.name.toUtf8();
    const QList<QByteArray> required = m_options.requiredSubjects;
    Context *context = m_link.context;
    m_blockingCalls.start([connection, js, stream, required, context] {
        int64_t rttNs = 0;
        if (natsConnection_GetRTT(connection, &rttNs) != NATS_OK)
            return;
        // The stream's size for the monitor; a failure here only leaves the figures as they were.
        jsStreamInfo *info = nullptr;
        qint64 messages = -1;
        qint64 bytes = -1;
        // Whether the stream is still as the last full check left it: there, and capturing every subject.
        StreamFound found = StreamFound::Unknown;
        jsErrCode errorCode = static_cast<jsErrCode>(0);
        const natsStatus s = js_GetStreamInfo(&info, js, stream.constData(), nullptr, &errorCode);
        if (s == NATS_OK && info) {
            messages = static_cast<qint64>(info->State.Msgs);
            bytes = static_cast<qint64>(info->State.Bytes);
            found = StreamCheck::foundIn(info, required);
        } else if (s == NATS_NOT_FOUND || errorCode == JSStreamNotFoundErr) {
            found = StreamFound::Missing;
        }
        // Its leader and replicas (issue #17); while no leader is elected the info does not come.
        Cluster cluster = ClusterView::read(connection, s == NATS_OK ? info : nullptr,
            s == NATS_OK ? QString() : natsErrorText(s, nats_GetLastError(nullptr)));
        jsStreamInfo_Destroy(info);
        context->post([rttNs, messages, bytes, found, seen = std::move(cluster)](NatsBus *bus) {
            // Deleted, created or edited by someone else since the last full check: check again.
            const bool changed
                = found != bus->m_streamFound || (found == StreamFound::Usable && !bus->status().streamReady);
            if (found != StreamFound::Unknown && changed)
                bus->requestStreamCheck();
            Cluster cluster = seen;
            bus->updateStatus([&](Status &status) {
                status.rttUs = rttNs / 1000;
                status.rttAtMs = QDateTime::currentMSecsSinceEpoch();
                if (messages >= 0) {
                    status.streamMessages = messages;
                    status.streamBytes = bytes;
                }
                // A change is a leader other than the last one seen, with or without a gap between.
                const QString previous = status.cluster.lastLeader;
                cluster.lastLeader = cluster.leader.isEmpty() ? previous : cluster.leader;
                cluster.leaderChanges = status.cluster.leaderChanges
                    + (!cluster.leader.isEmpty() && !previous.isEmpty() && cluster.leader != previous);
                status.cluster = std::move(cluster);
            });
            Q_EMIT bus->rttMeasured(rttNs / 1000);
        });
    });
}
