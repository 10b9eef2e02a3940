// HttpListener: a bounded HTTP/1.1 server on QTcpServer, with per-connection ordered (pipelined) replies.
//
// Why not QHttpServer for the webhook path: see docs/ARCHITECTURE.md ("Why the webhook listener is
// not QHttpServer"). In short, Qt 6.4's QHttpServer buffers whole bodies before any limit applies,
// answers pipelined requests out of order, has no idle timeout, and crashes on deferred replies to
// closed sockets; each fix needs the connection layer, which is what this class is.
#pragma once

#include "http/httprequest.h"
#include "http/httprequestparser.h"

#include <QPointer>
#include <QTcpServer>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>

class HttpConnection;
class QTcpSocket;

// Handle to the answer slot of one request. Copyable; the first respond() wins, later ones are
// ignored, and responding after the client has gone is a no-op (the connection is a QPointer).
class HttpResponder {
public:
    HttpResponder() = default;
    void respond(const HttpResponse &response) const;
    bool isConnected() const { return !m_connection.isNull(); }

private:
    friend class HttpConnection;
    HttpResponder(HttpConnection *connection, quint64 slot);
    QPointer<HttpConnection> m_connection;
    quint64 m_slot = 0;
};

class HttpListener : public QTcpServer {
    Q_OBJECT
public:
    struct Options {
        HttpRequestParser::Limits limits;
        std::chrono::milliseconds idleTimeout { 30000 }; // no bytes on a connection without a request in flight
        std::chrono::milliseconds headerTimeout { 10000 }; // from the first byte of a request to its last header
        int maxConnections = 4096;
        int maxPipelined = 32; // requests parsed ahead of their answers on one connection
    };

    using RequestHandler = std::function<void(HttpRequest &&request, const HttpResponder &responder)>;
    // Called for requests rejected while parsing (400, 408, 413, 431, ...), for the request log.
    using ProtocolErrorObserver = std::function<void(const HttpRequest &partial, int status, const QString &message)>;

    explicit HttpListener(Options options, QObject *parent = nullptr);
    ~HttpListener() override;

    void setRequestHandler(RequestHandler handler) { m_handler = std::move(handler); }
    void setProtocolErrorObserver(ProtocolErrorObserver observer) { m_errorObserver = std::move(observer); }
    const Options &options() const { return m_options; }
    int connectionCount() const { return m_connections.size(); }
    // Stops accepting and closes every connection that has no answer pending.
    void closeIdleConnections();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    friend class HttpConnection;
    void sweep();
    void forget(HttpConnection *connection);

    Options m_options;
    RequestHandler m_handler;
    ProtocolErrorObserver m_errorObserver;
    QList<HttpConnection *> m_connections;
    QTimer m_sweepTimer { this }; // a child: moves with its owner to another thread
};

class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, HttpListener *listener);
    ~HttpConnection() override;

    bool isIdle() const;
    void checkTimeouts(qint64 nowMs);
    void closeWhenIdle();

private:
    friend class HttpResponder;
    struct Slot {
        quint64 id = 0;
        bool keepAlive = true;
        bool headOnly = false;
        bool ready = false;
        bool close = false;
        QByteArray bytes;
    };

    void onReadyRead();
    void processInput();
    void rejectRequest(int status, const QString &message);
    void respond(quint64 slot, const HttpResponse &response);
    void flushResponses();
    bool writeReadyAnswers(); // true when the last one written closes the connection
    void startClosing();
    void onBytesWritten();

    HttpListener *m_listener;
    QTcpSocket *m_socket;
    HttpRequestParser m_parser;
    QByteArray m_buffer;
    std::deque<Slot> m_slots;
    quint64 m_nextSlot = 1;
    bool m_processing = false;
    bool m_noMoreRequests = false; // after Connection: close or a protocol error
    bool m_shutdownSent = false;
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartedMs = -1;
};
