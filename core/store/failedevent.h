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
    QByteArray subject;
    QByteArray method;
    HeaderList headers; // as received, secrets masked
    QByteArray body; // verbatim
    qint64 bodyBytes = 0; // size of the whole body (as read from the store; body may be cut)
    QByteArray key; // Nats-Msg-Id: a replay reuses it, so JetStream deduplicates
    bool keyGenerated = false;
    QString reason; // failure reason name of the last attempt
    QString detail;
    int attempts = 1;
    qint64 lastAttemptMs = 0;
    State state = State::Pending;
    quint64 replaySeq = 0;
    bool replayDuplicate = false;

    static QString stateName(State state);
    static std::optional<State> stateFromName(QStringView name);
    // The NATS message a replay publishes: same subject, key, body and published headers.
    OutgoingEvent toOutgoingEvent() const;
};

Q_DECLARE_METATYPE(FailedEvent)
