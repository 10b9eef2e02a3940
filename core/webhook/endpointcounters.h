// EndpointCounters: per-endpoint answer counters, written on the server thread, read from any thread.
#pragma once

#include "webhook/endpoint.h"

#include <QJsonArray>
#include <QList>

#include <atomic>
#include <memory>

class EndpointCounters {
public:
    struct Row {
        QByteArray name;
        QByteArray path;
        QByteArray source;
        QByteArray subject;
        QByteArray auth; // the signature scheme's kind name
        QByteArray dispatch; // the dispatch policy's name
        quint64 requests = 0;
        quint64 accepted = 0; // 2xx: stored in JetStream (ack), spooled (spool), or only read (fire-and-forget)
        quint64 failed = 0; // 5xx: publish not confirmed
        quint64 unauthorized = 0; // 401: never published
        quint64 rejected = 0; // other 4xx (400, 405, 413, 429)
    };

    explicit EndpointCounters(const QList<Endpoint> &endpoints);
    void count(qsizetype endpoint, int status);
    QList<Row> rows() const; // a snapshot; safe from any thread
    QJsonArray toJson() const; // GET /api/endpoints: one object per endpoint, in configuration order

private:
    struct Atomic {
        std::atomic<quint64> requests { 0 }, accepted { 0 }, failed { 0 }, unauthorized { 0 }, rejected { 0 };
    };
    QList<Row> m_names;
    std::unique_ptr<Atomic[]> m_counts;
};
