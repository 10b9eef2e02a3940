// LossFigures: what the loss detector found, per dispatch policy: one value for the status.
#pragma once

#include "dispatch/dispatchpolicy.h"

#include <QByteArray>
#include <QString>

#include <array>

struct LossCounts {
    quint64 answered2xx = 0;
    quint64 answered5xx = 0;
    quint64 stored = 0; // answered 2xx and found in the stream
    quint64 lostAfter2xx = 0; // answered 2xx, not in the stream after the grace period
    quint64 pending = 0; // answered 2xx, not yet found, grace not over (or still in the spool)
    quint64 storedAfter5xx = 0; // answered 5xx, but in the stream (a PubAck lost on its way back)
    quint64 duplicates = 0; // extra copies of one key in the stream
    quint64 untracked = 0; // answered while tracking was full: counted, never classified
    // Stream time minus the time the request was received, of the events found (ms).
    qint64 delayP50Ms = 0;
    qint64 delayP99Ms = 0;
};

struct LossFigures {
    bool enabled = false;
    std::array<LossCounts, DispatchPolicyCount> policies {};
    qint64 graceMs = 0;
    quint64 messagesRead = 0; // stream messages the detector read
    quint64 readLag = 0; // stream messages not read yet
    int tracked = 0; // answers kept for classification
    bool trackingFull = false; // beyond MaxTracked, answers are only counted (LossCounts::untracked)
    QString error; // why the last read of the stream failed; empty when fine

    const LossCounts &of(DispatchPolicy policy) const { return policies[static_cast<size_t>(policy)]; }
};

// One event answered 2xx that the stream does not hold.
struct LostEvent {
    QString policy;
    QByteArray endpoint;
    QByteArray key;
    int status = 0;
    qint64 receivedMs = 0;
    QByteArray body; // cut to LossDetector::MaxBodyBytes
    QByteArray msgId; // the Nats-Msg-Id it was published with (the key scoped to its endpoint)
};
