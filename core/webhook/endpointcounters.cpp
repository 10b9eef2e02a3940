// EndpointCounters: relaxed atomics; a snapshot may mix counts of concurrent answers, each is exact.
#include "webhook/endpointcounters.h"

#include <QJsonObject>

#include <algorithm>
#include <numeric>

EndpointCounters::EndpointCounters(const QList<Endpoint> &endpoints)
    : m_counts(std::make_unique<Atomic[]>(static_cast<size_t>(endpoints.size())))
    , m_pending(endpoints.size())
    , m_subscriptions(endpoints.size())
{
    for (qsizetype i = 0; i < endpoints.size(); ++i) {
        const Endpoint &endpoint = endpoints.at(i);
        m_counts[static_cast<size_t>(i)].dispatch.store(
            static_cast<int>(endpoint.dispatch.value_or(DispatchPolicy::Ack)), std::memory_order_relaxed);
        Row row;
        row.name = endpoint.displayName();
        row.path = endpoint.path;
        row.source = endpoint.source;
        row.subject = endpoint.subject;
        row.auth = endpoint.auth.authName().toLatin1();
        m_names.append(row);
    }
}

void EndpointCounters::setDispatch(qsizetype endpoint, DispatchPolicy policy)
{
    if (endpoint >= 0 && endpoint < m_names.size())
        m_counts[static_cast<size_t>(endpoint)].dispatch.store(static_cast<int>(policy), std::memory_order_relaxed);
}

DispatchPolicy EndpointCounters::dispatch(qsizetype endpoint) const
{
    if (endpoint < 0 || endpoint >= m_names.size())
        return DispatchPolicy::Ack;
    return static_cast<DispatchPolicy>(m_counts[static_cast<size_t>(endpoint)].dispatch.load(std::memory_order_relaxed));
}

void EndpointCounters::count(qsizetype endpoint, int status)
{
    if (endpoint < 0 || endpoint >= m_names.size())
        return;
    Atomic &counts = m_counts[static_cast<size_t>(endpoint)];
    counts.requests.fetch_add(1, std::memory_order_relaxed);
    if (status >= 200 && status < 300)
        counts.accepted.fetch_add(1, std::memory_order_relaxed);
    else if (status >= 500)
        counts.failed.fetch_add(1, std::memory_order_relaxed);
    else if (status == 401)
        counts.unauthorized.fetch_add(1, std::memory_order_relaxed);
    else if (status >= 400)
        counts.rejected.fetch_add(1, std::memory_order_relaxed);
}

void EndpointCounters::countDispatch(qsizetype endpoint, const PublishResult &result, qint64 latencyUs)
{
    if (endpoint < 0 || endpoint >= m_names.size())
        return;
    Atomic &counts = m_counts[static_cast<size_t>(endpoint)];
    const qint64 us = std::max<qint64>(latencyUs, 0);
    size_t bucket = 0;
    while (bucket < LatencyBucketsUs.size() && us > LatencyBucketsUs[bucket])
        ++bucket;
    counts.latencyBuckets[bucket].fetch_add(1, std::memory_order_relaxed);
    counts.latencySumUs.fetch_add(static_cast<quint64>(us), std::memory_order_relaxed);
    const auto reason = static_cast<size_t>(result.reason);
    Q_ASSERT(reason < MaxFailureReasons);
    if (!result.acked && reason < MaxFailureReasons)
        counts.failures[reason].fetch_add(1, std::memory_order_relaxed);
}

quint64 EndpointCounters::Row::dispatches() const
{
    return std::accumulate(latencyBuckets.cbegin(), latencyBuckets.cend(), quint64(0));
}

quint64 EndpointCounters::Row::failuresOf(FailureReason reason) const
{
    const auto index = static_cast<size_t>(reason);
    return index < failures.size() ? failures[index] : 0;
}

void EndpointCounters::setPendingConfirmation(qsizetype endpoint, const QJsonObject &confirmation)
{
    if (endpoint < 0 || endpoint >= m_names.size())
        return;
    const QMutexLocker lock(&m_pendingMutex);
    m_pending[endpoint] = confirmation;
}

void EndpointCounters::setSnsSubscription(qsizetype endpoint, const QJsonObject &subscription)
{
    if (endpoint < 0 || endpoint >= m_names.size())
        return;
    const QMutexLocker lock(&m_pendingMutex);
    m_pending[endpoint] = {};
    m_subscriptions[endpoint] = subscription;
}

QList<EndpointCounters::Row> EndpointCounters::rows() const
{
    QList<Row> rows = m_names;
    {
        const QMutexLocker lock(&m_pendingMutex);
        for (qsizetype i = 0; i < rows.size(); ++i) {
            rows[i].pendingConfirmation = m_pending.at(i);
            rows[i].snsSubscription = m_subscriptions.at(i);
        }
    }
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const Atomic &counts = m_counts[static_cast<size_t>(i)];
        rows[i].dispatch = dispatchPolicyName(static_cast<DispatchPolicy>(counts.dispatch.load(std::memory_order_relaxed))).toLatin1();
        rows[i].requests = counts.requests.load(std::memory_order_relaxed);
        rows[i].accepted = counts.accepted.load(std::memory_order_relaxed);
        rows[i].failed = counts.failed.load(std::memory_order_relaxed);
        rows[i].unauthorized = counts.unauthorized.load(std::memory_order_relaxed);
        rows[i].rejected = counts.rejected.load(std::memory_order_relaxed);
        for (size_t b = 0; b < counts.latencyBuckets.size(); ++b)
            rows[i].latencyBuckets[b] = counts.latencyBuckets[b].load(std::memory_order_relaxed);
        rows[i].latencySumUs = counts.latencySumUs.load(std::memory_order_relaxed);
        for (size_t r = 0; r < counts.failures.size(); ++r)
            rows[i].failures[r] = counts.failures[r].load(std::memory_order_relaxed);
    }
    return rows;
}

QJsonArray EndpointCounters::toJson() const
{
    return toJson(rows());
}

QJsonArray EndpointCounters::toJson(const QList<Row> &rows)
{
    QJsonArray array;
    for (const Row &row : rows) {
        QJsonObject object { { QStringLiteral("name"), QString::fromUtf8(row.name) },
            { QStringLiteral("path"), QString::fromUtf8(row.path) },
            { QStringLiteral("source"), QString::fromLatin1(row.source) },
            { QStringLiteral("dispatch"), QString::fromLatin1(row.dispatch) },
            { QStringLiteral("subject"), QString::fromUtf8(row.subject) },
            { QStringLiteral("auth"), QString::fromLatin1(row.auth) },
            { QStringLiteral("counters"),
                QJsonObject { { QStringLiteral("requests"), static_cast<qint64>(row.requests) },
                    { QStringLiteral("accepted"), static_cast<qint64>(row.accepted) },
                    { QStringLiteral("failed"), static_cast<qint64>(row.failed) },
                    { QStringLiteral("unauthorized"), static_cast<qint64>(row.unauthorized) },
                    { QStringLiteral("rejected"), static_cast<qint64>(row.rejected) } } } };
        if (!row.pendingConfirmation.isEmpty())
            object.insert(QStringLiteral("pending_confirmation"), row.pendingConfirmation);
        if (!row.snsSubscription.isEmpty())
            object.insert(QStringLiteral("sns_subscription"), row.snsSubscription);
        array.append(object);
    }
    return array;
}
