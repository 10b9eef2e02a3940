// WebhookServer: status codes of docs/DESIGN.md §2 for the webhook listener.
#include "webhook/webhookserver.h"
#include "dispatch/answer.h"
#include "dispatch/dispatcher.h"
#include "nats/natsbus.h"
#include "outage/faultproxy.h"
#include "webhook/cloudevent.h"
#include "webhook/cloudeventbatch.h"
#include "webhook/eventheaders.h"
#include "webhook/readiness.h"
#include "webhook/requestlog.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QJsonDocument>
#include <QJsonObject>

#include <optional>

Q_LOGGING_CATEGORY(lcHandshake, "ackhook.handshake")

namespace {

const QByteArray AllowHealth = "GET, HEAD";

// The listener refuses bodies over the largest endpoint limit from the headers; an endpoint with a
// lower limit refuses the rest once the body is read (bounded by the listener's limit).
HttpListener::Options listenerOptions(const WebhookServer::Options &options)
{
    HttpListener::Options http = options.http;
    for (const Endpoint &endpoint : options.endpoints)
        http.limits.maxBodyBytes = std::max(http.limits.maxBodyBytes, endpoint.maxBodyBytes);
    return http;
}

// The body as a JSON object, when it looks like one. *error: why a body that looks like one is not
// (invalid, nested deeper than Qt's 1,024 levels, ...).
QJsonDocument jsonObjectBody(const HttpRequest &request, QString *error)
{
    const QByteArrayView body = QByteArrayView(request.body).trimmed();
    if (!body.startsWith('{'))
        return {};
    QJsonParseError parse;
    QJsonDocument json = QJsonDocument::fromJson(request.body, &parse);
    if (parse.error != QJsonParseError::NoError)
        *error = QStringLiteral("%1 at byte %2").arg(parse.errorString()).arg(parse.offset);
    return json;
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
    waiting.msgId = dispatched.msgId;
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
    , m_listener(new HttpListener(listenerOptions(m_options), this))
    , m_intake(new EventIntake(dispatcher, m_options.fireAndForget, this))
    , m_endpointCounters(m_options.endpoints)
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
        record.protocolError = true;
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

void WebhookServer::answer(const HttpRequest &request, const HttpResponder &responder, const HttpResponse &response,
    RequestRecord record, const Endpoint *endpoint)
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
    record.headers = maskSecrets(request.headers, endpoint ? endpoint->auth.credentialHeaders() : QList<QByteArray>());
    record.body = request.body.left(RequestRecord::MaxBodyBytes); // shares the bytes when not cut
    if (m_links.faultProxy && m_links.faultProxy->mode() != OutageSettings::Mode::Off)
        record.outage = OutageSettings::modeName(m_links.faultProxy->mode());
    m_log->append(std::move(record));
}

void WebhookServer::tellObserver(qsizetype index, DispatchPolicy policy, int status, const HttpRequest &request,
    const QByteArray &body, const OutgoingEvent &published, const IdempotencyKey &key, const PublishResult &result,
    qint64 receivedMs)
{
    if (!m_links.observer)
        return;
    if (status == 500) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        FailedEvent event;
        event.receivedMs = now - request.received.elapsed();
        event.endpoint = request.path;
        event.target = request.target;
        event.subject = published.subject;
        event.method = request.method;
        // The store masks what it knows to be secret; the endpoint's own credential headers (a generic
        // HMAC endpoint's signature header, whatever its name) only this side knows.
        event.headers = maskSecrets(request.headers, m_options.endpoints.at(index).auth.credentialHeaders());
        event.body = body;
        event.key = key.value; // the caller's key: an exported curl resend carries it
        event.msgId = published.msgId; // what a replay must publish again, so JetStream deduplicates
        event.published = published.headers; // never a credential (EventHeaders::mayPublish)
        event.keyGenerated = key.generated;
        event.reason = failureReasonName(result.reason);
        event.detail = result.detail;
        event.lastAttemptMs = now;
        m_links.observer->failed(std::move(event));
    }
    m_links.observer->answered({ policy, status, request.path, key.value, published.msgId, receivedMs, body });
}

// 413 for an event NATS must refuse: its body plus the NATS headers ackhook publishes are over the
// server's max_payload. No retry or replay can deliver it, so it is refused before it is published
// (and never queued). Empty while the server's max_payload is not known yet (never connected).
std::optional<HttpResponse> WebhookServer::overNatsMaxPayload(const OutgoingEvent &event) const
{
    const NatsBus *bus = m_links.bus;
    const qint64 maxPayload = bus ? bus->maxPayload() : -1;
    if (maxPayload <= 0)
        return std::nullopt;
    const qint64 headerBytes = bus->headerBytes(event);
    if (event.body.size() + headerBytes <= maxPayload)
        return std::nullopt;
    HttpResponse response = HttpResponse::error(413,
        QStringLiteral("body of %1 bytes plus %2 bytes of NATS headers exceeds the NATS server's max_payload of "
                       "%3 bytes")
            .arg(event.body.size())
            .arg(headerBytes)
            .arg(maxPayload),
        QJsonObject { { QStringLiteral("reason"), QStringLiteral("too_large") },
            { QStringLiteral("limit"), std::max<qint64>(0, maxPayload - headerBytes) },
            { QStringLiteral("max_payload"), maxPayload }, { QStringLiteral("header_bytes"), headerBytes } });
    response.closeConnection = true;
    return response;
}

