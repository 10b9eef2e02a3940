// WebhookServer: the webhook routes (endpoints, /health) on an HttpListener, wired to the Dispatcher.
#pragma once

#include "http/httplistener.h"
#include "nats/publishresult.h"
#include "webhook/endpoint.h"
#include "webhook/endpointcounters.h"
#include "webhook/answerobserver.h"
#include "webhook/eventintake.h"
#include "webhook/handshake.h"
#include "webhook/idempotencykey.h"
#include "webhook/requestrecord.h"
#include "webhook/webhookauth.h"

#include <QHostAddress>
#include <QObject>

#include <functional>
#include <optional>

class Dispatcher;
class NatsBus;
class FaultProxy;
class RequestLog;
class SnsClient;
struct FailedQueueStats;

// The Runtime's parts a WebhookServer reads and reports to, from its own thread: wiring, not
// configuration. Each is thread-safe and outlives the server; any may be null or empty (tests).
struct ServerLinks {
    const FaultProxy *faultProxy = nullptr; // read to label records with the simulated outage
    AnswerObserver *observer = nullptr; // told every dispatched event's answer; never blocks
    std::function<FailedQueueStats()> failedQueueStats; // for /ready: whether 500s are still kept
    const NatsBus *bus = nullptr; // status() for GET /ready, maxPayload() for the 413 (the Gateway sets it)
    QString stream; // named in /ready's reasons
};

class WebhookServer : public QObject {
    Q_OBJECT
public:
    struct Options {
        QHostAddress address = QHostAddress::LocalHost;
        quint16 port = 12000;
        QList<Endpoint> endpoints { { "/webhook", "ackhook.webhook" } };
        QList<QByteArray> keyHeaders = IdempotencyKey::defaultHeaderNames();
        WebhookAuth auth; // checked on every POST before anything else (401)
        HttpListener::Options http;
        int retryAfterSeconds = 1;
        BackgroundPublisher::Options fireAndForget; // the fire-and-forget policy's background retry
    };

    WebhookServer(
        Dispatcher *dispatcher, RequestLog *log, Options options, ServerLinks links = {}, QObject *parent = nullptr);

    bool listen(QString *error);
    quint16 port() const;
    QHostAddress address() const;
    const Options &options() const { return m_options; }
    const EndpointCounters &endpointCounters() const { return m_endpointCounters; } // safe from any thread
    EndpointCounters &endpointCounters() { return m_endpointCounters; }
    EventIntake *intake() const { return m_intake; } // the dispatch policies
    RefusalCounts refusals() const { return m_listener->refusals(); } // safe from any thread
    // Server thread. Requests from now on use the new policy; those in flight keep theirs.
    void setDispatchPolicy(qsizetype endpoint, DispatchPolicy policy);
    // Stop accepting connections and close every connection that has no answer pending.
    void stopListening();

private:
    void handle(HttpRequest &&request, const HttpResponder &responder);
    // GET /health and /ready: answered, never counted or shown as webhook traffic.
    bool answerProbe(const HttpRequest &request, const HttpResponder &responder);
    void handleWebhook(qsizetype index, HttpRequest &&request, const HttpResponder &responder);
    // An aws-sns endpoint's request: true when its SNS signature verified. Else it was answered (401,
    // 503), or it waits for its signing certificate and goes through handleWebhook again (request
    // moved). webhook/snsverify.cpp.
    bool snsVerified(qsizetype index, HttpRequest &request, const HttpResponder &responder);
    // A CloudEvents batch (webhook/batchhandler.cpp): one dispatch per event, one answer for all.
    void handleBatch(qsizetype index, HttpRequest &&request, const HttpResponder &responder);
    // 413 for an event NATS must refuse; empty while it fits or the server's max_payload is unknown.
    std::optional<HttpResponse> overNatsMaxPayload(const OutgoingEvent &event) const;
    // A provider's handshake: answered and counted for the endpoint, never published.
    void answerHandshake(
        qsizetype index, const HttpRequest &request, const HttpResponder &responder, Handshakes::Answer &&handshake);
    void answerEndpoint(qsizetype index, const HttpRequest &request, const HttpResponder &responder,
        const HttpResponse &response, RequestRecord record);
    // endpoint: masks its own credential headers in what is shown (nullptr: none matched).
    void answer(const HttpRequest &request, const HttpResponder &responder, const HttpResponse &response,
        RequestRecord record, const Endpoint *endpoint = nullptr);
    // Tells the observer about one dispatched event's answer: for a 500 first the event with
    // exactly what was published (subject, Nats-Msg-Id, NATS headers), for a replay. body: the
    // event's own (one of a batch), else the request's.
    void tellObserver(qsizetype index, DispatchPolicy policy, int status, const HttpRequest &request,
        const QByteArray &body, const OutgoingEvent &published, const IdempotencyKey &key, const PublishResult &result,
        qint64 receivedMs);

    Dispatcher *m_dispatcher;
    RequestLog *m_log;
    Options m_options;
    ServerLinks m_links;
    HttpListener *m_listener;
    EventIntake *m_intake;
    Handshakes m_handshakes; // providers' handshakes: answered, never published; a signed one replayed gets 401
    EndpointCounters m_endpointCounters;
    SnsClient *m_sns = nullptr; // SNS signing certificates, fetched and cached (made for the first SNS message)
    quint64 m_lastRequestId = 0;
};
