// ProxyPipe: raw non-blocking forwarding with the outage applied per direction.
#include "outage/proxypipe.h"
#include "outage/proxyworker.h"

#include <QDateTime>
#include <QHostInfo>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcProxy)

namespace {
constexpr qint64 ReadChunk = 256 * 1024;
constexpr qint64 MaxQueuedWrite = 8 * 1024 * 1024; // stop reading a side while the other is this far behind
constexpr int MaxTrackedInboxes = 1 << 16;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

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
    m_worker->state()->connections.fetch_add(1, std::memory_order_relaxed);
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
    m_worker->state()->connections.fetch_sub(1, std::memory_order_relaxed);
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
        if (m_addresses.isEmpty()) {
            const QHostAddress literal(upstream.host);
            // A name: resolved here, once per connection attempt; every address is tried, as cnats does.
            m_addresses = literal.isNull() ? QHostInfo::fromName(upstream.host).addresses() : QList { literal };
            if (m_addresses.isEmpty()) {
                ++m_upstreamIndex;
                continue;
            }
        }
        const QHostAddress address = m_addresses.takeFirst();
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
        if (m_addresses.isEmpty())
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
        if (m_addresses.isEmpty()) // else the next address of this upstream
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
                m_worker->state()->droppedAcks.fetch_add(1, std::memory_order_relaxed);
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
