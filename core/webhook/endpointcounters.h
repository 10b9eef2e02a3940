// EndpointCounters: per-endpoint answer counters, dispatch latency histogram and failures by reason,
// written on the server thread, read from any thread.
#pragma once

#include "nats/publishresult.h"
#include "webhook/endpoint.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMutex>

#include <array>
#include <atomic>
#include <memory>

class EndpointCounters {
public:
    // Upper bounds of the dispatch latency buckets, in µs: from a loopback PubAck (well under 1 ms)
    // to the largest ack timeouts; a timeout lands in the first bucket above the ack timeout.
    static constexpr std::array<qint64, 16> LatencyBucketsUs { 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000,
        250000, 500000, 1000000, 2500000, 5000000, 10000000, 30000000, 60000000 };
    // Room for every FailureReason value (indexed by its number; failureReasons() lists them).
    static constexpr size_t MaxFailureReasons = 16;

    struct Row {
        QByteArray name;
        QByteArray path;
        QByteArray source;
        QByteArray subject;
        QByteArray auth; // the signature scheme's kind name
        QByteArray dispatch; // the dispatch policy's name, as it is now (switchable at runtime)
        quint64 requests = 0;
        quint64 accepted = 0; // 2xx: stored in JetStream (ack), spooled (spool), or only read (fire-and-forget)
        quint64 failed = 0; // 5xx: publish not confirmed
        quint64 unauthorized = 0; // 401: never published
        quint64 rejected = 0; // other 4xx (400, 405, 413, 429)
        // Dispatches by latency: latencyBuckets[i] counts those at most LatencyBucketsUs[i] and above
        // the bound before (not cumulative); the last entry counts those above every bound.
        std::array<quint64, LatencyBucketsUs.size() + 1> latencyBuckets {};
        quint64 latencySumUs = 0;
        std::array<quint64, MaxFailureReasons> failures {}; // by static_cast<size_t>(FailureReason)
        // An AWS SNS SubscriptionConfirmation waiting for a person (ackhook never fetches its
        // SubscribeURL): endpoint, topic_arn, subscribe_url, received_ms. Empty: none.
        QJsonObject pendingConfirmation;
        // The SNS subscription a person confirmed: topic_arn, subscription_arn, confirmed_ms. Empty: none.
        QJsonObject snsSubscription;

        quint64 dispatches() const; // the sum of the buckets
        quint64 failuresOf(FailureReason reason) const;
    };

    explicit EndpointCounters(const QList<Endpoint> &endpoints);
    void count(qsizetype endpoint, int status);
    // One event's dispatch outcome (a batch request counts each of its events): latency from the
    // complete request to the outcome, and the reason when it failed. Lock-free, a few relaxed atomics.
    void countDispatch(qsizetype endpoint, const PublishResult &result, qint64 latencyUs);
    // The endpoint's current dispatch policy: written by the server thread when it is switched,
    // read from any thread (rows(), /api/endpoints, /api/status).
    void setDispatch(qsizetype endpoint, DispatchPolicy policy);
    DispatchPolicy dispatch(qsizetype endpoint) const;
    // The endpoint's latest SNS SubscriptionConfirmation (replaces the one before); any thread.
    void setPendingConfirmation(qsizetype endpoint, const QJsonObject &confirmation);
    // A confirmed SNS subscription: no confirmation is pending any more; any thread.
    void setSnsSubscription(qsizetype endpoint, const QJsonObject &subscription);
    QList<Row> rows() const; // a snapshot; safe from any thread
    QJsonArray toJson() const; // GET /api/endpoints: one object per endpoint, in configuration order
    static QJsonArray toJson(const QList<Row> &rows); // the same of a snapshot (GET /api/status)

private:
    struct Atomic {
        std::atomic<quint64> requests { 0 }, accepted { 0 }, failed { 0 }, unauthorized { 0 }, rejected { 0 };
        std::array<std::atomic<quint64>, LatencyBucketsUs.size() + 1> latencyBuckets {};
        std::atomic<quint64> latencySumUs { 0 };
        std::atomic<int> dispatch { static_cast<int>(DispatchPolicy::Ack) };
        std::array<std::atomic<quint64>, MaxFailureReasons> failures {};
    };
    QList<Row> m_names;
    std::unique_ptr<Atomic[]> m_counts;
    mutable QMutex m_pendingMutex; // guards m_pending and m_subscriptions (rare writes: handshakes)
    QList<QJsonObject> m_pending; // by endpoint
    QList<QJsonObject> m_subscriptions; // by endpoint
};
