// RequestLog: batching of records and exact counters.
#include "webhook/requestlog.h"

#include <algorithm>
#include <vector>

RequestLog::RequestLog(QObject *parent)
    : QObject(parent)
{
    // Armed by the first record of a batch: no wake-up while nothing happens.
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(DefaultFlushIntervalMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &RequestLog::flush);
}

void RequestLog::append(RequestRecord record)
{
    m_requests.fetch_add(1, std::memory_order_relaxed);
    if (record.status >= 200 && record.status < 300)
        m_ok.fetch_add(1, std::memory_order_relaxed);
    else if (record.protocolError) // junk answered 501/505 is not a failing dispatch
        m_rejected.fetch_add(1, std::memory_order_relaxed);
    else if (record.status >= 500)
        m_failed.fetch_add(1, std::memory_order_relaxed);
    else if (record.status >= 400)
        m_rejected.fetch_add(1, std::memory_order_relaxed);
    if (record.status == 429)
        m_overloaded.fetch_add(1, std::memory_order_relaxed);
    else if (record.status == 202)
        m_accepted.fetch_add(1, std::memory_order_relaxed);

    if (m_batch.size() >= MaxBatch) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    m_batch.append(std::move(record));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void RequestLog::appendWaiting(RequestRecord record)
{
    if (m_waiting.size() < MaxBatch) // dropped beyond: the answered record still arrives
        m_waiting.append(std::move(record));
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void RequestLog::flush()
{
    if (!m_waiting.isEmpty() && !m_batch.isEmpty()) {
        // A request answered within the same flush would get its waiting row and lose it again in
        // one turn of the window's loop: no one could see it. Under load that is nearly every
        // request, and the window's work per request halves without them.
        std::vector<quint64> answered;
        answered.reserve(static_cast<std::size_t>(m_batch.size()));
        for (const RequestRecord &record : std::as_const(m_batch))
            answered.push_back(record.requestId);
        std::sort(answered.begin(), answered.end());
        m_waiting.removeIf([&answered](const RequestRecord &waiting) {
            return std::binary_search(answered.cbegin(), answered.cend(), waiting.requestId);
        });
    }
    if (!m_waiting.isEmpty()) {
        RequestRecordBatch waiting;
        waiting.swap(m_waiting);
        Q_EMIT waitingReady(waiting);
    }
    if (m_batch.isEmpty())
        return;
    RequestRecordBatch batch;
    batch.swap(m_batch);
    Q_EMIT recordsReady(batch);
}

RequestCounters RequestLog::counters() const
{
    return { m_requests.load(), m_ok.load(), m_failed.load(), m_rejected.load(), m_overloaded.load(),
        m_dropped.load(), m_accepted.load() };
}
