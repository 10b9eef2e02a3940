// FaultProxy: facade, the worker on the proxy thread, and one ProxyPipe per proxied connection.
#include "faultproxy.h"
#include "natsprotocolfilter.h"
#include "socketwrite.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrl>

#include <deque>

Q_LOGGING_CATEGORY(lcProxy, "ackhook.proxy")

namespace {
constexpr qint64 ReadChunk = 256 * 1024;
constexpr qint64 MaxQueuedWrite = 8 * 1024 * 1024; // stop reading a side while the other is this far behind
constexpr int MaxTrackedInboxes = 1 << 16;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

// ---- OutageSettings --------------------------------------------------------------------------

QString OutageSettings::modeName(Mode mode)
{
    switch (mode) {
    case Mode::Off:
        return QStringLiteral("off");
    case Mode::Down:
        return QStringLiteral("down");
    case Mode::Blackhole:
        return QStringLiteral("blackhole");
    case Mode::Latency:
        return QStringLiteral("latency");
    case Mode::AckLoss:
        return QStringLiteral("ack-loss");
    case Mode::Flap:
        return QStringLiteral("flap");
    }
    return {};
}

std::optional<OutageSettings::Mode> OutageSettings::modeFromName(QStringView name)
{
    for (Mode mode : { Mode::Off, Mode::Down, Mode::Blackhole, Mode::Latency, Mode::AckLoss, Mode::Flap }) {
        if (name.compare(modeName(mode), Qt::CaseInsensitive) == 0)
            return mode;
    }
    return std::nullopt;
}

QStringList OutageSettings::modeNames()
{
    return { QStringLiteral("off"), QStringLiteral("down"), QStringLiteral("blackhole"), QStringLiteral("latency"),
        QStringLiteral("ack-loss"), QStringLiteral("flap") };
}

// ---- ProxyPipe -------------------------------------------------------------------------------

class ProxyPipe : public QObject
{
public:
    ProxyPipe(QTcpSocket *client, ProxyWorker *worker);
    ~ProxyPipe() override;
    void abort();
    void settingsChanged(); // resume reading, flush or start delaying

private:
    struct Delayed {
        qint64 dueMs;
        QByteArray bytes;
    };

    void connectUpstream();
    void pumpFromClient();
    void pumpFromServer();
    void forward(QByteArray bytes, bool toServer);
    void flushDelayed(bool all);
    void armDelayTimer();
    void finish();

    ProxyWorker *m_worker;
    QTcpSocket *m_client;
    QTcpSocket *m_upstream = nullptr;
    int m_upstreamIndex = 0;
    bool m_upstreamReady = false;
    bool m_finished = false;
    NatsProtocolFilter m_clientFilter { NatsProtocolFilter::Direction::FromClient };
    NatsProtocolFilter m_serverFilter { NatsProtocolFilter::Direction::FromServer };
    QSet<QByteArray> m_ackInboxes; // reply subjects of publishes whose answer is a PubAck
    std::deque<QByteArray> m_ackInboxOrder;
    std::deque<Delayed> m_delayedToServer, m_delayedToClient;
    qint64 m_lastDueToServer = 0, m_lastDueToClient = 0;
    QTimer m_delayTimer { this }; // a child: moves with its owner to another thread
};

// ---- ProxyWorker -----------------------------------------------------------------------------

class ProxyWorker : public QObject
{
public:
    ProxyWorker(FaultProxy *facade, QList<ProxyUpstream> upstreams, OutageSettings settings)
        : m_facade(facade)
        , m_upstreams(std::move(upstreams))
        , m_settings(settings)
    {
        m_flapTimer.setTimerType(Qt::PreciseTimer);
        connect(&m_flapTimer, &QTimer::timeout, this, [this] {
            m_flapDown = !m_flapDown;
            updateRefusing();
            if (m_flapDown)
                closeAll();
        });
    }

    bool listen(QString *error, quint16 *port)
    {
        m_server = new QTcpServer(this);
        connect(m_server, &QTcpServer::newConnection, this, &ProxyWorker::onNewConnection);
        if (!m_server->listen(QHostAddress::LocalHost, 0)) {
            *error = QStringLiteral("fault proxy cannot listen: %1").arg(m_server->errorString());
            return false;
        }
        *port = m_server->serverPort();
        apply(m_settings);
        return true;
    }

