// RequestRecord: what the monitor and the headless log know about one answered request.
#pragma once

#include "nats/outgoingevent.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

struct RequestRecord {
    // Numbers the webhook requests of one run (0: not a dispatched webhook). A request waiting for
    // its PubAck is reported first with status 0, then again, answered, with the same id.
    quint64 requestId = 0;
    qint64 receivedMs = 0; // ms since the epoch, UTC
    QByteArray method;
    QByteArray path;
    QByteArray target; // path and query, as received
    int status = 0;
    qint64 latencyUs = 0; // from the complete request to the answer being queued on the socket
    qint64 requestBytes = 0; // body size
    QString key; // the caller's idempotency key (empty when not dispatched)
    QByteArray msgId; // the Nats-Msg-Id it was published with: the key scoped to its endpoint
    bool keyGenerated = false; // no key in the request: ackhook made one, retries will not deduplicate
    quint64 seq = 0;
    bool duplicate = false;
    // Refused by the listener before any endpoint saw it (framing, limits, timeouts): bad input,
    // counted with the 4xx even when answered 501 or 505, never as a failed dispatch.
    bool protocolError = false;
    QString reason; // failure reason name, empty on success
    QString remote;
    QString outage; // simulated outage mode when the request was answered; empty when off
    HeaderList headers; // as received, secrets masked
    QByteArray body; // the first MaxBodyBytes of the body (requestBytes is the whole size)
    // Dispatch timeline, in µs after the request was complete; -1 when the step did not happen.
    qint64 publishedUs = -1; // handed to the NATS client
    qint64 resolvedUs = -1; // PubAck, failure or timeout

    // The monitor keeps 10,000 records: bodies are cut for display so the ring stays small.
    static constexpr qsizetype MaxBodyBytes = 16 * 1024;
    bool bodyTruncated() const { return body.size() < requestBytes; }
    bool isWaiting() const { return status == 0 && requestId != 0; }
};

using RequestRecordBatch = QList<RequestRecord>;

Q_DECLARE_METATYPE(RequestRecord)
Q_DECLARE_METATYPE(RequestRecordBatch)
