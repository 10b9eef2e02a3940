// AdminServer: JSON status, outage switch and embedded nats-server control.
//
// On the webhook listener's HttpListener, not QHttpServer: Qt 6.4's QHttpServer reads a whole body
// before any handler runs (an unauthenticated upload was buffered in full before its 401) and has
// no limits or timeouts. Here AdminRequestGuard judges the head before the body is read, and the
// listener bounds sizes and times as it does for webhooks. Every route checks its methods itself
// (405 with Allow).
#include "admin/adminserver.h"
#include "admin/labformat.h"
#include "lab/lossdetector.h"
#include "admin/statusformat.h"
#include "dispatch/dispatcher.h"
#include "http/bearerauth.h"
#include "lab/dispatchswitches.h"
#include "nats/embeddednats.h"
#include "runtime.h"
#include "store/failedeventstore.h"
#include "store/replayer.h"
#include "webhook/endpointcounters.h"
#include "webhook/snssubscriptions.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>
#include <QUrlQuery>

namespace {

HttpResponse json(const QJsonObject &object, int status = 200)
{
    return HttpResponse::json(status, object);
}

HttpResponse error(int status, const QString &message)
{
    return HttpResponse::error(status, message);
}

HttpResponse methodNotAllowed(const QByteArray &allow)
{
    HttpResponse response = error(405, QStringLiteral("method not allowed; use ") + QString::fromLatin1(allow));
    response.headers.append({ "Allow", allow });
    return response;
}

HttpResponse plain(int status, const QByteArray &contentType, const QByteArray &body)
{
    HttpResponse response;
    response.status = status;
    response.contentType = contentType;
    response.body = body;
    return response;
}

QUrlQuery queryOf(const HttpRequest &request)
{
    const qsizetype mark = request.target.indexOf('?');
    return mark < 0 ? QUrlQuery() : QUrlQuery(QString::fromUtf8(request.target.mid(mark + 1)));
}

bool isGet(const HttpRequest &request)
{
    return request.method == "GET" || request.method == "HEAD";
}

} // namespace

