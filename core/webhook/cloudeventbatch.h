// CloudEventBatch: the events of an application/cloudevents-batch+json body (CloudEvents JSON format, batch mode).
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

struct CloudEventBatch {
    struct Event {
        QByteArray json; // the event alone, compact: the body of its own structured-mode message
        QByteArray key; // source + ' ' + id, as for a single CloudEvent
        QByteArray type;
    };
    QList<Event> events;
    QString error; // non-empty: malformed or empty batch (answer 400, nothing is published)

    static constexpr qsizetype MaxEvents = 1000;

    static bool isBatch(const HeaderList &headers);
    static CloudEventBatch parse(const QByteArray &body);
};
