// AdminServer: JSON status, outage switch and embedded nats-server control.
//
// QHttpServer 6.4 answers a wrong method with 404 and has no deferred-reply safety: every route
// here matches all methods and checks them itself (405 with Allow), and every answer is computed
// synchronously.
#include "admin/adminserver.h"
#include "admin/labformat.h"
#include "lab/lossdetector.h"
#include "admin/statusformat.h"
#include "http/bearerauth.h"
#include "lab/dispatchswitches.h"
#include "nats/embeddednats.h"
#include "runtime.h"
#include "store/failedeventstore.h"
#include "store/replayer.h"
#include "webhook/dispatcher.h"
#include "webhook/endpointcounters.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QUrlQuery>

namespace {

QHttpServerResponse json(
    const QJsonObject &object, QHttpServerResponse::StatusCode status = QHttpServerResponse::StatusCode::Ok)
{
    return QHttpServerResponse(object, status);
}

QHttpServerResponse error(QHttpServerResponse::StatusCode status, const QString &message)
{
    return json(QJsonObject { { QStringLiteral("error"), message } }, status);
}

QHttpServerResponse methodNotAllowed(const QByteArray &allow)
{
    QHttpServerResponse response = error(QHttpServerResponse::StatusCode::MethodNotAllowed,
        QStringLiteral("method not allowed; use ") + QString::fromLatin1(allow));
    response.setHeader("Allow", allow);
    return response;
}

} // namespace