AdminServer::AdminServer(Runtime *runtime, QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
{
}

bool AdminServer::listen(const Options &options, QString *error)
{
    if (!options.address.isLoopback() && options.token.isEmpty()) {
        if (error)
            *error = QStringLiteral("the admin API on a non-loopback address (%1) requires --admin-token")
                         .arg(options.address.toString());
        return false;
    }
    HttpListener::Options http = options.http;
    http.name = QStringLiteral("admin");
    http.tls.reset(); // loopback plain HTTP, whatever the webhook listener speaks
    m_listener = new HttpListener(http, this);
    if (!m_listener->listen(options.address, options.port)) {
        if (error)
            *error = QStringLiteral("cannot listen for the admin API on %1:%2: %3")
                         .arg(options.address.toString())
                         .arg(options.port)
                         .arg(m_listener->errorString());
        delete m_listener;
        m_listener = nullptr;
        return false;
    }
    m_port = m_listener->serverPort();
    m_guard = AdminRequestGuard({ options.address, m_port, options.token, options.allowedHosts });
    // Host, origin, token and media type are judged on the head: a refused body is never read.
    m_listener->setHeadCheck([this](const HttpRequest &head) { return m_guard.check(head); });
    m_listener->setRequestHandler(
        [this](HttpRequest &&request, const HttpResponder &responder) { handle(std::move(request), responder); });
    return true;
}

RefusalCounts AdminServer::refusals() const
{
    return m_listener ? m_listener->refusals() : RefusalCounts {};
}

void AdminServer::handle(HttpRequest &&request, const HttpResponder &responder)
{
    // The answers that wait: replay (for PubAcks) and an SNS confirmation (for SNS). Everything else
    // is answered right away.
    if (request.path == "/api/failed/replay" && request.method == "POST") {
        replayFailed(request, responder);
        return;
    }
    const QString path = QUrl::fromPercentEncoding(request.path);
    const QLatin1String endpoints("/api/endpoints/"), confirm("/confirm-subscription");
    if (path.startsWith(endpoints) && path.endsWith(confirm) && path.size() > endpoints.size() + confirm.size()) {
        confirmSubscription(request, responder, path.mid(endpoints.size(), path.size() - endpoints.size() - confirm.size()));
        return;
    }
    responder.respond(handleNow(request));
}

HttpResponse AdminServer::handleNow(const HttpRequest &request)
{
    const QString path = QUrl::fromPercentEncoding(request.path);
    const bool get = isGet(request);
    const QByteArray &method = request.method;
    if (path == QLatin1String("/api/status")) {
        if (!get)
            return methodNotAllowed("GET");
        return json(statusToJson(m_runtime->status()));
    }
    if (path.startsWith(QLatin1String("/api/endpoints/")) && path.endsWith(QLatin1String("/dispatch"))) {
        const qsizetype from = qsizetype(qstrlen("/api/endpoints/"));
        return endpointDispatch(request, path.mid(from, path.size() - from - qsizetype(qstrlen("/dispatch"))));
    }
    if (path == QLatin1String("/api/endpoints")) {
        if (!get)
            return methodNotAllowed("GET");
        const Gateway *gateway = m_runtime->gateway();
        const EndpointCounters *counters = gateway ? gateway->endpointCounters() : nullptr;
        return json(QJsonObject { { QStringLiteral("endpoints"), counters ? counters->toJson() : QJsonArray() } });
    }
    if (path == QLatin1String("/api/lost")) { // the loss detector's lost events, with their bodies
        if (!get)
            return methodNotAllowed("GET");
        const LossDetector *loss = m_runtime->lossDetector();
        if (!loss)
            return error(404,
                QStringLiteral(
                    "the loss detector is off (--loss-detector, or an endpoint with a policy other than ack)"));
        return json(QJsonObject { { QStringLiteral("lost"), lostEventsToJson(loss->lost()) },
            { QStringLiteral("loss"), labToJson(m_runtime->status()).value(QLatin1String("loss")) } });
    }
    if (path == QLatin1String("/metrics")) {
        if (!get)
            return methodNotAllowed("GET");
        return plain(200, "text/plain; version=0.0.4; charset=utf-8", statusToPrometheus(m_runtime->status()));
    }
    if (path == QLatin1String("/api/outage")) {
        if (get)
            return json(outageJson());
        if (method == "PUT" || method == "POST")
            return putOutage(request);
        return methodNotAllowed("GET, PUT");
    }
    if (path == QLatin1String("/api/nats/stop") || path == QLatin1String("/api/nats/start")) {
        if (method != "POST")
            return methodNotAllowed("POST");
        return natsControl(path.endsWith(QLatin1String("start")));
    }
    if (path == QLatin1String("/api/failed")) {
        if (!get)
            return methodNotAllowed("GET");
        return listFailed(request);
    }
    if (path == QLatin1String("/api/failed/export")) {
        if (!get)
            return methodNotAllowed("GET");
        return exportFailed(request);
    }
    if (path == QLatin1String("/api/failed/replay"))
        return methodNotAllowed("POST");
    if (path.startsWith(QLatin1String("/api/failed/"))) {
        const QString id = path.mid(int(qstrlen("/api/failed/")));
        if (method == "DELETE")
            return discardFailed(id);
        if (get) {
            bool ok = false;
            const auto event = m_runtime->failedEvents()->find(id.toLongLong(&ok));
            if (!ok || !event)
                return error(404, QStringLiteral("no failed event %1").arg(id));
            return json(failedEventToJson(*event));
        }
        return methodNotAllowed("GET, DELETE");
    }
    if (path == QLatin1String("/ready")) {
        if (!get)
            return methodNotAllowed("GET");
        const QStringList problems = m_runtime->status().notReady();
        if (problems.isEmpty())
            return plain(200, "text/plain", "ready\n");
        HttpResponse response
            = plain(503, "text/plain", "not ready: " + problems.join(QStringLiteral("; ")).toUtf8() + '\n');
        response.headers.append({ QByteArray("Retry-After"), QByteArray("1") });
        return response;
    }
    if (path == QLatin1String("/health")) {
        if (!get)
            return methodNotAllowed("GET");
        return plain(200, "text/plain", "OK\n");
    }
    return error(404, QStringLiteral("no admin endpoint at ") + path);
}

HttpResponse AdminServer::putOutage(const HttpRequest &request)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (!document.isObject())
        return error(400,
            QStringLiteral("expected a JSON object such as {\"mode\":\"down\"}: %1").arg(parseError.errorString()));
    const QJsonObject body = document.object();
    if (body.value(QLatin1String("mode")).toString() == QLatin1String(Runtime::PowerCutMode)) {
        // Not a state of the fault proxy but an event: the power goes off and comes back at once.
        if (const QString why = m_runtime->powerCutRefusal(); !why.isEmpty())
            return error(409, why);
        if (QString why; !m_runtime->powerCut(&why))
            return error(500, QStringLiteral("power cut: ") + why);
        return json(outageJson());
    }
    if (!m_runtime->config().faultProxyEnabled)
        return error(409, QStringLiteral("ackhook runs with --no-fault-proxy: outages cannot be simulated"));
    OutageSettings settings = m_runtime->faultProxy()->settings();
    if (body.contains(QLatin1String("mode"))) {
        const auto mode = OutageSettings::modeFromName(body.value(QLatin1String("mode")).toString());
        if (!mode)
            return error(400,
                QStringLiteral("unknown mode '%1'; one of: %2, %3")
                    .arg(body.value(QLatin1String("mode")).toVariant().toString(),
                        OutageSettings::modeNames().join(QStringLiteral(", ")), QLatin1String(Runtime::PowerCutMode)));
        settings.mode = *mode;
    } else {
        return error(400, QStringLiteral("\"mode\" is required"));
    }
    struct Field {
        const char *name;
        int *value;
        int min, max;
    };
    for (const Field &field :
        { Field { "latency_ms", &settings.latencyMs, 0, 60000 }, Field { "jitter_ms", &settings.jitterMs, 0, 60000 },
            Field { "period_ms", &settings.flapPeriodMs, 50, 3600000 } }) {
        const QJsonValue value = body.value(QLatin1String(field.name));
        if (value.isUndefined())
            continue;
        const double number = value.toDouble(-1);
        if (!value.isDouble() || number < field.min || number > field.max || number != static_cast<int>(number))
            return error(400,
                QStringLiteral("%1 must be an integer from %2 to %3")
                    .arg(QLatin1String(field.name))
                    .arg(field.min)
                    .arg(field.max));
        *field.value = static_cast<int>(number);
    }
    if (QString why; !m_runtime->faultProxy()->setSettings(settings, &why))
        return error(409, why);
    return json(outageJson());
}

