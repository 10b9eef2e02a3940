// PublishResult: how one dispatch to JetStream ended, and the failure reasons a client can see.
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

enum class FailureReason {
    None,
    Disconnected, // NATS not connected, or the connection dropped before the ack
    Timeout, // no PubAck within the ack timeout
    Nack, // JetStream answered with an error (stream full, wrong expected seq, ...)
    NoStream, // the stream is missing or does not capture the subject (no responders, stream not found, wrong stream)
    Overloaded, // too many dispatches in flight (answered 429)
    ShuttingDown, // ackhook is stopping and takes no new work
    PublishError, // the client library refused the publish
    SpoolFull, // the spool policy's local store is at its bound (answered 503)
    SpoolError, // the spool policy could not commit the event (answered 500)
};

QString failureReasonName(FailureReason reason);
// Every reason but None, in the order of the names table (the failures-by-reason metric lists them all).
QList<FailureReason> failureReasons();

struct PublishResult {
    bool acked = false;
    QString stream;
    quint64 seq = 0;
    bool duplicate = false;
    FailureReason reason = FailureReason::None;
    QString detail; // human readable, for logs and the JSON "error" field

    static PublishResult ack(QString stream, quint64 seq, bool duplicate)
    {
        return { true, std::move(stream), seq, duplicate, FailureReason::None, {} };
    }
    // Taken without a PubAck (fire-and-forget, spool): not acked, and no failure either.
    bool accepted() const { return acked || reason == FailureReason::None; }
    static PublishResult takenWithoutAck(QString detail)
    {
        return { false, {}, 0, false, FailureReason::None, std::move(detail) };
    }
    static PublishResult failure(FailureReason reason, QString detail)
    {
        return { false, {}, 0, false, reason, std::move(detail) };
    }
};

Q_DECLARE_METATYPE(PublishResult)
