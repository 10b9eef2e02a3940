// EventIntake: the one place where an endpoint's dispatch policy decides what happens to an event
// and when its caller is answered: ack (Dispatcher, after the PubAck), fire-and-forget
// (BackgroundPublisher, at once) or spool (Spool, after the local commit; SpoolForwarder later).
#pragma once

#include "dispatch/dispatchpolicy.h"
#include "nats/outgoingevent.h"
#include "nats/publishresult.h"
#include "webhook/backgroundpublisher.h"

#include <QObject>

#include <functional>

class Dispatcher;
class Spool;

class EventIntake : public QObject {
    Q_OBJECT
public:
    // Called exactly once on this thread. A result with reason None and acked false means "taken
    // without a PubAck": fire-and-forget's 200, spool's 202.
    using Completion = std::function<void(const PublishResult &result)>;

    EventIntake(Dispatcher *dispatcher, BackgroundPublisher::Options background, QObject *parent = nullptr);

    void setSpool(Spool *spool) { m_spool = spool; } // null: the spool policy answers 500 spool_error
    void submit(DispatchPolicy policy, const OutgoingEvent &event, qint64 receivedMs, Completion done);

    BackgroundPublisher::Figures fireAndForget() const { return m_background.figures(); } // any thread

private:
    Dispatcher *m_dispatcher;
    BackgroundPublisher m_background;
    Spool *m_spool = nullptr;
};
