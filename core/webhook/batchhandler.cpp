// WebhookServer's CloudEvents batch: each event is its own structured-mode message, published on its
// own; the caller gets one answer when every event is resolved.
#include "dispatch/answer.h"
#include "webhook/cloudeventbatch.h"
#include "webhook/eventheaders.h"
#include "webhook/webhookserver.h"

#include <QDateTime>

#include <memory>
#include <optional>

void WebhookServer::handleBatch(qsizetype index, HttpRequest &&request, const HttpResponder &responder)
{
    const Endpoint &endpoint = m_options.endpoints.at(index);
    CloudEventBatch batch = CloudEventBatch::parse(request.body);
    if (!batch.error.isEmpty()) {
        RequestRecord record;
        record.reason = batch.error;
        answerEndpoint(index, request, responder, HttpResponse::error(400, batch.error), std::move(record));
        return;
    }

    // The answer waits for every outcome.
    struct Pending {
        HttpRequest request;
        HttpResponder responder;
        QList<std::optional<PublishResult>> results;
        QList<CloudEventBatch::Event> events;
        QList<OutgoingEvent> published;
        qsizetype outstanding = 0;
    };
    auto pending = std::make_shared<Pending>();
    pending->responder = responder;
    pending->results.resize(batch.events.size());
    pending->outstanding = batch.events.size();
    const qint64 receivedMs = QDateTime::currentMSecsSinceEpoch() - request.received.elapsed();
    HeaderList eventRequestHeaders;
    for (const auto &header : std::as_const(request.headers)) {
        if (header.first.compare("content-type", Qt::CaseInsensitive) != 0)
            eventRequestHeaders.append(header);
    }
    eventRequestHeaders.append({ QByteArray("Content-Type"), QByteArray("application/cloudevents+json") });

    QList<OutgoingEvent> outgoing;
    for (const CloudEventBatch::Event &batchEvent : std::as_const(batch.events)) {
        OutgoingEvent event;
        event.subject = endpoint.subjectFor(batchEvent.type);
        event.msgId = IdempotencyKey::scopedTo(endpoint.path, batchEvent.key, true);
        event.body = batchEvent.json;
        // Structured: the event's attributes are in its JSON; the request's ce-* headers are not its own.
        event.headers = EventHeaders::build(
            endpoint, { eventRequestHeaders, request.target, request.peer, receivedMs, batchEvent.type, true });
        if (const auto tooLarge = overNatsMaxPayload(event)) {
            // One event NATS cannot take refuses the batch before any of it is published.
            RequestRecord refused;
            refused.reason = QStringLiteral("too_large");
            answerEndpoint(index, request, responder, *tooLarge, std::move(refused));
            return;
        }
        outgoing.append(std::move(event));
    }
    pending->published = outgoing;
    pending->events = std::move(batch.events);
    pending->request = std::move(request);
    pending->request.headers = eventRequestHeaders; // what a failed event is recorded with

    const DispatchPolicy policy = endpoint.dispatch.value_or(DispatchPolicy::Ack);
    const auto finish = [this, index, pending, policy, receivedMs] {
        HttpRequest &request = pending->request;
        QList<BatchItem> items;
        items.reserve(pending->results.size());
        for (qsizetype i = 0; i < pending->results.size(); ++i) {
            const PublishResult &result = *pending->results.at(i);
            const CloudEventBatch::Event &event = pending->events.at(i);
            const int status = answerStatus(policy, result);
            // Each event of a batch is kept and reconciled on its own, with the answer its item gave.
            IdempotencyKey key;
            key.value = event.key;
            key.origin = "cloudevent";
            tellObserver(index, policy, status, request, event.json, pending->published.at(i), key, result, receivedMs);
            items.append({ QString::fromLatin1(event.key), result });
        }
        RequestRecord record;
        record.resolvedUs = request.received.nsecsElapsed() / 1000;
        record.key = QStringLiteral("batch of %1").arg(pending->results.size());
        const HttpResponse response = batchAnswer(policy, items, m_options.retryAfterSeconds, &record);
        answerEndpoint(index, request, pending->responder, response, std::move(record));
    };

    for (qsizetype i = 0; i < outgoing.size(); ++i) {
        m_intake->submit(
            policy, outgoing.at(i), receivedMs, [this, index, pending, i, finish](const PublishResult &result) {
                m_endpointCounters.countDispatch(index, result, pending->request.received.nsecsElapsed() / 1000);
                pending->results[i] = result;
                if (--pending->outstanding == 0)
                    finish();
            });
    }
}
