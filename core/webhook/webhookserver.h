// WebhookServer: the webhook routes (endpoints, /health) on an HttpListener, wired to the Dispatcher.
#pragma once

#include "http/httplistener.h"
#include "nats/publishresult.h"
#include "webhook/endpoint.h"
#include "webhook/endpointcounters.h"
#include "webhook/eventintake.h"
#include "webhook/handshake.h"
#include "webhook/idempotencykey.h"
#include "webhook/requestrecord.h"
#include "webhook/webhookauth.h"

#include <QHostAddress>
#include <QObject>

#include <optional>

class Dispatcher;
class NatsBus;
class FailedEventStore;
class FaultProxy;
class LossDetector;
class RequestLog;

// The Runtime's parts a WebhookServer reports to, from its own thread: wiring, not configuration.
// Both are thread-safe and outlive the server; either may be null (tests).
struct ServerLinks {
    const FaultProxy *faultProxy = nullptr; // read to label records with the simulated outage
    FailedEventStore *failedEvents = nullptr; // record() never blocks
    const NatsBus *bus = nullptr; // status() for GET /ready, maxPayload() for the 413 (the Gateway sets it)
    QString stream; // named in /ready's reasons
    LossDetector *lossDetector = nullptr; // note() never blocks: each answer to a dispatched event
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
    EventIntake *intake() const { return m_intake; } // the dispatch policies
    RefusalCounts refusals() const { return m_listener->refusals(); } // safe from any thread
    // Server thread. Requests from now on use the new policy; those in flight keep theirs.
    void setDispatchPolicy(qsizetype endpoint, DispatchPolicy policy);
    void setLossDetector(LossDetector *detector) { m_links.lossDetector = detector; } // server thread
    // Stop accepting connections and close every connection that has no answer pending.
    void stopListening();

private:
    void handle(HttpRequest &&request, const HttpResponder &responder);
    // GET /health and /ready: answered, never counted or shown as webhook traffic.
    bool answerProbe(const HttpRequest &request, const HttpResponder &responder);
    void handleWebhook(qsizetype index, HttpRequest &&request, const HttpResponder &responder);
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
    // Queues a 500'd event with exactly what was published (subject, Nats-Msg-Id, NATS headers).
    void recordFailure(qsizetype index, const HttpRequest &request, const OutgoingEvent &published,
        const IdempotencyKey &key, const PublishResult &result);

    Dispatcher *m_dispatcher;
    RequestLog *m_log;
    Options m_options;
    ServerLinks m_links;
    HttpListener *m_listener;
    EventIntake *m_intake;
    Handshakes m_handshakes; // providers' handshakes: answered, never published; a signed one replayed gets 401
    EndpointCounters m_endpointCounters;
    quint64 m_lastRequestId = 0;
};
