// RequestRecord: what the monitor and the headless log know about one answered request.
#pragma once

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QString>

struct RequestRecord {
    qint64 receivedMs = 0; // ms since the epoch, UTC
    QByteArray method;
    QByteArray path;
    int status = 0;
    qint64 latencyUs = 0; // from the complete request to the answer being queued on the socket
    qint64 requestBytes = 0; // body size
    QString key; // idempotency key used as Nats-Msg-Id (empty when not dispatched)
    bool keyGenerated = false; // no key in the request: ackhook made one, retries will not deduplicate
    quint64 seq = 0;
    bool duplicate = false;
    QString reason; // failure reason name, empty on success
    QString remote;
    QString outage; // simulated outage mode when the request was answered; empty when off
};

using RequestRecordBatch = QList<RequestRecord>;

Q_DECLARE_METATYPE(RequestRecord)
Q_DECLARE_METATYPE(RequestRecordBatch)
