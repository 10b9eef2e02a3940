// HttpListener and HttpConnection: accepting, parsing, ordering answers, timeouts and graceful close.
#include "http/httplistener.h"
#include "http/socketwrite.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QTcpSocket>

#include <algorithm>
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
{
    const auto shortest = std::min(m_options.idleTimeout, m_options.headerTimeout);
    m_sweepTimer.setInterval(std::clamp<qint64>(shortest.count() / 4, 50, 1000));
    connect(&m_sweepTimer, &QTimer::timeout, this, &HttpListener::sweep);
    m_sweepTimer.start();
}

HttpListener::~HttpListener()
{
    // Connections are children; make sure none calls back into a half-destroyed listener.
    // All children, including connections already closing (deleteLater pending): left to
    // ~QObject, they would run their destructors against a listener that is no longer one.
    m_connections.clear();
    const auto connections = findChildren<HttpConnection *>(Qt::FindDirectChildrenOnly);
    for (HttpConnection *connection : connections)
        connection->disconnect();
    qDeleteAll(connections);
}

void HttpListener::incomingConnection(qintptr socketDescriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        delete socket;
        return;
    }
    if (m_connections.size() >= m_options.maxConnections) {
        socket->write(HttpResponse::error(503, QStringLiteral("too many connections")).serialize(false));
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        socket->disconnectFromHost();
        return;
    }
    m_connections.append(new HttpConnection(socket, this));
}

void HttpListener::forget(HttpConnection *connection)
{
    m_connections.removeOne(connection);
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
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
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
        const bool wasInProgress = m_parser.inProgress();
        const HttpRequestParser::Status status = m_parser.parse(m_buffer);
        if (!wasInProgress && m_parser.inProgress())
            m_requestStartedMs = nowMs();

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
            continue;
        }
        if (status == HttpRequestParser::Status::HeadersComplete) {
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
        m_requestStartedMs = -1;
        request.peer = m_socket->peerAddress();
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

void HttpConnection::rejectRequest(int status, const QString &message)
{
    m_noMoreRequests = true;
    m_buffer.clear();
    HttpRequest partial = m_parser.current();
    partial.peer = m_socket->peerAddress();
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
    if (m_shutdownSent || m_socket->bytesToWrite() > 0)
        return; // onBytesWritten comes back here once the answer is out
    m_shutdownSent = true;
    // Half-close, then drain what the client still sends: closing with unread bytes would reset the
    // connection and the client could lose the answer (typical after a 413).
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

void HttpConnection::checkTimeouts(qint64 now)
{
    if (!m_slots.empty() || m_shutdownSent)
        return; // an answer is pending: the dispatcher bounds that time
    const HttpListener::Options &options = m_listener->options();
    if (m_parser.inProgress()) {
        const bool inHead = m_parser.current().method.isEmpty();
        if (inHead && m_requestStartedMs >= 0 && now - m_requestStartedMs > options.headerTimeout.count()) {
            rejectRequest(
                408, QStringLiteral("request head not received within %1 ms").arg(options.headerTimeout.count()));
            return;
        }
        if (now - m_lastActivityMs > options.idleTimeout.count())
            rejectRequest(408, QStringLiteral("request body stalled for %1 ms").arg(options.idleTimeout.count()));
        return;
    }
    if (now - m_lastActivityMs > options.idleTimeout.count())
        startClosing();
}
