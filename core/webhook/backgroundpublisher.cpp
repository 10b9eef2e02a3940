// BackgroundPublisher: retries in the background until the give-up time, then drops with a warning.
#include "webhook/backgroundpublisher.h"
#include "dispatch/dispatcher.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcFireAndForget, "ackhook.fire-and-forget")

BackgroundPublisher::BackgroundPublisher(Dispatcher *dispatcher, Options options, QObject *parent)
    : QObject(parent)
    , m_dispatcher(dispatcher)
    , m_options(options)
{
    m_retryTimer.setInterval(m_options.retryInterval);
    connect(&m_retryTimer, &QTimer::timeout, this, &BackgroundPublisher::retryDue);
}

void BackgroundPublisher::publish(const OutgoingEvent &event)
{
    attempt({ event, Clock::now() + m_options.retryFor });
}

void BackgroundPublisher::attempt(Attempt attempt)
{
    m_dispatcher->dispatch(attempt.event, [this, attempt](const PublishResult &result) mutable {
        if (result.acked) {
            ++m_published;
            return;
        }
        if (Clock::now() >= attempt.giveUpAt || result.reason == FailureReason::ShuttingDown
            || static_cast<int>(m_waiting.size()) >= m_options.maxWaiting) {
            ++m_dropped;
            qCWarning(lcFireAndForget).noquote()
                << "DROPPED event" << attempt.event.msgId << "on" << attempt.event.subject
                << "after it was answered 200 (fire-and-forget):" << failureReasonName(result.reason) << result.detail;
            return;
        }
        m_waiting.push_back(std::move(attempt));
        m_waitingCount.store(static_cast<int>(m_waiting.size()));
        if (!m_retryTimer.isActive())
            m_retryTimer.start();
    });
}

void BackgroundPublisher::retryDue()
{
    std::deque<Attempt> due;
    due.swap(m_waiting);
    m_waitingCount.store(0);
    m_retries += due.size();
    for (Attempt &a : due)
        attempt(std::move(a));
    if (m_waiting.empty())
        m_retryTimer.stop();
}

BackgroundPublisher::Figures BackgroundPublisher::figures() const
{
    return { m_published.load(), m_dropped.load(), m_retries.load(), m_waitingCount.load() };
}
