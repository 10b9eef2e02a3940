// IdempotencyKey: picks the key that becomes Nats-Msg-Id from a webhook's headers or CloudEvent.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QList>
#include <QString>

struct IdempotencyKey {
    QByteArray value;
    QByteArray origin; // "cloudevent", the header name it came from, or "generated"
    bool generated = false;
    QString error; // non-empty: the request carried a key that cannot be used (answer 400)

    bool isValid() const { return error.isEmpty(); }

    static constexpr qsizetype MaxLength = 256;

    // The header names tried after the CloudEvent source+id, in order (docs/DESIGN.md §3).
    static QList<QByteArray> defaultHeaderNames();

    // A key taken from elsewhere (a JSON body field): checked like a header's.
    static IdempotencyKey fromValue(QByteArray value, QByteArray origin);

    // headers: as received (names in any case). body is read only for structured CloudEvents.
    static IdempotencyKey extract(
        const HeaderList &headers, const QByteArray &body, const QList<QByteArray> &headerNames = defaultHeaderNames());
};
