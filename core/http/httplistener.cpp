// HttpListener and HttpConnection: accepting, parsing, ordering answers, timeouts and graceful close.
#include "http/httplistener.h"
#include "http/socketwrite.h"
#include "http/tlsidentity.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>

namespace {
constexpr qint64 ReadChunk = 64 * 1024;
constexpr int LingerMs = 2000; // after an error answer, how long the excess of a request is drained

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}
} // namespace

// ---- HttpResponder ---------------------------------------------------------------------------

HttpResponder::HttpResponder(HttpConnection *connection, quint64 slot)
    : m_connection(connection)
    , m_slot(slot)
{
}

void HttpResponder::respond(const HttpResponse &response) const
{
    if (m_connection)
        m_connection->respond(m_slot, response);
}

// ---- HttpListener ----------------------------------------------------------------------------

HttpListener::HttpListener(Options options, QObject *parent)
    : QTcpServer(parent)
    , m_options(options)
    , m_refusals(new RefusalLog(m_options.name, this))
{
    const auto shortest = std::min({ m_options.idleTimeout, m_options.headerTimeout, m_options.bodyTimeout });
    m_sweepTimer.setInterval(std::clamp<qint64>(shortest.count() / 4, 50, 1000));
    connect(&m_sweepTimer, &QTimer::timeout, this, &HttpListener::sweep);
    m_sweepTimer.start();
    m_acceptRetryTimer.setSingleShot(true);
    m_acceptRetryTimer.setInterval(m_options.acceptRetry);
    connect(&m_acceptRetryTimer, &QTimer::timeout, this, [this] {
        if (m_acceptNotifier)
            m_acceptNotifier->setEnabled(true);
    });
}

HttpListener::~HttpListener()
{
    delete m_acceptNotifier; // before ~QTcpServer closes its descriptor
    m_acceptNotifier = nullptr;
    // Connections are children; make sure none calls back into a half-destroyed listener.
    // All children, including connections already closing (deleteLater pending): left to
    // ~QObject, they would run their destructors against a listener that is no longer one.
    m_connections.clear();
    const auto connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *connection : connections)
        connection->disconnect();
    qDeleteAll(connections);
}

bool HttpListener::listen(const QHostAddress &address, quint16 port)
{
    if (!QTcpServer::listen(address, port))
        return false;
    // Qt 6.4's accept loop retries accept() at once after EMFILE and spins a core while the
    // callers hang in the backlog. Its notifier is paused for good; this class accepts instead.
    pauseAccepting();
    m_acceptNotifier = new QSocketNotifier(socketDescriptor(), QSocketNotifier::Read, this);
    connect(m_acceptNotifier, &QSocketNotifier::activated, this, &HttpListener::acceptPending);
    return true;
}

void HttpListener::acceptPending()
{
    const int listening = static_cast<int>(socketDescriptor());
    for (int i = 0; i < 256; ++i) { // then the event loop's other sockets get a turn
        const int fd = ::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0) {
            incomingConnection(fd);
            continue;
        }
        const int error = errno;
        if (error == EINTR || error == ECONNABORTED)
            continue;
        if (error == EAGAIN || error == EWOULDBLOCK)
            return;
        // Out of descriptors (EMFILE, ENFILE) or memory: accept() would fail again at once. Pause
        // for acceptRetry; the backlog holds the callers meanwhile. (A reserve descriptor, closed
        // to accept and refuse one caller, would answer them sooner, but races with every other
        // open() of the process, NATS and SQLite included.)
        m_acceptNotifier->setEnabled(false);
        m_acceptRetryTimer.start();
        m_refusals->note(Refusal::FileLimit, {},
            QStringLiteral("accept failed: %1; accepting again in %2 ms (raise LimitNOFILE / ulimit -n)")
                .arg(QString::fromLocal8Bit(std::strerror(error)))
                .arg(m_options.acceptRetry.count()));
        return;
    }
}

void HttpListener::refuseConnection(QTcpSocket *socket, Refusal refusal, const QString &message)
{
    m_refusals->note(refusal, socket->peerAddress(), message);
    if (m_options.tls) {
        // A 503 would cost a handshake the caps exist to avoid; the caller sees the connection close.
        socket->abort();
        socket->deleteLater();
        return;
    }
    HttpResponse response = HttpResponse::error(503, message);
    response.headers.append({ QByteArray("Retry-After"), QByteArray("1") });
    socket->write(response.serialize(false));
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->disconnectFromHost();
    // A peer that never reads its answer must not hold the descriptor: bounded like a linger.
    QTimer::singleShot(LingerMs, socket, [socket] { socket->abort(); });
}

