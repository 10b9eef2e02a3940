// HttpListener: a bounded HTTP/1.1 server on QTcpServer, with per-connection ordered (pipelined) replies.
//
// Why not QHttpServer for the webhook path: see docs/ARCHITECTURE.md ("Why the webhook listener is
// not QHttpServer"). In short, Qt 6.4's QHttpServer buffers whole bodies before any limit applies,
// answers pipelined requests out of order, has no idle timeout, and crashes on deferred replies to
// closed sockets; each fix needs the connection layer, which is what this class is.
//
// TLS (Options::tls, the webhook listener with --tls-cert-file): this class's own accept loop calls
// incomingConnection(), which makes a QSslSocket and starts the server handshake there, so every
// limit above applies unchanged: the connection caps count it, and the handshake runs inside the
// header deadline of the first request (a client that never finishes it is closed after
// headerTimeout). Not QSslServer: it would queue handshaking sockets in its own pending list with
// its own handshake timeout, outside this class's accept loop, caps and deadlines.
#pragma once

#include "http/httprequest.h"
#include "http/httprequestparser.h"
#include "http/refusallog.h"

#include <QHash>
#include <QPointer>
#include <QTcpServer>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class HttpConnection;
class QSocketNotifier;
class QSslSocket;
class QTcpSocket;
class TlsIdentity;

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
        QString name = QStringLiteral("webhook"); // in the log lines about refusals
        HttpRequestParser::Limits limits;
        std::chrono::milliseconds idleTimeout { 30000 }; // no bytes on a connection without a request in flight
        // From the first byte of a request (a bare CRLF included) to its last header.
        std::chrono::milliseconds headerTimeout { 10000 };
        // A body gets bodyTimeout, plus one second per minBodyBytesPerSecond bytes received: a body
        // trickled slower than that is refused with 408 (one byte every 10 s is, after 10 s).
        std::chrono::milliseconds bodyTimeout { 10000 };
        qint64 minBodyBytesPerSecond = 1024;
        // From the first byte of a request to its last, whatever the rate.
        std::chrono::milliseconds requestTimeout { 120000 };
        int maxConnections = 4096;
        // Connections from one address; 0: no limit. Behind a reverse proxy every connection comes
        // from the proxy's address: raise it there (or set 0).
        int maxConnectionsPerAddress = 512;
        int maxPipelined = 32; // requests parsed ahead of their answers on one connection
        // After accept() fails for lack of file descriptors, accepting pauses this long (no spin).
        std::chrono::milliseconds acceptRetry { 250 };
        // Set: HTTPS only (the certificate re-read for new connections when renewed); null: plain HTTP.
        std::shared_ptr<TlsIdentity> tls;
    };

    using RequestHandler = std::function<void(HttpRequest &&request, const HttpResponder &responder)>;
    // Called for requests rejected while parsing (400, 408, 413, 431, ...), for the request log.
    using ProtocolErrorObserver = std::function<void(const HttpRequest &partial, int status, const QString &message)>;
    // Called once per request as soon as its head is parsed, before any byte of its body is read.
    // An answer refuses the request: it is sent, the body is never read, the connection closes.
    using HeadCheck = std::function<std::optional<HttpResponse>(const HttpRequest &head)>;

    explicit HttpListener(Options options, QObject *parent = nullptr);
    ~HttpListener() override;

    // QTcpServer::listen, then accepting on this class's own loop (see acceptPending).
    bool listen(const QHostAddress &address = QHostAddress::Any, quint16 port = 0);
    void setRequestHandler(RequestHandler handler) { m_handler = std::move(handler); }
    void setProtocolErrorObserver(ProtocolErrorObserver observer) { m_errorObserver = std::move(observer); }
    void setHeadCheck(HeadCheck check) { m_headCheck = std::move(check); }
    const Options &options() const { return m_options; }
    int connectionCount() const { return m_connections.size(); }
    RefusalCounts refusals() const { return m_refusals->counts(); } // any thread
    RefusalLog *refusalLog() const { return m_refusals; }
    // Stops accepting and closes every connection that has no answer pending.
    void closeIdleConnections();

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    friend class HttpConnection;
    void sweep();
    void forget(HttpConnection *connection);
    void refuseConnection(QTcpSocket *socket, Refusal refusal, const QString &message);
    void acceptPending();

    Options m_options;
    RequestHandler m_handler;
    ProtocolErrorObserver m_errorObserver;
    HeadCheck m_headCheck;
    QList<HttpConnection *> m_connections;
    QHash<QHostAddress, int> m_perAddress; // open connections by peer address
    RefusalLog *m_refusals;
    QSocketNotifier *m_acceptNotifier = nullptr; // on the listening socket; QTcpServer's own is paused
    QTimer m_acceptRetryTimer { this };
    QTimer m_sweepTimer { this }; // a child: moves with its owner to another thread
};

class HttpConnection : public QObject {
    Q_OBJECT
public:
    HttpConnection(QTcpSocket *socket, HttpListener *listener);
    ~HttpConnection() override;

    const QHostAddress &peer() const { return m_peer; }
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
    // The head check's answer: sent instead of reading the body; the connection closes after it.
    void refuseHead(HttpResponse response);
    void respond(quint64 slot, const HttpResponse &response);
    void flushResponses();
    bool writeReadyAnswers(); // true when the last one written closes the connection
    void startClosing();
    void onBytesWritten();
    void dropHandshake(Refusal refusal, const QString &why); // TLS: a handshake that failed or ran out of time

    HttpListener *m_listener;
    QTcpSocket *m_socket;
    QSslSocket *m_tls = nullptr; // m_socket, when the listener speaks TLS
    bool m_handshaking = false;
    QHostAddress m_peer;
    HttpRequestParser m_parser;
    QByteArray m_buffer;
    std::deque<Slot> m_slots;
    quint64 m_nextSlot = 1;
    bool m_processing = false;
    bool m_noMoreRequests = false; // after Connection: close or a protocol error
    bool m_shutdownSent = false;
    bool m_headChecked = false; // the head check has seen the request being parsed
    qint64 m_lastActivityMs = 0;
    qint64 m_requestStartedMs = -1; // first byte of the request being received (a bare CRLF counts)
    qint64 m_bodyStartedMs = -1; // its head complete, its body being received
};
