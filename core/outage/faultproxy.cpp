// FaultProxy: facade, the worker on the proxy thread, and one ProxyPipe per proxied connection.
#include "outage/faultproxy.h"
#include "enumnames.h"
#include "nats/natsprotocolfilter.h"

#include <QDateTime>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QPointer>
#include <QRandomGenerator>
#include <QSet>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTimer>
#include <QUrl>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

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

namespace {
constexpr EnumName<OutageSettings::Mode> ModeNames[] = { { OutageSettings::Mode::Off, "off" },
    { OutageSettings::Mode::Down, "down" }, { OutageSettings::Mode::Blackhole, "blackhole" },
    { OutageSettings::Mode::Latency, "latency" }, { OutageSettings::Mode::AckLoss, "ack-loss" },
    { OutageSettings::Mode::Flap, "flap" } };
} // namespace

QString OutageSettings::modeName(Mode mode)
{
    return enumName(ModeNames, mode);
}

std::optional<OutageSettings::Mode> OutageSettings::modeFromName(QStringView name)
{
    return enumFromName(ModeNames, name);
}

QStringList OutageSettings::modeNames()
{
    return enumNames(ModeNames);
}

// ---- ProxyPipe -------------------------------------------------------------------------------

// One proxied connection. Raw non-blocking descriptors with QSocketNotifiers rather than
// QTcpSocket: a QTcpSocket read costs an extra ioctl(FIONREAD) and a copy through Qt's buffer, and
// every hop through this proxy is paid twice per NATS message (docs/BENCHMARKS.md).
class ProxyPipe : public QObject {
public:
    ProxyPipe(int clientFd, ProxyWorker *worker);
    ~ProxyPipe() override;
    void abort();
    void settingsChanged(); // resume reading, flush or start delaying

private:
    struct Delayed {
        qint64 dueMs;
        QByteArray bytes;
    };
    struct Side {
        int fd = -1;
        QSocketNotifier *readable = nullptr;
        QSocketNotifier *writable = nullptr;
        QByteArray pending; // what the kernel did not take yet
    };

    void connectUpstream();
    void onUpstreamConnected();
    void onReadable(bool fromClient);
    void onWritable(bool toClient);
    void send(Side &to, QByteArrayView bytes);
    void updateReading();
    void forward(QByteArray bytes, bool toServer);
    void flushDelayed(bool all);
    void armDelayTimer();
    void finish();
    static void closeSide(Side &side);

    ProxyWorker *m_worker;
    Side m_client;
    Side m_upstream;
    int m_upstreamIndex = 0;
    bool m_upstreamReady = false;
    bool m_finished = false;
    QByteArray m_readBuffer;
    NatsProtocolFilter m_clientFilter { NatsProtocolFilter::Direction::FromClient };
    NatsProtocolFilter m_serverFilter { NatsProtocolFilter::Direction::FromServer };
    QSet<QByteArray> m_ackInboxes; // reply subjects of publishes whose answer is a PubAck
    std::deque<QByteArray> m_ackInboxOrder;
    std::deque<Delayed> m_delayedToServer, m_delayedToClient;
    qint64 m_lastDueToServer = 0, m_lastDueToClient = 0;
    QTimer m_delayTimer { this }; // a child: moves with its owner to another thread
};

// ---- ProxyWorker -----------------------------------------------------------------------------

class ProxyServer : public QTcpServer {
public:
    explicit ProxyServer(ProxyWorker *worker);

protected:
    void incomingConnection(qintptr fd) override;

private:
    ProxyWorker *m_worker;
};

class ProxyWorker : public QObject {
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
        m_server = new ProxyServer(this);
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
        const int jitter = m_settings.jitterMs > 0
            ? QRandomGenerator::global()->bounded(-m_settings.jitterMs, m_settings.jitterMs + 1)
            : 0;
        return qMax(0, m_settings.latencyMs + jitter);
    }

private:
    void updateRefusing() { m_facade->m_refusing.store(isRefusing(), std::memory_order_relaxed); }

    void accept(int fd)
    {
        if (isRefusing()) {
            ::close(fd); // the client sees its connection closed before any INFO
            return;
        }
        new ProxyPipe(fd, this);
    }
    friend class ProxyServer;

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
    class ProxyServer *m_server = nullptr;
    QTimer m_flapTimer { this }; // a child: moves with its owner to another thread
    bool m_flapDown = false;
    QSet<ProxyPipe *> m_pipes; // owned as QObject children; this set is the typed view
};

// ---- ProxyServer and ProxyPipe implementation ------------------------------------------------

ProxyServer::ProxyServer(ProxyWorker *worker)
    : QTcpServer(worker)
    , m_worker(worker)
{
}