void HttpListener::incomingConnection(qintptr socketDescriptor)
{
    QSslSocket *tls = m_options.tls ? new QSslSocket(this) : nullptr;
    QTcpSocket *socket = tls ? tls : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    if (m_connections.size() >= m_options.maxConnections) {
        refuseConnection(socket, Refusal::TooManyConnections,
            QStringLiteral("too many connections (limit %1)").arg(m_options.maxConnections));
        return;
    }
    const QHostAddress peer = socket->peerAddress();
    if (m_options.maxConnectionsPerAddress > 0 && m_perAddress.value(peer) >= m_options.maxConnectionsPerAddress) {
        refuseConnection(socket, Refusal::PerAddressLimit,
            QStringLiteral("too many connections from %1 (limit %2 per address)")
                .arg(peer.toString())
                .arg(m_options.maxConnectionsPerAddress));
        return;
    }
    ++m_perAddress[peer];
    if (tls) {
        // The files are looked at again here: a renewed certificate serves the next connection.
        tls->setSslConfiguration(m_options.tls->configuration());
        tls->startServerEncryption();
    }
    m_connections.append(new HttpConnection(socket, this));
}

void HttpListener::forget(HttpConnection *connection)
{
    if (!m_connections.removeOne(connection))
        return;
    const auto it = m_perAddress.find(connection->peer());
    if (it != m_perAddress.end() && --it.value() <= 0)
        m_perAddress.erase(it);
}

void HttpListener::sweep()
{
    const qint64 now = nowMs();
    const auto connections = m_connections; // checkTimeouts may close some
    for (HttpConnection *connection : connections)
        connection->checkTimeouts(now);
}

void HttpListener::closeIdleConnections()
{
    delete m_acceptNotifier;
    m_acceptNotifier = nullptr;
    m_acceptRetryTimer.stop();
    close();
    const auto connections = m_connections;
    for (HttpConnection *connection : connections)
        connection->closeWhenIdle();
}

// ---- HttpConnection --------------------------------------------------------------------------

HttpConnection::HttpConnection(QTcpSocket *socket, HttpListener *listener)
    : QObject(listener)
    , m_listener(listener)
    , m_socket(socket)
    , m_peer(socket->peerAddress())
    , m_parser(listener->options().limits)
    , m_lastActivityMs(nowMs())
{
    m_socket->setParent(this);
    // Bound what Qt buffers from the kernel: past this, TCP flow control holds the sender back.
    m_socket->setReadBufferSize(ReadChunk);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, [this] {
        m_listener->forget(this);
        deleteLater();
    });
    m_tls = qobject_cast<QSslSocket *>(socket);
    if (m_tls && !m_tls->isEncrypted()) {
        // The handshake counts within the first request's header deadline (checkTimeouts).
        m_handshaking = true;
        m_requestStartedMs = nowMs();
        connect(m_tls, &QSslSocket::encrypted, this, [this] {
            m_handshaking = false;
            m_lastActivityMs = nowMs();
        });
    }
    if (m_tls) // the encrypted bytes leaving: what startClosing waits for before the half-close
        connect(m_tls, &QSslSocket::encryptedBytesWritten, this, &HttpConnection::onBytesWritten);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (m_handshaking && error != QAbstractSocket::RemoteHostClosedError) {
            // Plain HTTP on the TLS port, an unsupported protocol version, ...: closed, nothing answered.
            dropHandshake(Refusal::BadRequest, QStringLiteral("TLS handshake failed: %1").arg(m_socket->errorString()));
            return;
        }
        if (m_socket->state() == QAbstractSocket::UnconnectedState) {
            m_listener->forget(this);
            deleteLater();
        }
    });
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
}

HttpConnection::~HttpConnection()
{
    m_listener->forget(this);
}

bool HttpConnection::isIdle() const
{
    return m_slots.empty() && !m_parser.inProgress() && m_buffer.isEmpty();
}

void HttpConnection::onReadyRead()
{
    m_lastActivityMs = nowMs();
    if (m_noMoreRequests) {
        // Draining the rest of a rejected request or after Connection: close: discard, never buffer.
        while (m_socket->bytesAvailable() > 0)
            m_socket->skip(m_socket->bytesAvailable());
        return;
    }
    processInput();
}