void WebhookServer::handle(HttpRequest &&request, const HttpResponder &responder)
{
    if (answerProbe(request, responder))
        return;
    for (qsizetype i = 0; i < m_options.endpoints.size(); ++i) {
        if (m_options.endpoints.at(i).path == request.path) {
            handleWebhook(i, std::move(request), responder);
            return;
        }
    }
    answer(request, responder,
        HttpResponse::error(404, QStringLiteral("no webhook endpoint at %1").arg(QString::fromUtf8(request.path))), {});
}

bool WebhookServer::answerProbe(const HttpRequest &request, const HttpResponder &responder)
{
    const bool health = request.path == "/health";
    if (!health && request.path != "/ready")
        return false;
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response
            = HttpResponse::error(405, QStringLiteral("use GET on %1").arg(QString::fromLatin1(request.path)));
        response.headers.append({ "Allow", AllowHealth });
        responder.respond(response);
        return true;
    }
    if (health) {
        responder.respond(HttpResponse::text(200, "OK\n"));
        return true;
    }
    const NatsBus::Status nats = m_links.bus ? m_links.bus->status() : NatsBus::Status {};
    const OutageSettings::Mode outage = m_links.faultProxy ? m_links.faultProxy->mode() : OutageSettings::Mode::Off;
    const QStringList problems = readinessProblems(
        nats, m_links.stream, outage, m_links.failedQueueStats ? m_links.failedQueueStats() : FailedQueueStats {});
    if (problems.isEmpty()) {
        responder.respond(HttpResponse::text(200, "ready\n"));
        return true;
    }
    HttpResponse response
        = HttpResponse::text(503, "not ready: " + problems.join(QStringLiteral("; ")).toUtf8() + '\n');
    response.headers.append({ "Retry-After", QByteArray::number(m_options.retryAfterSeconds) });
    responder.respond(response);
    return true;
}

void WebhookServer::answerEndpoint(qsizetype index, const HttpRequest &request, const HttpResponder &responder,
    const HttpResponse &response, RequestRecord record)
{
    m_endpointCounters.count(index, response.status);
    answer(request, responder, response, std::move(record), &m_options.endpoints.at(index));
}

void WebhookServer::answerHandshake(
    qsizetype index, const HttpRequest &request, const HttpResponder &responder, Handshakes::Answer &&handshake)
{
    if (!handshake.pendingConfirmation.isEmpty()) {
        // Never fetched on its own: a person confirms the subscription (the window's button, the admin
        // API, or the URL from the log or /api/status).
        const QJsonObject &pending = handshake.pendingConfirmation;
        qCWarning(lcHandshake).noquote()
            << QStringLiteral("endpoint %1: AWS SNS SubscriptionConfirmation for TopicArn %2 waits for a person "
                              "(ackhook never confirms on its own): confirm it in the window, with POST "
                              "/api/endpoints/<endpoint>/confirm-subscription, or open SubscribeURL %3")
                   .arg(QString::fromUtf8(m_options.endpoints.at(index).path),
                       pending.value(QLatin1String("topic_arn")).toString(),
                       pending.value(QLatin1String("subscribe_url")).toString());
        m_endpointCounters.setPendingConfirmation(index, pending);
    }
    answerEndpoint(index, request, responder, handshake.response, {});
}

void WebhookServer::setDispatchPolicy(qsizetype endpoint, DispatchPolicy policy)
{
    if (endpoint < 0 || endpoint >= m_options.endpoints.size())
        return;
    m_options.endpoints[endpoint].dispatch = policy;
    m_endpointCounters.setDispatch(endpoint, policy);
}

