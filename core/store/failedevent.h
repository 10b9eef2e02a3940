// FailedEvent: one webhook ackhook answered 500 for, as kept in the failed-event queue.
#pragma once

#include "http/headers.h"
#include "nats/outgoingevent.h"

#include <QMetaType>
#include <QString>

struct FailedEvent {
    enum class State { Pending, Replayed, Discarded };

    qint64 id = 0;
    qint64 receivedMs = 0;
    QByteArray endpoint; // path, e.g. /webhook
    QByteArray target; // path and query as received; empty in records from before it was kept
    QByteArray subject;
    QByteArray method;
    HeaderList headers; // as received, secrets masked
    QByteArray body; // verbatim
    qint64 bodyBytes = 0; // size of the whole body (as read from the store; body may be cut)
    QByteArray key; // the caller's idempotency key (or the generated one)
    // The Nats-Msg-Id and NATS headers first published: a replay publishes them again unchanged, so
    // JetStream deduplicates and a consumer sees the same message. Empty in records from before
    // they were kept: key, and the headers rebuilt from the request's, as published then.
    QByteArray msgId;
    HeaderList published;
    bool keyGenerated = false;
    QString reason; // failure reason name of the last attempt
    QString detail;
    int attempts = 1;
    qint64 lastAttemptMs = 0;
    State state = State::Pending;
    quint64 replaySeq = 0;
    bool replayDuplicate = false;

    // The lab's scenario runner sends its traffic with idempotency keys starting with this: its
    // failed events are lab events, discardable apart from real senders' (FailedEventStore::discardLab).
    static constexpr char LabKeyPrefix[] = "scenario-";
    bool isLab() const { return key.startsWith(LabKeyPrefix) && !keyGenerated; }

    static QString stateName(State state);
    static std::optional<State> stateFromName(QStringView name);
    // The NATS message a replay publishes: same subject, Nats-Msg-Id, body and published headers.
    OutgoingEvent toOutgoingEvent() const;
    // Where a resend goes on the same gateway: the target as received (path and query), else the path.
    QByteArray resendTarget() const { return target.isEmpty() ? endpoint : target; }
};

Q_DECLARE_METATYPE(FailedEvent)
