// EndpointCounters: relaxed atomics; a snapshot may mix counts of concurrent answers, each is exact.
#include "webhook/endpointcounters.h"

#include <QJsonObject>

EndpointCounters::EndpointCounters(const QList<Endpoint> &endpoints)
    : m_counts(std::make_unique<Atomic[]>(static_cast<size_t>(endpoints.size())))
{
    for (const Endpoint &endpoint : endpoints) {
        Row row;
        row.name = endpoint.displayName();
        row.path = endpoint.path;
        row.source = endpoint.source;
        row.dispatch = dispatchPolicyName(endpoint.dispatch.value_or(DispatchPolicy::Ack)).toLatin1();
        row.subject = endpoint.subject;
        row.auth = SignatureScheme::kindName(endpoint.auth.kind).toLatin1();
        m_names.append(row);
    }
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

QList<EndpointCounters::Row> EndpointCounters::rows() const
{
    QList<Row> rows = m_names;
    for (qsizetype i = 0; i < rows.size(); ++i) {
        const Atomic &counts = m_counts[static_cast<size_t>(i)];
        rows[i].requests = counts.requests.load(std::memory_order_relaxed);
        rows[i].accepted = counts.accepted.load(std::memory_order_relaxed);
        rows[i].failed = counts.failed.load(std::memory_order_relaxed);
        rows[i].unauthorized = counts.unauthorized.load(std::memory_order_relaxed);
        rows[i].rejected = counts.rejected.load(std::memory_order_relaxed);
    }
    return rows;
}

QJsonArray EndpointCounters::toJson() const
{
    QJsonArray array;
    for (const Row &row : rows()) {
        array.append(QJsonObject { { QStringLiteral("name"), QString::fromUtf8(row.name) },
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
                    { QStringLiteral("rejected"), static_cast<qint64>(row.rejected) } } } });
    }
    return array;
}
