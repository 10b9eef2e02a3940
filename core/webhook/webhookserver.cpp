// WebhookServer: status codes of docs/DESIGN.md §2 for the webhook listener.
#include "webhook/webhookserver.h"
#include "outage/faultproxy.h"
#include "store/failedeventstore.h"
#include "webhook/dispatcher.h"
#include "webhook/requestlog.h"

#include <QDateTime>
#include <QJsonObject>

namespace {

const QByteArray AllowWebhook = "OPTIONS, POST";
const QByteArray AllowHealth = "GET, HEAD";

int statusFor(FailureReason reason)
{
    switch (reason) {
    case FailureReason::None:
        return 200;
    case FailureReason::Overloaded:
        return 429;
    case FailureReason::ShuttingDown:
        return 503;
    default:
        return 500;
    }
}

// What the monitor shows of a request before its answer: no status, no headers or body yet.
RequestRecord waitingRecord(const HttpRequest &request, const RequestRecord &dispatched)
{
    RequestRecord waiting;
    waiting.requestId = dispatched.requestId;
    waiting.receivedMs = QDateTime::currentMSecsSinceEpoch() - request.received.elapsed();
    waiting.method = request.method;
    waiting.path = request.path;
    waiting.target = request.target;
    waiting.requestBytes = request.body.size();
    waiting.key = dispatched.key;
    waiting.keyGenerated = dispatched.keyGenerated;
    waiting.publishedUs = dispatched.publishedUs;
    return waiting;
}
} // namespace

WebhookServer::WebhookServer(
    Dispatcher *dispatcher, RequestLog *log, Options options, ServerLinks links, QObject *parent)
    : QObject(parent)
    , m_dispatcher(dispatcher)
    , m_log(log)
    , m_options(std::move(options))
    , m_links(links)
    , m_listener(new HttpListener(m_options.http, this))
{
    m_listener->setRequestHandler(
        [this](HttpRequest &&request, const HttpResponder &responder) { handle(std::move(request), responder); });
    m_listener->setProtocolErrorObserver([this](const HttpRequest &partial, int status, const QString &message) {
        RequestRecord record;
        record.receivedMs = QDateTime::currentMSecsSinceEpoch();
        record.method = partial.method;
        record.path = partial.path;
        record.target = partial.target;
        record.headers = maskSecrets(partial.headers);
        record.status = status;
        record.requestBytes = partial.body.size();
        record.reason = message;
        record.remote = partial.peer.toString();
        m_log->append(std::move(record));
    });
}

bool WebhookServer::listen(QString *error)
{
    if (m_listener->listen(m_options.address, m_options.port))
        return true;
    if (error)
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(m_options.address.toString())
                     .arg(m_options.port)
                     .arg(m_listener->errorString());
    return false;
}

quint16 WebhookServer::port() const
{
    return m_listener->serverPort();
}

QHostAddress WebhookServer::address() const
{
    return m_listener->serverAddress();
}

void WebhookServer::stopListening()
{
    m_listener->closeIdleConnections();
}

void WebhookServer::answer(
    const HttpRequest &request, const HttpResponder &responder, const HttpResponse &response, RequestRecord record)
{
    responder.respond(response);
    record.receivedMs = QDateTime::currentMSecsSinceEpoch() - request.received.elapsed();
    record.method = request.method;
    record.path = request.path;
    record.target = request.target;
    record.status = response.status;
    record.latencyUs = request.received.nsecsElapsed() / 1000;
    record.requestBytes = request.body.size();
    record.remote = request.peer.toString();
    record.headers = maskSecrets(request.headers);
    record.body = request.body.left(RequestRecord::MaxBodyBytes); // shares the bytes when not cut
    if (m_links.faultProxy && m_links.faultProxy->mode() != OutageSettings::Mode::Off)
        record.outage = OutageSettings::modeName(m_links.faultProxy->mode());
    m_log->append(std::move(record));
}

void WebhookServer::recordFailure(
    const HttpRequest &request, const QByteArray &subject, const IdempotencyKey &key, const PublishResult &result)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    FailedEvent event;
    event.receivedMs = now - request.received.elapsed();
    event.endpoint = request.path;
    event.subject = subject;
    event.method = request.method;
    event.headers = request.headers; // the store masks secrets before they leave this thread
    event.body = request.body;
    event.key = key.value; // the Nats-Msg-Id that was published: a replay must reuse it
    event.keyGenerated = key.generated;
    event.reason = failureReasonName(result.reason);
    event.detail = result.detail;
    event.lastAttemptMs = now;
    m_links.failedEvents->record(std::move(event));
}