HttpResponse AdminServer::listFailed(const HttpRequest &request)
{
    const QUrlQuery query = queryOf(request);
    std::optional<FailedEvent::State> state;
    if (query.hasQueryItem(QStringLiteral("state"))) {
        state = FailedEvent::stateFromName(query.queryItemValue(QStringLiteral("state")));
        if (!state)
            return error(400, QStringLiteral("state must be pending, replayed or discarded"));
    }
    int limit = 100;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 10000)
            return error(400, QStringLiteral("limit must be from 1 to 10000"));
    }
    QJsonArray events;
    for (const FailedEvent &event : m_runtime->failedEvents()->list(state, limit))
        events.append(failedEventToJson(event));
    return json({ { QStringLiteral("events"), events },
        { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } });
}

HttpResponse AdminServer::exportFailed(const HttpRequest &request)
{
    const QUrlQuery query = queryOf(request);
    std::optional<FailedEvent::State> state = FailedEvent::State::Pending;
    if (query.hasQueryItem(QStringLiteral("state"))) {
        const QString value = query.queryItemValue(QStringLiteral("state"));
        state = value == QLatin1String("all") ? std::nullopt : FailedEvent::stateFromName(value);
        if (!state && value != QLatin1String("all"))
            return error(400, QStringLiteral("state must be pending, replayed, discarded or all"));
    }
    const QString format = query.queryItemValue(QStringLiteral("format"));
    if (format.isEmpty() || format == QLatin1String("jsonl"))
        return plain(200, "application/x-ndjson", m_runtime->failedEvents()->exportJsonLines(state));
    if (format == QLatin1String("curl")) {
        const QString url = query.hasQueryItem(QStringLiteral("url"))
            ? query.queryItemValue(QStringLiteral("url"), QUrl::FullyDecoded)
            : m_runtime->webhookBaseUrl(); // each event names its own path
        return plain(200, "text/x-shellscript", m_runtime->failedEvents()->exportCurlScript(url, state));
    }
    return error(400, QStringLiteral("format must be jsonl or curl"));
}

HttpResponse AdminServer::discardFailed(const QString &idText)
{
    bool ok = false;
    const qint64 id = idText.toLongLong(&ok);
    if (!ok || !m_runtime->failedEvents()->discard(id))
        return error(404, QStringLiteral("no pending failed event %1").arg(idText));
    return json({ { QStringLiteral("id"), id }, { QStringLiteral("state"), QStringLiteral("discarded") },
        { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } });
}