AdminServer::AdminServer(Runtime *runtime, QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
{
    // One catch-all route; dispatching by path here keeps 404/405 under our control.
    m_server.route(QStringLiteral("/<arg>"),
        [this](const QUrl &, const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            handle(request, std::move(responder));
        });
    m_server.setMissingHandler([](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
        const QString message = QStringLiteral("no admin endpoint at ") + request.url().path();
        responder.write(QJsonDocument(QJsonObject { { QStringLiteral("error"), message } }),
            QHttpServerResponder::StatusCode::NotFound);
    });
}

bool AdminServer::listen(const QHostAddress &address, quint16 port, const QString &token, QString *error)
{
    if (!address.isLoopback() && token.isEmpty()) {
        if (error)
            *error = QStringLiteral("the admin API on a non-loopback address (%1) requires --admin-token")
                         .arg(address.toString());
        return false;
    }
    m_token = token;
    m_port = m_server.listen(address, port);
    if (m_port == 0) {
        if (error)
            *error = QStringLiteral("cannot listen for the admin API on %1:%2").arg(address.toString()).arg(port);
        return false;
    }
    return true;
}

bool AdminServer::authorized(const QHttpServerRequest &request) const
{
    if (m_token.isEmpty())
        return true;
    return checkBearer(request.headers(), m_token.toUtf8()).isEmpty();
}

void AdminServer::handle(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    // The one answer that waits (for PubAcks): replay. Everything else is answered right away.
    if (authorized(request) && request.url().path() == QLatin1String("/api/failed/replay")
        && request.method() == Method::Post) {
        replayFailed(request, std::move(responder));
        return;
    }
    handleNow(request).write(std::move(responder));
}

QHttpServerResponse AdminServer::handleNow(const QHttpServerRequest &request)
{
    if (!authorized(request)) {
        QHttpServerResponse response = error(QHttpServerResponse::StatusCode::Unauthorized,
            QStringLiteral("missing or wrong admin token (Authorization: Bearer TOKEN)"));
        response.setHeader("WWW-Authenticate", "Bearer");
        return response;
    }
    const QString path = request.url().path();
    const Method method = request.method();
    if (path == QLatin1String("/api/status")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        return json(statusToJson(m_runtime->status()));
    }
    if (path.startsWith(QLatin1String("/api/endpoints/")) && path.endsWith(QLatin1String("/dispatch"))) {
        const qsizetype from = qsizetype(qstrlen("/api/endpoints/"));
        return endpointDispatch(request, path.mid(from, path.size() - from - qsizetype(qstrlen("/dispatch"))));
    }
    if (path == QLatin1String("/api/endpoints")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        const Gateway *gateway = m_runtime->gateway();
        const EndpointCounters *counters = gateway ? gateway->endpointCounters() : nullptr;
        return json(QJsonObject { { QStringLiteral("endpoints"), counters ? counters->toJson() : QJsonArray() } });
    }
    if (path == QLatin1String("/api/lost")) { // the loss detector's lost events, with their bodies
        if (method != Method::Get)
            return methodNotAllowed("GET");
        const LossDetector *loss = m_runtime->lossDetector();
        if (!loss)
            return error(QHttpServerResponse::StatusCode::NotFound,
                QStringLiteral("the loss detector is off (--loss-detector, or an endpoint with a policy other than ack)"));
        return json(QJsonObject { { QStringLiteral("lost"), lostEventsToJson(loss->lost()) },
            { QStringLiteral("loss"), labToJson(m_runtime->status()).value(QLatin1String("loss")) } });
    }
    if (path == QLatin1String("/metrics")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        return QHttpServerResponse("text/plain; version=0.0.4; charset=utf-8", statusToPrometheus(m_runtime->status()));
    }
    if (path == QLatin1String("/api/outage")) {
        if (method == Method::Get)
            return json(outageJson());
        if (method == Method::Put || method == Method::Post)
            return putOutage(request);
        return methodNotAllowed("GET, PUT");
    }
    if (path == QLatin1String("/api/nats/stop") || path == QLatin1String("/api/nats/start")) {
        if (method != Method::Post)
            return methodNotAllowed("POST");
        return natsControl(path.endsWith(QLatin1String("start")));
    }
    if (path == QLatin1String("/api/failed")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        return listFailed(request);
    }
    if (path == QLatin1String("/api/failed/export")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        return exportFailed(request);
    }
    if (path == QLatin1String("/api/failed/replay"))
        return methodNotAllowed("POST");
    if (path.startsWith(QLatin1String("/api/failed/"))) {
        const QString id = path.mid(int(qstrlen("/api/failed/")));
        if (method == Method::Delete)
            return discardFailed(id);
        if (method == Method::Get) {
            bool ok = false;
            const auto event = m_runtime->failedEvents()->find(id.toLongLong(&ok));
            if (!ok || !event)
                return error(QHttpServerResponse::StatusCode::NotFound, QStringLiteral("no failed event %1").arg(id));
            return json(failedEventToJson(*event));
        }
        return methodNotAllowed("GET, DELETE");
    }
    if (path == QLatin1String("/ready")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        const QStringList problems = m_runtime->status().notReady();
        if (problems.isEmpty())
            return QHttpServerResponse("text/plain", "ready\n");
        QHttpServerResponse response("text/plain", "not ready: " + problems.join(QStringLiteral("; ")).toUtf8() + '\n',
            QHttpServerResponse::StatusCode::ServiceUnavailable);
        response.setHeader("Retry-After", "1");
        return response;
    }
    if (path == QLatin1String("/health")) {
        if (method != Method::Get)
            return methodNotAllowed("GET");
        return QHttpServerResponse("text/plain", "OK\n");
    }
    return error(QHttpServerResponse::StatusCode::NotFound, QStringLiteral("no admin endpoint at ") + path);
}

QHttpServerResponse AdminServer::putOutage(const QHttpServerRequest &request)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body(), &parseError);
    if (!document.isObject())
        return error(QHttpServerResponse::StatusCode::BadRequest,
            QStringLiteral("expected a JSON object such as {\"mode\":\"down\"}: %1").arg(parseError.errorString()));
    const QJsonObject body = document.object();
    if (body.value(QLatin1String("mode")).toString() == QLatin1String(Runtime::PowerCutMode)) {
        // Not a state of the fault proxy but an event: the power goes off and comes back at once.
        if (const QString why = m_runtime->powerCutRefusal(); !why.isEmpty())
            return error(QHttpServerResponse::StatusCode::Conflict, why);
        if (QString why; !m_runtime->powerCut(&why))
            return error(QHttpServerResponse::StatusCode::InternalServerError, QStringLiteral("power cut: ") + why);
        return json(outageJson());
    }
    if (!m_runtime->config().faultProxyEnabled)
        return error(QHttpServerResponse::StatusCode::Conflict,
            QStringLiteral("ackhook runs with --no-fault-proxy: outages cannot be simulated"));
    OutageSettings settings = m_runtime->faultProxy()->settings();
    if (body.contains(QLatin1String("mode"))) {
        const auto mode = OutageSettings::modeFromName(body.value(QLatin1String("mode")).toString());
        if (!mode)
            return error(QHttpServerResponse::StatusCode::BadRequest,
                QStringLiteral("unknown mode '%1'; one of: %2, %3")
                    .arg(body.value(QLatin1String("mode")).toVariant().toString(),
                        OutageSettings::modeNames().join(QStringLiteral(", ")), QLatin1String(Runtime::PowerCutMode)));
        settings.mode = *mode;
    } else {
        return error(QHttpServerResponse::StatusCode::BadRequest, QStringLiteral("\"mode\" is required"));
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
            return error(QHttpServerResponse::StatusCode::BadRequest,
                QStringLiteral("%1 must be an integer from %2 to %3")
                    .arg(QLatin1String(field.name))
                    .arg(field.min)
                    .arg(field.max));
        *field.value = static_cast<int>(number);
    }
    if (QString why; !m_runtime->faultProxy()->setSettings(settings, &why))
        return error(QHttpServerResponse::StatusCode::Conflict, why);
    return json(outageJson());
}

