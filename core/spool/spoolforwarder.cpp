// SpoolForwarder: strictly one publish at a time, so the stream stores spooled events in their
// arrival order even across an outage (a pipelined window could reorder around a failure).
#include "spool/spoolforwarder.h"
#include "dispatch/dispatcher.h"
#include "spool/spool.h"

#include <QLoggingCategory>
#include <QPointer>

Q_DECLARE_LOGGING_CATEGORY(lcSpool)

SpoolForwarder::SpoolForwarder(
    Spool *spool, Dispatcher *dispatcher, std::chrono::milliseconds retryInterval, QObject *parent)
    : QObject(parent)
    , m_spool(spool)
    , m_dispatcher(dispatcher)
{
    m_retryTimer.setSingleShot(true);
    m_retryTimer.setInterval(retryInterval);
    connect(&m_retryTimer, &QTimer::timeout, this, &SpoolForwarder::kick);
    m_deleteTimer.setSingleShot(true);
    m_deleteTimer.setInterval(20);
    connect(&m_deleteTimer, &QTimer::timeout, this, &SpoolForwarder::flushDeletes);
    connect(m_spool, &Spool::committed, this, &SpoolForwarder::kick);
}

void SpoolForwarder::start()
{
    m_running = true;
    kick();
}

void SpoolForwarder::stop()
{
    m_running = false;
    m_retryTimer.stop();
    flushDeletes();
}

void SpoolForwarder::kick()
{
    if (!m_running || m_publishing || m_fetching || m_retryTimer.isActive())
        return;
    if (!m_batch.empty()) {
        publishFront();
        return;
    }
    m_fetching = true;
    m_spool->fetch(m_lastFetched, FetchSize, [self = QPointer(this)](std::vector<SpooledEvent> events) {
        if (self)
            self->takeFetched(std::move(events));
    });
}

void SpoolForwarder::takeFetched(std::vector<SpooledEvent> events)
{
    {
        m_fetching = false;
        for (SpooledEvent &event : events) {
            m_lastFetched = std::max(m_lastFetched, event.id);
            m_batch.push_back(std::move(event));
        }
        if (!m_batch.empty())
            kick();
    }
}

void SpoolForwarder::publishFront()
{
    m_publishing = true;
    m_dispatcher->dispatch(m_batch.front().event, [this](const PublishResult &result) {
        m_publishing = false;
        if (!result.acked) {
            m_spool->countForwardFailure();
            qCDebug(lcSpool).noquote() << "forwarding spooled event" << m_batch.front().id
                                       << "failed:" << failureReasonName(result.reason) << "- trying again";
            if (m_running)
                m_retryTimer.start();
            return;
        }
        const SpooledEvent event = std::move(m_batch.front());
        m_batch.pop_front();
        m_acked.push_back(event.id);
        if (result.duplicate)
            ++m_ackedDuplicates;
        if (m_observer)
            m_observer(event, result.duplicate);
        if (m_acked.size() >= DeleteBatch)
            flushDeletes();
        else if (!m_deleteTimer.isActive())
            m_deleteTimer.start();
        kick();
    });
}

void SpoolForwarder::flushDeletes()
{
    m_deleteTimer.stop();
    if (m_acked.empty())
        return;
    m_spool->remove(std::move(m_acked), m_ackedDuplicates);
    m_acked.clear();
    m_ackedDuplicates = 0;
}
