// AnswerObserver: what the webhook server tells about each dispatched event once it is answered.
#pragma once

#include "dispatch/dispatchpolicy.h"
#include "store/failedevent.h"

#include <QByteArray>

// Called on the server thread, for every event the webhook server dispatched (one per event of a
// CloudEvents batch), after its answer is decided and before it is sent; implementations must not
// block. The webhook server decides what happened and describes it; what is kept of it (the failed
// queue, the loss detector) is the observer's business, wired at the top (core/answerrecorder).
class AnswerObserver {
public:
    struct Answered {
        DispatchPolicy policy = DispatchPolicy::Ack;
        int status = 0; // what the caller was told for this event
        QByteArray endpoint; // its path
        QByteArray key; // the caller's key
        QByteArray msgId; // the Nats-Msg-Id it was published with
        qint64 receivedMs = 0;
        QByteArray body;
    };

    virtual ~AnswerObserver() = default;
    virtual void answered(const Answered &answer) = 0;
    // A 500: the event as a replay must publish it again (called before answered()).
    virtual void failed(FailedEvent event) = 0;
};