QHttpServerResponse AdminServer::listFailed(const QHttpServerRequest &request)
{
    const QUrlQuery query(request.url());
    std::optional<FailedEvent::State> state;
    if (query.hasQueryItem(QStringLiteral("state"))) {
        state = FailedEvent::stateFromName(query.queryItemValue(QStringLiteral("state")));
        if (!state)
            return error(QHttpServerResponse::StatusCode::BadRequest,
                QStringLiteral("state must be pending, replayed or discarded"));
    }
    int limit = 100;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = query.queryItemValue(QStringLiteral("limit")).toInt(&ok);
        if (!ok || limit < 1 || limit > 10000)
            return error(QHttpServerResponse::StatusCode::BadRequest, QStringLiteral("limit must be from 1 to 10000"));
    }
    QJsonArray events;
    for (const FailedEvent &event : m_runtime->failedEvents()->list(state, limit))
        events.append(failedEventToJson(event));
    return json({ { QStringLiteral("events"), events },
        { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } });
}

QHttpServerResponse AdminServer::exportFailed(const QHttpServerRequest &request)
{
    const QUrlQuery query(request.url());
    std::optional<FailedEvent::State> state = FailedEvent::State::Pending;
    if (query.hasQueryItem(QStringLiteral("state"))) {
        const QString value = query.queryItemValue(QStringLiteral("state"));
        state = value == QLatin1String("all") ? std::nullopt : FailedEvent::stateFromName(value);
        if (!state && value != QLatin1String("all"))
            return error(QHttpServerResponse::StatusCode::BadRequest,
                QStringLiteral("state must be pending, replayed, discarded or all"));
    }
    const QString format = query.queryItemValue(QStringLiteral("format"));
    if (format.isEmpty() || format == QLatin1String("jsonl"))
        return QHttpServerResponse("application/x-ndjson", m_runtime->failedEvents()->exportJsonLines(state));
    if (format == QLatin1String("curl")) {
        const QString url = query.hasQueryItem(QStringLiteral("url"))
            ? query.queryItemValue(QStringLiteral("url"), QUrl::FullyDecoded)
            : m_runtime->webhookBaseUrl(); // each event names its own path
        return QHttpServerResponse("text/x-shellscript", m_runtime->failedEvents()->exportCurlScript(url, state));
    }
    return error(QHttpServerResponse::StatusCode::BadRequest, QStringLiteral("format must be jsonl or curl"));
}

QHttpServerResponse AdminServer::discardFailed(const QString &idText)
{
    bool ok = false;
    const qint64 id = idText.toLongLong(&ok);
    if (!ok || !m_runtime->failedEvents()->discard(id))
        return error(
            QHttpServerResponse::StatusCode::NotFound, QStringLiteral("no pending failed event %1").arg(idText));
    return json({ { QStringLiteral("id"), id }, { QStringLiteral("state"), QStringLiteral("discarded") },
        { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } });
}

