// EventIntake: the dispatch policies, side by side.
#include "webhook/eventintake.h"
#include "dispatch/dispatcher.h"
#include "spool/spool.h"

EventIntake::EventIntake(Dispatcher *dispatcher, BackgroundPublisher::Options background, QObject *parent)
    : QObject(parent)
    , m_dispatcher(dispatcher)
    , m_background(dispatcher, background, this)
{
}

void EventIntake::submit(DispatchPolicy policy, const OutgoingEvent &event, qint64 receivedMs, Completion done)
{
    switch (policy) {
    case DispatchPolicy::Ack:
        m_dispatcher->dispatch(event, std::move(done));
        return;
    case DispatchPolicy::FireAndForget:
        // The bug on purpose: the caller hears "OK" before anything is stored.
        done(PublishResult::takenWithoutAck(QStringLiteral("answered before publishing")));
        m_background.publish(event);
        return;
    case DispatchPolicy::Spool:
        if (!m_spool) {
            done(PublishResult::failure(FailureReason::SpoolError, QStringLiteral("no spool is open")));
            return;
        }
        m_spool->append({ 0, receivedMs, event }, [done = std::move(done)](const Spool::Appended &appended) {
            switch (appended.outcome) {
            case SpoolDatabase::Outcome::Committed:
                done(PublishResult::takenWithoutAck(QStringLiteral("spooled as %1").arg(appended.id)));
                break;
            case SpoolDatabase::Outcome::Full:
                done(PublishResult::failure(FailureReason::SpoolFull, QStringLiteral("the spool is full")));
                break;
            case SpoolDatabase::Outcome::Error:
                done(PublishResult::failure(
                    FailureReason::SpoolError, QStringLiteral("cannot write to the spool: ") + appended.error));
                break;
            }
        });
        return;
    }
}