void ProxyServer::incomingConnection(qintptr fd)
{
    m_worker->accept(static_cast<int>(fd));
}

namespace {
void makeNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
} // namespace

ProxyPipe::ProxyPipe(int clientFd, ProxyWorker *worker)
    : QObject(worker)
    , m_worker(worker)
{
    m_worker->facade()->m_connections.fetch_add(1, std::memory_order_relaxed);
    m_worker->add(this);
    m_readBuffer.resize(ReadChunk);
    makeNonBlocking(clientFd);
    m_client.fd = clientFd;
    m_client.readable = new QSocketNotifier(clientFd, QSocketNotifier::Read, this);
    m_client.writable = new QSocketNotifier(clientFd, QSocketNotifier::Write, this);
    m_client.readable->setEnabled(false); // nothing is read before the upstream is there
    m_client.writable->setEnabled(false);
    connect(m_client.readable, &QSocketNotifier::activated, this, [this] { onReadable(true); });
    connect(m_client.writable, &QSocketNotifier::activated, this, [this] { onWritable(true); });
    m_delayTimer.setSingleShot(true);
    m_delayTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_delayTimer, &QTimer::timeout, this, [this] { flushDelayed(false); });
    connectUpstream();
}

ProxyPipe::~ProxyPipe()
{
    closeSide(m_client);
    closeSide(m_upstream);
    m_worker->remove(this);
    m_worker->facade()->m_connections.fetch_sub(1, std::memory_order_relaxed);
}

void ProxyPipe::closeSide(Side &side)
{
    // Notifiers stop before their descriptor closes; deleted later, since one of them may be
    // the very notifier whose signal is being delivered right now.
    for (QSocketNotifier *notifier : { side.readable, side.writable }) {
        if (notifier) {
            notifier->setEnabled(false);
            notifier->deleteLater();
        }
    }
    side.readable = side.writable = nullptr;
    if (side.fd >= 0)
        ::close(side.fd);
    side.fd = -1;
}

void ProxyPipe::connectUpstream()
{
    const auto &upstreams = m_worker->upstreams();
    closeSide(m_upstream);
    while (m_upstreamIndex < upstreams.size()) {
        const ProxyUpstream &upstream = upstreams.at(m_upstreamIndex);
        QHostAddress address(upstream.host);
        if (address.isNull()) { // a name: resolved here, once per connection attempt
            const QHostInfo info = QHostInfo::fromName(upstream.host);
            address = info.addresses().value(0);
        }
        sockaddr_storage storage {};
        socklen_t length = 0;
        if (address.protocol() == QAbstractSocket::IPv4Protocol) {
            auto *in = reinterpret_cast<sockaddr_in *>(&storage);
            in->sin_family = AF_INET;
            in->sin_port = htons(upstream.port);
            in->sin_addr.s_addr = htonl(address.toIPv4Address());
            length = sizeof(sockaddr_in);
        } else if (address.protocol() == QAbstractSocket::IPv6Protocol) {
            auto *in6 = reinterpret_cast<sockaddr_in6 *>(&storage);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(upstream.port);
            const Q_IPV6ADDR bytes = address.toIPv6Address();
            std::memcpy(&in6->sin6_addr, &bytes, sizeof bytes);
            length = sizeof(sockaddr_in6);
        }
        const int fd = length ? ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
        if (fd >= 0 && (::connect(fd, reinterpret_cast<sockaddr *>(&storage), length) == 0 || errno == EINPROGRESS)) {
            makeNonBlocking(fd);
            m_upstream.fd = fd;
            m_upstream.readable = new QSocketNotifier(fd, QSocketNotifier::Read, this);
            m_upstream.writable = new QSocketNotifier(fd, QSocketNotifier::Write, this);
            m_upstream.readable->setEnabled(false);
            connect(m_upstream.readable, &QSocketNotifier::activated, this, [this] { onReadable(false); });
            // Writable once the connection is established (or failed): SO_ERROR tells which.
            connect(m_upstream.writable, &QSocketNotifier::activated, this, [this] {
                if (m_upstreamReady)
                    onWritable(false);
                else
                    onUpstreamConnected();
            });
            return;
        }
        if (fd >= 0)
            ::close(fd);
        ++m_upstreamIndex;
    }
    // Once per outage of the upstream, not once per attempt of the client.
    if (!m_worker->upstreamDownLogged) {
        m_worker->upstreamDownLogged = true;
        qCWarning(lcProxy).noquote() << "no upstream NATS server accepts connections; retrying as the client does";
    }
    abort();
}

void ProxyPipe::onUpstreamConnected()
{
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(m_upstream.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        ++m_upstreamIndex;
        connectUpstream();
        return;
    }
    m_upstreamReady = true;
    m_worker->upstreamDownLogged = false;
    m_upstream.writable->setEnabled(false);
    updateReading();
}