    void apply(const OutageSettings &settings)
    {
        const bool modeChanged = settings.mode != m_settings.mode || !m_applied;
        m_applied = true;
        m_settings = settings;
        if (settings.mode == OutageSettings::Mode::Flap) {
            if (modeChanged || m_flapTimer.interval() != settings.flapPeriodMs) {
                m_flapDown = true; // a flap starts with an outage, so switching it on shows at once
                m_flapTimer.start(qMax(50, settings.flapPeriodMs));
            }
        } else {
            m_flapTimer.stop();
            m_flapDown = false;
        }
        updateRefusing();
        if (isRefusing()) {
            closeAll();
            return;
        }
        const auto pipes = m_pipes; // a pipe may finish while we iterate
        for (ProxyPipe *pipe : pipes)
            pipe->settingsChanged();
    }

    void shutdown()
    {
        if (m_server)
            m_server->close();
        m_flapTimer.stop();
        closeAll();
        const auto pipes = m_pipes;
        qDeleteAll(pipes);
    }

    void add(ProxyPipe *pipe) { m_pipes.insert(pipe); }
    void remove(ProxyPipe *pipe) { m_pipes.remove(pipe); }

    // The mode pipes act on: a flap is "down" or "off" depending on its phase.
    OutageSettings::Mode effectiveMode() const
    {
        if (m_settings.mode == OutageSettings::Mode::Flap)
            return m_flapDown ? OutageSettings::Mode::Down : OutageSettings::Mode::Off;
        return m_settings.mode;
    }
    bool isRefusing() const { return effectiveMode() == OutageSettings::Mode::Down; }
    const OutageSettings &settings() const { return m_settings; }
    const QList<ProxyUpstream> &upstreams() const { return m_upstreams; }
    FaultProxy *facade() const { return m_facade; }
    bool upstreamDownLogged = false;

    qint64 delayMs()
    {
        const int jitter = m_settings.jitterMs > 0 ? QRandomGenerator::global()->bounded(-m_settings.jitterMs, m_settings.jitterMs + 1) : 0;
        return qMax(0, m_settings.latencyMs + jitter);
    }

private:
    void updateRefusing() { m_facade->m_refusing.store(isRefusing(), std::memory_order_relaxed); }

    void onNewConnection()
    {
        while (QTcpSocket *client = m_server->nextPendingConnection()) {
            if (isRefusing()) {
                client->abort();
                client->deleteLater();
                continue;
            }
            new ProxyPipe(client, this);
        }
    }

    void closeAll()
    {
        const auto pipes = m_pipes;
        for (ProxyPipe *pipe : pipes)
            pipe->abort();
    }

    FaultProxy *m_facade;
    QList<ProxyUpstream> m_upstreams;
    OutageSettings m_settings;
    bool m_applied = false;
    QTcpServer *m_server = nullptr;
    QTimer m_flapTimer { this }; // a child: moves with its owner to another thread
    bool m_flapDown = false;
    QSet<ProxyPipe *> m_pipes; // owned as QObject children; this set is the typed view
};

// ---- ProxyPipe implementation ----------------------------------------------------------------

ProxyPipe::ProxyPipe(QTcpSocket *client, ProxyWorker *worker)
    : QObject(worker)
    , m_worker(worker)
    , m_client(client)
{
    m_worker->facade()->m_connections.fetch_add(1, std::memory_order_relaxed);
    m_worker->add(this);
    m_client->setParent(this);
    m_client->setReadBufferSize(ReadChunk); // a blackhole holds at most this (plus kernel buffers)
    m_client->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_client, &QTcpSocket::readyRead, this, &ProxyPipe::pumpFromClient);
    connect(m_client, &QTcpSocket::disconnected, this, &ProxyPipe::finish);
    m_delayTimer.setSingleShot(true);
    m_delayTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_delayTimer, &QTimer::timeout, this, [this] { flushDelayed(false); });
    connectUpstream();
}

ProxyPipe::~ProxyPipe()
{
    m_worker->remove(this);
    m_worker->facade()->m_connections.fetch_sub(1, std::memory_order_relaxed);
}