void WebhookServer::handle(HttpRequest &&request, const HttpResponder &responder)
{
    if (request.path == "/health") {
        if (request.method == "GET" || request.method == "HEAD") {
            answer(request, responder, HttpResponse::text(200, "OK\n"), {});
        } else {
            HttpResponse response = HttpResponse::error(405, QStringLiteral("use GET on /health"));
            response.headers.append({ "Allow", AllowHealth });
            answer(request, responder, response, {});
        }
        return;
    }
    for (const Endpoint &endpoint : std::as_const(m_options.endpoints)) {
        if (endpoint.path == request.path) {
            handleWebhook(endpoint, std::move(request), responder);
            return;
        }
    }
    answer(request, responder,
        HttpResponse::error(404, QStringLiteral("no webhook endpoint at %1").arg(QString::fromUtf8(request.path))), {});
}

void WebhookServer::handleWebhook(const Endpoint &endpoint, HttpRequest &&request, const HttpResponder &responder)
{
    if (request.method == "OPTIONS") {
        // CloudEvents HTTP webhook abuse protection (validation handshake).
        HttpResponse response;
        response.status = 200;
        QByteArray origin = request.header("webhook-request-origin");
        response.headers.append({ "Allow", AllowWebhook });
        if (!origin.isEmpty()) {
            response.headers.append({ "WebHook-Allowed-Origin", origin });
            response.headers.append({ QByteArray("WebHook-Allowed-Rate"), QByteArray("*") });
        }
        answer(request, responder, response, {});
        return;
    }
    if (request.method != "POST") {
        HttpResponse response = HttpResponse::error(405,
            QStringLiteral("%1 accepts POST, not %2")
                .arg(QString::fromUtf8(endpoint.path), QString::fromLatin1(request.method)));
        response.headers.append({ "Allow", AllowWebhook });
        answer(request, responder, response, {});
        return;
    }

    if (m_options.auth.isEnabled()) {
        const QString denied = m_options.auth.check(request.headers, request.body);
        if (!denied.isEmpty()) {
            HttpResponse response = HttpResponse::error(401, denied);
            if (!m_options.auth.bearerToken.isEmpty())
                response.headers.append({ QByteArray("WWW-Authenticate"), QByteArray("Bearer") });
            RequestRecord record;
            record.reason = QStringLiteral("unauthorized");
            answer(request, responder, response, std::move(record));
            return;
        }
    }

    const IdempotencyKey key = IdempotencyKey::extract(request.headers, request.body, m_options.keyHeaders);
    if (!key.isValid()) {
        RequestRecord record;
        record.reason = key.error;
        answer(request, responder, HttpResponse::error(400, key.error), std::move(record));
        return;
    }

    OutgoingEvent event;
    event.subject = endpoint.subject;
    event.msgId = key.value;
    event.body = request.body;
    event.headers = publishedHeaders(request.headers);

    RequestRecord record;
    record.key = QString::fromLatin1(key.value);
    record.keyGenerated = key.generated;
    record.publishedUs = request.received.nsecsElapsed() / 1000;
    record.requestId = ++m_lastRequestId;
    m_log->appendWaiting(waitingRecord(request, record));

    // The request moves into the completion: it is answered when the dispatch resolves.
    m_dispatcher->dispatch(event,
        [this, request = std::move(request), responder, record = std::move(record), subject = endpoint.subject, key](
            const PublishResult &result) mutable {
            record.resolvedUs = request.received.nsecsElapsed() / 1000;
            const QJsonValue id = record.key;
            HttpResponse response;
            if (result.acked) {
                response = HttpResponse::json(200,
                    QJsonObject { { QStringLiteral("stream"), result.stream },
                        { QStringLiteral("seq"), static_cast<qint64>(result.seq) },
                        { QStringLiteral("duplicate"), result.duplicate }, { QStringLiteral("id"), id } });
                record.seq = result.seq;
                record.duplicate = result.duplicate;
            } else {
                const QString reason = failureReasonName(result.reason);
                response = HttpResponse::error(statusFor(result.reason),
                    QStringLiteral("event not confirmed by NATS JetStream: ") + result.detail,
                    QJsonObject { { QStringLiteral("reason"), reason }, { QStringLiteral("id"), id } });
                response.headers.append({ "Retry-After", QByteArray::number(m_options.retryAfterSeconds) });
                record.reason = reason;
                if (response.status == 500 && m_links.failedEvents)
                    recordFailure(request, subject, key, result);
            }
            answer(request, responder, response, std::move(record));
        });
}