void WebhookServer::handleWebhook(qsizetype index, HttpRequest &&request, const HttpResponder &responder)
{
    const Endpoint &endpoint = m_options.endpoints.at(index);
    if (request.method == "OPTIONS") {
        // CloudEvents HTTP webhook abuse protection (validation handshake).
        HttpResponse response;
        response.status = 200;
        QByteArray origin = request.header("webhook-request-origin");
        response.headers.append({ "Allow", endpoint.allowHeader() });
        if (!origin.isEmpty()) {
            response.headers.append({ "WebHook-Allowed-Origin", origin });
            response.headers.append({ QByteArray("WebHook-Allowed-Rate"), QByteArray("*") });
        }
        answer(request, responder, response, {});
        return;
    }
    // Dropbox's GET challenge and Graph's validationToken come unsigned: echoed, never published
    // (the gateway-wide caller authentication, when on, still applies).
    if (auto handshake = Handshakes::beforeVerification(endpoint, request);
        handshake && (!m_options.auth.isEnabled() || m_options.auth.check(request.headers, request.body).isEmpty())) {
        answerHandshake(index, request, responder, std::move(*handshake));
        return;
    }
    if (!endpoint.methods.contains(request.method)) {
        HttpResponse response = HttpResponse::error(405,
            QStringLiteral("%1 accepts %2, not %3")
                .arg(QString::fromUtf8(endpoint.path), QString::fromLatin1(endpoint.methods.join(", ")),
                    QString::fromLatin1(request.method)));
        response.headers.append({ "Allow", endpoint.allowHeader() });
        answerEndpoint(index, request, responder, response, {});
        return;
    }
    const qint64 maxBody = endpoint.maxBodyBytes > 0 ? endpoint.maxBodyBytes : m_options.http.limits.maxBodyBytes;
    if (request.body.size() > maxBody) {
        HttpResponse response = HttpResponse::error(413,
            QStringLiteral("body of %1 bytes is over the limit of %2 bytes for %3")
                .arg(request.body.size())
                .arg(maxBody)
                .arg(QString::fromUtf8(endpoint.path)));
        response.closeConnection = true;
        answerEndpoint(index, request, responder, response, {});
        return;
    }

    // Authentication before anything else is read from the request: a forged one costs nothing more.
    QString denied = m_options.auth.isEnabled() ? m_options.auth.check(request.headers, request.body) : QString();
    if (denied.isEmpty())
        denied = endpoint.auth.verify(
            { request.method, endpoint.signedUrl(request.target, request.headers), request.headers, request.body },
            QDateTime::currentSecsSinceEpoch());
    if (!denied.isEmpty()) {
        HttpResponse response = HttpResponse::error(401, denied);
        if (!m_options.auth.bearerToken.isEmpty() || endpoint.auth.kind == SignatureScheme::Kind::Bearer)
            response.headers.append({ QByteArray("WWW-Authenticate"), QByteArray("Bearer") });
        RequestRecord record;
        record.reason = QStringLiteral("unauthorized");
        answerEndpoint(index, request, responder, response, std::move(record));
        return;
    }
    if (endpoint.snsSigned() && !snsVerified(index, request, responder))
        return;

    if (CloudEventBatch::isBatch(request.headers)) {
        handleBatch(index, std::move(request), responder);
        return;
    }

    QString jsonError;
    const QJsonDocument json = jsonObjectBody(request, &jsonError);
    if (!jsonError.isEmpty() && (!endpoint.keyJsonField.isEmpty() || !endpoint.eventJsonPath.isEmpty())) {
        // Its key or event type comes from the JSON: a random key and "unknown" would store an event
        // no retry can deduplicate, under a subject no consumer expects.
        const QString message = QStringLiteral("body is not JSON that %1 can read its key and event type from: %2")
                                    .arg(QString::fromUtf8(endpoint.path), jsonError);
        RequestRecord record;
        record.reason = message;
        answerEndpoint(index, request, responder, HttpResponse::error(400, message), std::move(record));
        return;
    }
    if (auto handshake = m_handshakes.afterVerification(endpoint, request, json)) {
        answerHandshake(index, request, responder, std::move(*handshake));
        return;
    }

    const IdempotencyKey key = endpoint.key(request.headers, request.body, json);
    if (!key.isValid()) {
        RequestRecord record;
        record.reason = key.error;
        answerEndpoint(index, request, responder, HttpResponse::error(400, key.error), std::move(record));
        return;
    }

    const QByteArray eventType = endpoint.eventType(request.headers, json);
    const qint64 receivedMs = QDateTime::currentMSecsSinceEpoch() - request.received.elapsed();
    OutgoingEvent event;
    event.subject = endpoint.subjectFor(eventType);
    event.msgId = key.msgIdOn(endpoint.path);
    event.body = request.body;
    event.headers = EventHeaders::build(endpoint,
        { request.headers, request.target, request.peer, receivedMs, eventType,
            CloudEventAttributes::isStructured(request.headers) });
    if (const auto tooLarge = overNatsMaxPayload(event)) {
        RequestRecord refused;
        refused.reason = QStringLiteral("too_large");
        answerEndpoint(index, request, responder, *tooLarge, std::move(refused));
        return;
    }

    RequestRecord record;
    record.key = QString::fromLatin1(key.value);
    record.msgId = event.msgId;
    record.keyGenerated = key.generated;
    record.publishedUs = request.received.nsecsElapsed() / 1000;
    record.requestId = ++m_lastRequestId;
    m_log->appendWaiting(waitingRecord(request, record));

    // The request moves into the completion: it is answered when the policy says so.
    const DispatchPolicy policy = endpoint.dispatch.value_or(DispatchPolicy::Ack);
    m_intake->submit(policy, event, receivedMs,
        [this, index, policy, request = std::move(request), responder, record = std::move(record), published = event,
            key](const PublishResult &result) mutable {
            record.resolvedUs = request.received.nsecsElapsed() / 1000;
            m_endpointCounters.countDispatch(index, result, record.resolvedUs);
            const HttpResponse response = eventAnswer(policy, result, record.key, m_options.retryAfterSeconds, &record);
            tellObserver(index, policy, response.status, request, request.body, published, key, result,
                QDateTime::currentMSecsSinceEpoch() - request.received.elapsed());
            answerEndpoint(index, request, responder, response, std::move(record));
        });
}