void AdminServer::replayFailed(const HttpRequest &request, const HttpResponder &responder)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    const QJsonObject body = document.object();
    QList<qint64> ids;
    bool all = body.value(QLatin1String("all")).toBool(false);
    bool valid = document.isObject() && (all || body.value(QLatin1String("ids")).isArray());
    for (const QJsonValue &value : body.value(QLatin1String("ids")).toArray()) {
        const double number = value.toDouble(-1);
        valid = valid && value.isDouble() && number >= 1 && number == static_cast<double>(static_cast<qint64>(number));
        ids.append(static_cast<qint64>(number));
    }
    if (!valid || (!all && (ids.isEmpty() || ids.size() > 10000))) {
        responder.respond(error(400, QStringLiteral("expected {\"ids\":[1,2,…]} (1 to 10000 ids) or {\"all\":true}")));
        return;
    }
    // Deferred answer: the responder is a no-op once the client has gone.
    auto done = [this, responder](const QList<ReplayOutcome> &outcomes) {
        QJsonArray results;
        int replayed = 0;
        int failed = 0;
        for (const ReplayOutcome &outcome : outcomes) {
            QJsonObject result { { QStringLiteral("id"), outcome.id },
                { QStringLiteral("status"), ReplayOutcome::statusName(outcome.status) } };
            if (outcome.status == ReplayOutcome::Status::Replayed) {
                ++replayed;
                result.insert(QStringLiteral("seq"), static_cast<qint64>(outcome.result.seq));
                result.insert(QStringLiteral("duplicate"), outcome.result.duplicate);
            } else if (outcome.status == ReplayOutcome::Status::Failed) {
                ++failed;
                result.insert(QStringLiteral("reason"), failureReasonName(outcome.result.reason));
                result.insert(QStringLiteral("error"), outcome.result.detail);
            }
            results.append(result);
        }
        // Nobody may be there to read it: the outcomes are recorded in the store all the same.
        responder.respond(json({ { QStringLiteral("results"), results }, { QStringLiteral("replayed"), replayed },
            { QStringLiteral("failed"), failed },
            { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } }));
    };
    if (all)
        m_runtime->replayer()->replayAllPending(done);
    else
        m_runtime->replayer()->replay(ids, done);
}

HttpResponse AdminServer::natsControl(bool start)
{
    QString message;
    const bool ok = start ? m_runtime->startEmbeddedNats(&message) : m_runtime->stopEmbeddedNats(&message);
    if (!ok)
        return error(m_runtime->isEmbedded() ? 500 : 409, message);
    EmbeddedNats *nats = m_runtime->embeddedNats();
    return json({ { QStringLiteral("running"), nats->isRunning() }, { QStringLiteral("pid"), nats->pid() },
        { QStringLiteral("url"), nats->url() } });
}

QJsonObject AdminServer::outageJson() const
{
    QJsonObject outage = outageToJson(m_runtime->faultProxy()->settings(), m_runtime->faultProxy()->droppedAcks());
    // The power cut (--lab-lossy-store): available or why not, and how many so far.
    const QString refusal = m_runtime->powerCutRefusal();
    QJsonObject powerCut { { QStringLiteral("available"), refusal.isEmpty() },
        { QStringLiteral("cuts"), m_runtime->powerCuts() } };
    if (!refusal.isEmpty())
        powerCut.insert(QStringLiteral("refusal"), refusal);
    outage.insert(QStringLiteral("power_cut"), powerCut);
    return outage;
}

qsizetype AdminServer::endpointIndex(const QString &which, const QString &action, QString *notFound) const
{
    // The endpoint by its path without the leading slash (/api/endpoints/lab/spool/dispatch), or by
    // its number from 0 in the order of GET /api/endpoints.
    const QList<Endpoint> endpoints = m_runtime->config().gateway.resolvedEndpoints();
    QString trimmed = which;
    while (trimmed.startsWith(QLatin1Char('/')))
        trimmed.remove(0, 1);
    const QByteArray asPath = '/' + trimmed.toUtf8();
    qsizetype index = -1;
    for (qsizetype i = 0; i < endpoints.size(); ++i) {
        if (endpoints.at(i).path == asPath)
            index = i;
    }
    bool isNumber = false;
    const int number = trimmed.toInt(&isNumber);
    if (index < 0 && isNumber && number >= 0 && number < endpoints.size())
        index = number;
    if (index < 0)
        *notFound = QStringLiteral("no endpoint '%1': give its path without the leading slash "
                                   "(/api/endpoints/webhook/%2) or its number from 0 (GET /api/endpoints)")
                        .arg(which, action);
    return index;
}