void ProxyPipe::connectUpstream()
{
    const auto &upstreams = m_worker->upstreams();
    if (m_upstreamIndex >= upstreams.size()) {
        // Once per outage of the upstream, not once per attempt of the client.
        if (!m_worker->upstreamDownLogged) {
            m_worker->upstreamDownLogged = true;
            qCWarning(lcProxy).noquote() << "no upstream NATS server accepts connections; retrying as the client does";
        }
        abort();
        return;
    }
    if (m_upstream)
        m_upstream->deleteLater();
    m_upstream = new QTcpSocket(this);
    m_upstream->setReadBufferSize(ReadChunk);
    connect(m_upstream, &QTcpSocket::connected, this, [this] {
        m_upstreamReady = true;
        m_worker->upstreamDownLogged = false;
        m_upstream->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        connect(m_upstream, &QTcpSocket::readyRead, this, &ProxyPipe::pumpFromServer);
        connect(m_upstream, &QTcpSocket::disconnected, this, &ProxyPipe::finish);
        // A side that is behind: resume reading the other once it drained.
        connect(m_upstream, &QTcpSocket::bytesWritten, this, &ProxyPipe::pumpFromClient);
        connect(m_client, &QTcpSocket::bytesWritten, this, &ProxyPipe::pumpFromServer);
        pumpFromClient();
        pumpFromServer();
    });
    connect(m_upstream, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_upstreamReady)
            return; // disconnected() handles an established connection
        ++m_upstreamIndex;
        connectUpstream();
    });
    const ProxyUpstream &upstream = upstreams.at(m_upstreamIndex);
    m_upstream->connectToHost(upstream.host, upstream.port);
}

void ProxyPipe::pumpFromClient()
{
    if (m_finished || !m_upstreamReady || m_worker->effectiveMode() == OutageSettings::Mode::Blackhole)
        return;
    // Only publishes made while ack-loss is on have their PubAck dropped: tracking costs nothing otherwise.
    const bool track = m_worker->effectiveMode() == OutageSettings::Mode::AckLoss;
    while (m_client->bytesAvailable() > 0 && m_upstream->bytesToWrite() < MaxQueuedWrite) {
        const QByteArray data = m_client->read(ReadChunk);
        QByteArray out;
        out.reserve(data.size());
        m_clientFilter.process(data, out, [this, track](const NatsProtocolFilter::FrameHeader &header) {
            if (!track)
                return false;
            const bool publish = header.verb == NatsProtocolFilter::Verb::Pub || header.verb == NatsProtocolFilter::Verb::HPub;
            // A publish with a reply subject that is not a JetStream API call is answered by a PubAck.
            if (publish && !header.reply.isEmpty() && !header.subject.startsWith("$JS.")) {
                QByteArray inbox = header.reply.toByteArray();
                if (!m_ackInboxes.contains(inbox)) {
                    m_ackInboxes.insert(inbox);
                    m_ackInboxOrder.push_back(std::move(inbox));
                    if (m_ackInboxOrder.size() > MaxTrackedInboxes) {
                        m_ackInboxes.remove(m_ackInboxOrder.front());
                        m_ackInboxOrder.pop_front();
                    }
                }
            }
            return false;
        });
        forward(std::move(out), true);
    }
}

void ProxyPipe::pumpFromServer()
{
    if (m_finished || !m_upstreamReady || m_worker->effectiveMode() == OutageSettings::Mode::Blackhole)
        return;
    const bool ackLoss = m_worker->effectiveMode() == OutageSettings::Mode::AckLoss;
    while (m_upstream->bytesAvailable() > 0 && m_client->bytesToWrite() < MaxQueuedWrite) {
        const QByteArray data = m_upstream->read(ReadChunk);
        QByteArray out;
        out.reserve(data.size());
        m_serverFilter.process(data, out, [this, ackLoss](const NatsProtocolFilter::FrameHeader &header) {
            if (header.verb != NatsProtocolFilter::Verb::Msg && header.verb != NatsProtocolFilter::Verb::HMsg)
                return false;
            if (m_ackInboxes.isEmpty() || !m_ackInboxes.remove(header.subject.toByteArray()))
                return false;
            if (ackLoss)
                m_worker->facade()->m_droppedAcks.fetch_add(1, std::memory_order_relaxed);
            return ackLoss;
        });
        forward(std::move(out), false);
    }
}

void ProxyPipe::forward(QByteArray bytes, bool toServer)
{
    if (bytes.isEmpty())
        return;
    auto &queue = toServer ? m_delayedToServer : m_delayedToClient;
    if (m_worker->effectiveMode() == OutageSettings::Mode::Latency) {
        qint64 &lastDue = toServer ? m_lastDueToServer : m_lastDueToClient;
        lastDue = qMax(lastDue, nowMs() + m_worker->delayMs()); // never reorder bytes
        queue.push_back({ lastDue, std::move(bytes) });
        armDelayTimer();
        return;
    }
    if (!queue.empty()) { // leaving latency mode: what was delayed goes first
        queue.push_back({ 0, std::move(bytes) });
        flushDelayed(true);
        return;
    }
    writeNow(toServer ? m_upstream : m_client, bytes);
}

