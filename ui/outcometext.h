// OutcomeText: the words the monitor uses for what became of a request, in one place, so the
// request table, the failed-event queue, the detail timeline and the header say the same thing.
#pragma once

#include "nats/natsbus.h"
#include "store/failedevent.h"

#include <QString>

namespace OutcomeText {

// What became of a failed request's queue entry.
struct Queued {
    qint64 failedId = 0;
    FailedEvent::State state = FailedEvent::State::Pending;
    quint64 replaySeq = 0;
    bool replayDuplicate = false; // the replay found it in the stream already: it was stored anyway
    // A 500 whose event JetStream stored after all (the PubAck was lost, the message was not).
    bool storedAnyway() const { return state == FailedEvent::State::Replayed && replayDuplicate; }
    bool operator==(const Queued &) const = default;
};
Queued queued(const FailedEvent &event);

// "200 OK", "202 Accepted" (spool: taken without a PubAck), "400 rejected", "500 failed".
QString answered(int status);
// "stored anyway (seq 5): the sender's retry will be a duplicate"
QString storedAnyway(quint64 seq);
// The request row's status: "500 · stored anyway (seq 5): …", "500 → recovered (stream seq 5)",
// "500 → discarded (#3)", "500 failed · queued #3".
QString failedRequest(int status, const Queued &queued);
// The failed-event queue's state cell: "pending", "replayed (seq 5)", "stored anyway (seq 5): …".
QString queueState(const Queued &queued);
// The detail timeline's tail: "→ kept as failed event #3 → stored anyway (seq 5): …".
QString timelineNote(const Queued &queued);
// The Duplicate column: "duplicate" for a duplicate 200 and for a 500 stored anyway; else empty.
QString duplicate(bool duplicate, bool storedAnyway);
// The header's RTT: the last value, or "no PONG for N s" once it is older than two ping intervals.
QString rtt(const NatsBus::Status &bus, qint64 nowMs);

} // namespace OutcomeText