void ProxyPipe::updateReading()
{
    if (m_finished || !m_upstreamReady)
        return;
    const bool blackhole = m_worker->effectiveMode() == OutageSettings::Mode::Blackhole;
    // A side is read only while the other has room: beyond that, TCP flow control holds it.
    m_client.readable->setEnabled(!blackhole && m_upstream.pending.size() < MaxQueuedWrite);
    m_upstream.readable->setEnabled(!blackhole && m_client.pending.size() < MaxQueuedWrite);
}

void ProxyPipe::onReadable(bool fromClient)
{
    if (m_finished)
        return;
    Side &from = fromClient ? m_client : m_upstream;
    const ssize_t n = ::recv(from.fd, m_readBuffer.data(), static_cast<size_t>(m_readBuffer.size()), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        finish();
        return;
    }
    if (n < 0)
        return;
    const QByteArrayView data(m_readBuffer.constData(), n);
    QByteArray out;
    out.reserve(n);
    if (fromClient) {
        // Only publishes made while ack-loss is on have their PubAck dropped: tracking costs nothing otherwise.
        const bool track = m_worker->effectiveMode() == OutageSettings::Mode::AckLoss;
        m_clientFilter.process(data, out, [this, track](const NatsProtocolFilter::FrameHeader &header) {
            if (!track)
                return false;
            const bool publish
                = header.verb == NatsProtocolFilter::Verb::Pub || header.verb == NatsProtocolFilter::Verb::HPub;
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
    } else {
        const bool ackLoss = m_worker->effectiveMode() == OutageSettings::Mode::AckLoss;
        m_serverFilter.process(data, out, [this, ackLoss](const NatsProtocolFilter::FrameHeader &header) {
            if (header.verb != NatsProtocolFilter::Verb::Msg && header.verb != NatsProtocolFilter::Verb::HMsg)
                return false;
            if (m_ackInboxes.isEmpty() || !m_ackInboxes.remove(header.subject.toByteArray()))
                return false;
            if (ackLoss)
                m_worker->facade()->m_droppedAcks.fetch_add(1, std::memory_order_relaxed);
            return ackLoss;
        });
    }
    forward(std::move(out), fromClient);
    updateReading();
}

void ProxyPipe::send(Side &to, QByteArrayView bytes)
{
    if (to.fd < 0 || bytes.isEmpty())
        return;
    qsizetype sent = 0;
    if (to.pending.isEmpty()) {
        while (sent < bytes.size()) {
            const ssize_t n
                = ::send(to.fd, bytes.data() + sent, static_cast<size_t>(bytes.size() - sent), MSG_NOSIGNAL);
            if (n > 0) {
                sent += n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                finish();
                return;
            }
        }
    }
    if (sent < bytes.size()) {
        to.pending.append(bytes.data() + sent, bytes.size() - sent);
        to.writable->setEnabled(true);
    }
}

void ProxyPipe::onWritable(bool toClient)
{
    Side &to = toClient ? m_client : m_upstream;
    const QByteArray pending = std::exchange(to.pending, {});
    to.writable->setEnabled(false);
    send(to, pending);
    updateReading();
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
    send(toServer ? m_upstream : m_client, bytes);
}

void ProxyPipe::flushDelayed(bool all)
{
    const qint64 now = nowMs();
    for (auto [queue, side] :
        { std::pair { &m_delayedToServer, &m_upstream }, std::pair { &m_delayedToClient, &m_client } }) {
        while (!queue->empty() && (all || queue->front().dueMs <= now)) {
            send(*side, queue->front().bytes);
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
    updateReading();
}

void ProxyPipe::abort()
{
    if (m_finished)
        return;
    m_finished = true;
    closeSide(m_client);
    closeSide(m_upstream);
    deleteLater();
}

void ProxyPipe::finish()
{
    if (m_finished)
        return;
    // One side closed: hand over what is still due (best effort, without blocking), then close both.
    flushDelayed(true);
    for (Side *side : { &m_client, &m_upstream }) {
        if (side->fd >= 0 && !side->pending.isEmpty()) [[maybe_unused]]
            const ssize_t n = ::send(side->fd, side->pending.constData(), static_cast<size_t>(side->pending.size()),
                MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    abort();
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
    QMetaObject::invokeMethod(
        m_worker.get(), [&] { ok = m_worker->listen(&message, &m_port); }, Qt::BlockingQueuedConnection);
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
    QMetaObject::invokeMethod(
        m_worker.get(), [this] { m_worker->shutdown(); }, Qt::BlockingQueuedConnection);
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
        QMetaObject::invokeMethod(
            m_worker.get(), [this, settings] { m_worker->apply(settings); }, Qt::QueuedConnection);
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