void ProxyPipe::flushDelayed(bool all)
{
    const qint64 now = nowMs();
    for (auto [queue, socket] : { std::pair { &m_delayedToServer, m_upstream }, std::pair { &m_delayedToClient, m_client } }) {
        while (!queue->empty() && (all || queue->front().dueMs <= now)) {
            writeNow(socket, queue->front().bytes);
            queue->pop_front();
        }
    }
    armDelayTimer();
}

void ProxyPipe::armDelayTimer()
{
    qint64 next = -1;
    for (const auto *queue : { &m_delayedToServer, &m_delayedToClient }) {
        if (!queue->empty())
            next = next < 0 ? queue->front().dueMs : qMin(next, queue->front().dueMs);
    }
    if (next < 0) {
        m_delayTimer.stop();
        return;
    }
    m_delayTimer.start(static_cast<int>(qMax<qint64>(0, next - nowMs())));
}

void ProxyPipe::settingsChanged()
{
    if (m_worker->effectiveMode() != OutageSettings::Mode::Latency)
        flushDelayed(true);
    // Bytes held during a blackhole flow again on the same connection.
    QMetaObject::invokeMethod(this, [this] { pumpFromClient(); pumpFromServer(); }, Qt::QueuedConnection);
}

void ProxyPipe::abort()
{
    if (m_finished)
        return;
    m_finished = true;
    m_client->abort();
    if (m_upstream)
        m_upstream->abort();
    deleteLater();
}

void ProxyPipe::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    // One side closed: deliver what is in flight, then close the other side too.
    flushDelayed(true);
    m_client->disconnectFromHost();
    if (m_upstream)
        m_upstream->disconnectFromHost();
    QTimer::singleShot(1000, this, [this] {
        m_client->abort();
        if (m_upstream)
            m_upstream->abort();
        deleteLater();
    });
}

// ---- FaultProxy facade -----------------------------------------------------------------------

FaultProxy::FaultProxy(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("ackhook-proxy"));
}

FaultProxy::~FaultProxy()
{
    stop();
}

std::optional<ProxyUpstream> FaultProxy::upstreamFromUrl(const QString &text, QString *error)
{
    const QUrl url(text.contains(QLatin1String("://")) ? text : QStringLiteral("nats://") + text);
    if (!url.isValid() || url.host().isEmpty()) {
        if (error)
            *error = QStringLiteral("invalid NATS URL '%1'").arg(text);
        return std::nullopt;
    }
    return ProxyUpstream { url.host(), static_cast<quint16>(url.port(4222)) };
}

bool FaultProxy::start(const QList<ProxyUpstream> &upstreams, const OutageSettings &settings, QString *error)
{
    if (m_worker)
        return true;
    {
        QMutexLocker lock(&m_mutex);
        m_settings = settings;
    }
    m_mode.store(settings.mode);
    m_worker = std::make_unique<ProxyWorker>(this, upstreams, settings);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    bool ok = false;
    QString message;
    QMetaObject::invokeMethod(m_worker.get(), [&] { ok = m_worker->listen(&message, &m_port); }, Qt::BlockingQueuedConnection);
    if (!ok) {
        if (error)
            *error = message;
        stop();
        return false;
    }
    qCInfo(lcProxy).noquote() << "fault proxy on" << url() << "mode" << OutageSettings::modeName(settings.mode);
    return true;
}

void FaultProxy::stop()
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(m_worker.get(), [this] { m_worker->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_worker.reset(); // its thread has finished: safe from here
}

void FaultProxy::setSettings(const OutageSettings &settings)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_settings == settings)
            return;
        m_settings = settings;
    }
    m_mode.store(settings.mode);
    if (settings.mode == OutageSettings::Mode::Down)
        m_refusing.store(true); // visible at once to whoever asks, before the worker catches up
    if (m_worker)
        QMetaObject::invokeMethod(m_worker.get(), [this, settings] { m_worker->apply(settings); }, Qt::QueuedConnection);
    qCInfo(lcProxy).noquote() << "simulated outage:" << OutageSettings::modeName(settings.mode);
    Q_EMIT settingsChanged(settings);
}

OutageSettings FaultProxy::settings() const
{
    QMutexLocker lock(&m_mutex);
    return m_settings;
}

QString FaultProxy::url() const
{
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
}