void AdminServer::confirmSubscription(const HttpRequest &request, const HttpResponder &responder, const QString &which)
{
    if (request.method != "POST") {
        responder.respond(methodNotAllowed("POST"));
        return;
    }
    QString notFound;
    const qsizetype index = endpointIndex(which, QStringLiteral("confirm-subscription"), &notFound);
    if (index < 0) {
        responder.respond(error(404, notFound));
        return;
    }
    // The topic the person saw: a confirmation that arrived since, for another topic, is not confirmed.
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    const QJsonValue topic = document.object().value(QLatin1String("topic_arn"));
    if (!document.isObject() || !topic.isString() || topic.toString().isEmpty()) {
        responder.respond(error(400,
            QStringLiteral("expected a JSON object such as {\"topic_arn\":\"arn:aws:sns:…\"}: the topic of the "
                           "pending_confirmation you confirm (GET /api/endpoints)")));
        return;
    }
    m_runtime->confirmSnsSubscription(index, topic.toString(),
        [responder](const SnsSubscriptions::Result &result) { responder.respond(json(result.json, result.status)); });
}

HttpResponse AdminServer::endpointDispatch(const HttpRequest &request, const QString &which)
{
    QString notFound;
    const qsizetype index = endpointIndex(which, QStringLiteral("dispatch"), &notFound);
    if (index < 0)
        return error(404, notFound);
    const QByteArray endpointPath = m_runtime->config().gateway.resolvedEndpoints().at(index).path;
    const DispatchSwitches *switches = m_runtime->dispatchSwitches();
    const auto describe = [&] {
        const Endpoint now = m_runtime->config().gateway.resolvedEndpoints().at(index);
        QJsonObject object { { QStringLiteral("endpoint"), static_cast<qint64>(index) },
            { QStringLiteral("path"), QString::fromUtf8(endpointPath) },
            { QStringLiteral("dispatch"), dispatchPolicyName(*now.dispatch) } };
        const auto configured = switches ? switches->configured(endpointPath) : std::nullopt;
        if (configured)
            object.insert(QStringLiteral("configured"), dispatchPolicyName(*configured));
        const auto saved = switches ? switches->saved(endpointPath) : std::nullopt;
        object.insert(QStringLiteral("saved"),
            saved ? QJsonValue(QJsonObject { { QStringLiteral("dispatch"), dispatchPolicyName(saved->dispatch) },
                        { QStringLiteral("at"), saved->at.toString(Qt::ISODateWithMs) } })
                  : QJsonValue(QJsonValue::Null));
        return object;
    };
    const auto apply = [&](DispatchPolicy policy) {
        QString message, saveError;
        if (!m_runtime->setDispatchPolicy(index, policy, &message, &saveError))
            return error(500, message);
        QJsonObject object = describe();
        if (!saveError.isEmpty())
            object.insert(QStringLiteral("save_error"), saveError);
        return json(object);
    };

    const QByteArray &method = request.method;
    if (isGet(request))
        return json(describe());
    if (method == "DELETE") {
        const auto configured = switches ? switches->configured(endpointPath) : std::nullopt;
        if (!configured)
            return error(
                409, QStringLiteral("%1 has no configured policy to go back to").arg(QString::fromUtf8(endpointPath)));
        return apply(*configured);
    }
    if (method != "POST" && method != "PUT")
        return methodNotAllowed("GET, POST, DELETE");

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    const QJsonValue name = document.object().value(QLatin1String("dispatch"));
    if (!document.isObject() || !name.isString())
        return error(400,
            QStringLiteral("expected a JSON object such as {\"dispatch\":\"spool\"} (one of: %1)")
                .arg(dispatchPolicyNames().join(QStringLiteral(", "))));
    const auto policy = dispatchPolicyFromName(name.toString());
    if (!policy)
        return error(400,
            QStringLiteral("'%1' is not a dispatch policy; one of: %2")
                .arg(name.toString(), dispatchPolicyNames().join(QStringLiteral(", "))));
    // The pre-fix bug, on purpose: only when asked for twice.
    if (*policy == DispatchPolicy::FireAndForget && document.object().value(QLatin1String("confirm")) != QJsonValue(true))
        return error(400,
            QStringLiteral("fire-and-forget answers 200 BEFORE the event is stored and loses events during an outage "
                           "(a demonstration of the bug); to switch %1 to it anyway, send "
                           "{\"dispatch\":\"fire-and-forget\",\"confirm\":true}")
                .arg(QString::fromUtf8(endpointPath)));
    return apply(*policy);
}
