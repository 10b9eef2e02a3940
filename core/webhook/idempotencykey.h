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

    // A CloudEvent's key: its source with '%' and ' ' percent-encoded, a space, its id. The source
    // holds no space once encoded, so the first space splits the pair: ("/x y", "z") and
    // ("/x", "y z") are different keys.
    static QByteArray cloudEventKey(QByteArrayView source, QByteArrayView id);

    // The Nats-Msg-Id published for a key on an endpoint: "<path> <key>", or "<path>#ce <key>" for
    // a CloudEvent's. JetStream deduplicates across the whole stream, so the key is scoped to its
    // endpoint: a caller of one endpoint can never make another endpoint's event a "duplicate", and
    // an Idempotency-Key can never pose as a CloudEvent's source and id. A path holds neither a space
    // nor '#', so the first space ends the scope.
    static QByteArray scopedTo(QByteArrayView endpointPath, QByteArrayView key, bool cloudEvent);
    QByteArray msgIdOn(QByteArrayView endpointPath) const
    {
        return scopedTo(endpointPath, value, origin == "cloudevent");
    }
};