void HttpConnection::processInput()
{
    if (m_processing)
        return;
    m_processing = true;
    const int maxPipelined = m_listener->options().maxPipelined;
    while (!m_noMoreRequests && static_cast<int>(m_slots.size()) < maxPipelined) {
        const HttpRequestParser::Status status = m_parser.parse(m_buffer);

        if (status == HttpRequestParser::Status::NeedMore) {
            // Read what is there into the buffer's own storage: the parser copies bodies out and
            // trims the front, so the allocation is reused from request to request.
            const qint64 available = std::min(m_socket->bytesAvailable(), ReadChunk);
            if (available <= 0)
                break;
            const qsizetype old = m_buffer.size();
            m_buffer.resize(old + available);
            const qint64 got = m_socket->read(m_buffer.data() + old, available);
            m_buffer.resize(old + std::max<qint64>(got, 0));
            if (got <= 0)
                break;
            if (m_requestStartedMs < 0)
                m_requestStartedMs = nowMs(); // the deadlines run from the first byte, a bare CRLF too
            continue;
        }
        if (status != HttpRequestParser::Status::Error && !m_headChecked) {
            m_headChecked = true;
            if (m_listener->m_headCheck) {
                if (std::optional<HttpResponse> refusal = m_listener->m_headCheck(m_parser.current())) {
                    refuseHead(std::move(*refusal));
                    break;
                }
            }
        }
        if (status == HttpRequestParser::Status::HeadersComplete) {
            m_bodyStartedMs = nowMs();
            if (m_parser.current().expectContinue && m_buffer.isEmpty()) {
                writeReadyAnswers(); // answers to earlier requests go first
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
            }
            continue;
        }
        if (status == HttpRequestParser::Status::Error) {
            rejectRequest(m_parser.error().status, m_parser.error().message);
            break;
        }

        HttpRequest request = m_parser.takeRequest();
        m_headChecked = false;
        m_bodyStartedMs = -1;
        // Bytes already here belong to the next request; a CRLF some clients send after a body does not
        // start a deadline (the parser skips it), bytes read later do.
        m_requestStartedMs = -1;
        for (char c : std::as_const(m_buffer)) {
            if (c != '\r' && c != '\n') {
                m_requestStartedMs = nowMs();
                break;
            }
        }
        request.peer = m_peer;
        Slot slot;
        slot.id = m_nextSlot++;
        slot.keepAlive = request.keepAlive;
        slot.headOnly = request.method == "HEAD";
        m_slots.push_back(slot);
        if (!request.keepAlive)
            m_noMoreRequests = true;
        const HttpResponder responder(this, slot.id);
        if (m_listener->m_handler)
            m_listener->m_handler(std::move(request), responder);
        else
            responder.respond(HttpResponse::error(503, QStringLiteral("no handler")));
    }
    m_processing = false;
    // Answers given while parsing (errors, fast failures, pipelined requests) leave in one write.
    if (!m_slots.empty() && m_slots.front().ready)
        flushResponses();
}

void HttpConnection::refuseHead(HttpResponse response)
{
    m_noMoreRequests = true;
    m_buffer.clear(); // the body is never read: what follows is drained and discarded
    if (const auto refusal = refusalForStatus(response.status))
        m_listener->m_refusals->note(
            *refusal, m_peer, QJsonDocument::fromJson(response.body).object().value(QLatin1String("error")).toString());
    Slot slot;
    slot.id = m_nextSlot++;
    slot.keepAlive = false;
    slot.headOnly = m_parser.current().method == "HEAD";
    m_slots.push_back(slot);
    response.closeConnection = true;
    respond(slot.id, response);
}

void HttpConnection::rejectRequest(int status, const QString &message)
{
    m_noMoreRequests = true;
    m_buffer.clear();
    HttpRequest partial = m_parser.current();
    partial.peer = m_peer;
    if (const auto refusal = refusalForStatus(status))
        m_listener->m_refusals->note(*refusal, m_peer, message);
    if (m_listener->m_errorObserver)
        m_listener->m_errorObserver(partial, status, message);
    Slot slot;
    slot.id = m_nextSlot++;
    slot.keepAlive = false;
    m_slots.push_back(slot);
    HttpResponse response = HttpResponse::error(status, message);
    response.closeConnection = true;
    respond(slot.id, response);
}

void HttpConnection::respond(quint64 slotId, const HttpResponse &response)
{
    for (Slot &slot : m_slots) {
        if (slot.id != slotId)
            continue;
        if (slot.ready)
            return;
        slot.ready = true;
        slot.close = response.closeConnection || !slot.keepAlive;
        slot.bytes = response.serialize(slot.keepAlive, slot.headOnly);
        if (slot.close)
            m_noMoreRequests = true;
        break;
    }
    flushResponses();
}

bool HttpConnection::writeReadyAnswers()
{
    // The answers that are ready in order go out together: one send(2) for a pipelined burst.
    QByteArray out; // a single answer is shared, not copied
    bool closing = false;
    while (!m_slots.empty() && m_slots.front().ready) {
        Slot &slot = m_slots.front();
        out += slot.bytes;
        closing = slot.close;
        m_slots.pop_front();
        if (closing) {
            m_slots.clear(); // answers after a "Connection: close" are never sent (RFC 9112 9.6)
            break;
        }
    }
    if (!out.isEmpty())
        writeNow(m_socket, out);
    return closing;
}