void AdminServer::replayFailed(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body());
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
        error(QHttpServerResponse::StatusCode::BadRequest,
            QStringLiteral("expected {\"ids\":[1,2,…]} (1 to 10000 ids) or {\"all\":true}"))
            .write(std::move(responder));
        return;
    }
    // Deferred answer. Qt 6.4 crashes writing to a responder whose client has gone: keep a guard
    // on the socket, taken before the responder moves, and write only while it lives.
    QPointer<QTcpSocket> socket(responder.socket());
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    auto done = [this, socket, pending](const QList<ReplayOutcome> &outcomes) {
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
        if (!socket)
            return; // the client left; the outcomes are recorded in the store all the same
        json({ { QStringLiteral("results"), results }, { QStringLiteral("replayed"), replayed },
                 { QStringLiteral("failed"), failed },
                 { QStringLiteral("stats"), failedQueueToJson(m_runtime->failedEvents()->stats()) } })
            .write(std::move(*pending));
    };
    if (all)
        m_runtime->replayer()->replayAllPending(done);
    else
        m_runtime->replayer()->replay(ids, done);
}

QHttpServerResponse AdminServer::natsControl(bool start)
{
    QString message;
    const bool ok = start ? m_runtime->startEmbeddedNats(&message) : m_runtime->stopEmbeddedNats(&message);
    if (!ok)
        return error(m_runtime->isEmbedded() ? QHttpServerResponse::StatusCode::InternalServerError
                                             : QHttpServerResponse::StatusCode::Conflict,
            message);
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

QHttpServerResponse AdminServer::endpointDispatch(const QHttpServerRequest &request, const QString &which)
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
        return error(QHttpServerResponse::StatusCode::NotFound,
            QStringLiteral("no endpoint '%1': give its path without the leading slash "
                           "(/api/endpoints/webhook/dispatch) or its number from 0 (GET /api/endpoints)")
                .arg(which));
    const QByteArray endpointPath = endpoints.at(index).path;
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
            return error(QHttpServerResponse::StatusCode::InternalServerError, message);
        QJsonObject object = describe();
        if (!saveError.isEmpty())
            object.insert(QStringLiteral("save_error"), saveError);
        return json(object);
    };

    const Method method = request.method();
    if (method == Method::Get)
        return json(describe());
    if (method == Method::Delete) {
        const auto configured = switches ? switches->configured(endpointPath) : std::nullopt;
        if (!configured)
            return error(QHttpServerResponse::StatusCode::Conflict,
                QStringLiteral("%1 has no configured policy to go back to").arg(QString::fromUtf8(endpointPath)));
        return apply(*configured);
    }
    if (method != Method::Post && method != Method::Put)
        return methodNotAllowed("GET, POST, DELETE");

    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body(), &parseError);
    const QJsonValue name = document.object().value(QLatin1String("dispatch"));
    if (!document.isObject() || !name.isString())
        return error(QHttpServerResponse::StatusCode::BadRequest,
            QStringLiteral("expected a JSON object such as {\"dispatch\":\"spool\"} (one of: %1)")
                .arg(dispatchPolicyNames().join(QStringLiteral(", "))));
    const auto policy = dispatchPolicyFromName(name.toString());
    if (!policy)
        return error(QHttpServerResponse::StatusCode::BadRequest,
            QStringLiteral("'%1' is not a dispatch policy; one of: %2")
                .arg(name.toString(), dispatchPolicyNames().join(QStringLiteral(", "))));
    // The pre-fix bug, on purpose: only when asked for twice.
    if (*policy == DispatchPolicy::FireAndForget && document.object().value(QLatin1String("confirm")) != QJsonValue(true))
        return error(QHttpServerResponse::StatusCode::BadRequest,
            QStringLiteral("fire-and-forget answers 200 BEFORE the event is stored and loses events during an outage "
                           "(a demonstration of the bug); to switch %1 to it anyway, send "
                           "{\"dispatch\":\"fire-and-forget\",\"confirm\":true}")
                .arg(QString::fromUtf8(endpointPath)));
    return apply(*policy);
}
