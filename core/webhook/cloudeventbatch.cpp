// CloudEventBatch: every event is checked before any is published, so a batch is refused whole.
#include "webhook/cloudeventbatch.h"
#include "webhook/cloudevent.h"
#include "webhook/idempotencykey.h"

#include <QJsonArray>
#include <QJsonDocument>

bool CloudEventBatch::isBatch(const HeaderList &headers)
{
    return headerValue(headers, "content-type").trimmed().toLower().startsWith("application/cloudevents-batch+json");
}

CloudEventBatch CloudEventBatch::parse(const QByteArray &body)
{
    CloudEventBatch batch;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (!doc.isArray()) {
        batch.error = parseError.error == QJsonParseError::NoError
            ? QStringLiteral("CloudEvents batch is not a JSON array")
            : QStringLiteral("CloudEvents batch is not JSON: %1").arg(parseError.errorString());
        return batch;
    }
    const QJsonArray array = doc.array();
    if (array.isEmpty()) {
        batch.error = QStringLiteral("CloudEvents batch is empty");
        return batch;
    }
    if (array.size() > MaxEvents) {
        batch.error = QStringLiteral("CloudEvents batch has %1 events, at most %2 are accepted")
                          .arg(array.size())
                          .arg(MaxEvents);
        return batch;
    }
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isObject()) {
            batch.error = QStringLiteral("CloudEvents batch: event %1 is not a JSON object").arg(i);
            batch.events.clear(); // refused whole: none of its events may be published
            return batch;
        }
        Event event;
        event.json = QJsonDocument(array.at(i).toObject()).toJson(QJsonDocument::Compact);
        // The same checks and key as a single structured event.
        const HeaderList structured { { "Content-Type", "application/cloudevents+json" } };
        const IdempotencyKey key = IdempotencyKey::extract(structured, event.json);
        if (!key.isValid()) {
            batch.error = QStringLiteral("CloudEvents batch: event %1: %2").arg(i).arg(key.error);
            batch.events.clear();
            return batch;
        }
        event.key = key.value;
        event.type = CloudEventAttributes::read(structured, event.json).type;
        batch.events.append(std::move(event));
    }
    return batch;
}