void HttpConnection::flushResponses()
{
    if (m_processing)
        return; // processInput flushes once when it is done
    const bool closing = writeReadyAnswers();
    if (closing || (m_noMoreRequests && m_slots.empty())) {
        startClosing();
        return;
    }
    if (!m_processing && (m_socket->bytesAvailable() > 0 || !m_buffer.isEmpty()))
        QMetaObject::invokeMethod(this, &HttpConnection::processInput, Qt::QueuedConnection);
}

void HttpConnection::onBytesWritten()
{
    m_lastActivityMs = nowMs();
    if (m_noMoreRequests && m_slots.empty() && !m_shutdownSent)
        startClosing();
}

void HttpConnection::startClosing()
{
    m_noMoreRequests = true;
    if (m_shutdownSent || m_socket->bytesToWrite() > 0 || (m_tls && m_tls->encryptedBytesToWrite() > 0))
        return; // onBytesWritten comes back here once the answer is out
    if (m_tls) {
        // TLS: push what QSslSocket still holds through the cipher into the kernel first; the
        // half-close below may only follow the answer's last encrypted byte.
        m_tls->flush(); // may write at once and, through encryptedBytesWritten, close in a nested call
        if (m_shutdownSent || m_tls->bytesToWrite() > 0 || m_tls->encryptedBytesToWrite() > 0)
            return; // else encryptedBytesWritten brings us back
    }
    m_shutdownSent = true;
    // Half-close, then drain what the client still sends: closing with unread bytes would reset the
    // connection and the client could lose the answer (typical after a 413: a sender still
    // uploading the body it was refused). Over TLS the same, without close_notify (QSslSocket only
    // sends it as part of a full close): every answer carries its length, so the client knows it
    // has the whole of it; what it still sends is decrypted and discarded by onReadyRead.
    ::shutdown(static_cast<int>(m_socket->socketDescriptor()), SHUT_WR);
    onReadyRead();
    QTimer::singleShot(LingerMs, this, [this] { m_socket->abort(); });
}

void HttpConnection::closeWhenIdle()
{
    m_noMoreRequests = true;
    if (m_slots.empty())
        startClosing();
}

void HttpConnection::dropHandshake(Refusal refusal, const QString &why)
{
    if (m_shutdownSent)
        return;
    m_shutdownSent = true;
    m_noMoreRequests = true;
    m_listener->m_refusals->note(refusal, m_peer, why);
    m_listener->forget(this);
    m_socket->abort();
    deleteLater();
}

void HttpConnection::checkTimeouts(qint64 now)
{
    if (m_handshaking) {
        const qint64 headerTimeout = m_listener->options().headerTimeout.count();
        if (now - m_requestStartedMs > headerTimeout)
            dropHandshake(
                Refusal::Timeout, QStringLiteral("TLS handshake not completed within %1 ms").arg(headerTimeout));
        return;
    }
    if (!m_slots.empty() || m_shutdownSent)
        return; // an answer is pending: the dispatcher bounds that time
    const HttpListener::Options &options = m_listener->options();
    if (m_requestStartedMs >= 0) {
        const qint64 age = now - m_requestStartedMs;
        if (m_bodyStartedMs < 0) {
            if (age > options.headerTimeout.count())
                rejectRequest(
                    408, QStringLiteral("request head not received within %1 ms").arg(options.headerTimeout.count()));
            return;
        }
        if (age > options.requestTimeout.count()) {
            rejectRequest(408, QStringLiteral("request not received within %1 ms").arg(options.requestTimeout.count()));
            return;
        }
        // Each byte buys time at the minimum rate: a trickle slower than that runs out of it.
        const qint64 received = m_parser.current().body.size();
        const qint64 rate = std::max<qint64>(options.minBodyBytesPerSecond, 1);
        const qint64 allowedMs = options.bodyTimeout.count() + received * 1000 / rate;
        if (now - m_bodyStartedMs > allowedMs) {
            rejectRequest(408,
                QStringLiteral("request body slower than %1 bytes/s (%2 bytes in %3 ms)")
                    .arg(options.minBodyBytesPerSecond)
                    .arg(received)
                    .arg(now - m_bodyStartedMs));
            return;
        }
        if (now - m_lastActivityMs > options.idleTimeout.count())
            rejectRequest(408, QStringLiteral("request body stalled for %1 ms").arg(options.idleTimeout.count()));
        return;
    }
    if (now - m_lastActivityMs > options.idleTimeout.count())
        startClosing();
}
