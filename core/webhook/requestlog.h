// RequestLog: exact counters plus RequestRecords delivered in batches (every 25 ms while requests
// come, none while idle) for the monitor.
#pragma once

#include "webhook/requestrecord.h"

#include <QObject>
#include <QTimer>

#include <atomic>

struct RequestCounters {
    quint64 requests = 0;
    quint64 ok = 0; // 2xx
    quint64 failed = 0; // 5xx of requests that reached an endpoint
    quint64 rejected = 0; // 4xx, including 429, and every request the listener refused (501 and 505 too)
    quint64 overloaded = 0; // 429 alone
    quint64 droppedRecords = 0; // records not delivered because a batch overflowed (counters stay exact)
    quint64 accepted = 0; // 202 alone (of ok): taken without a PubAck (spool, fire-and-forget)
};

class RequestLog : public QObject {
    Q_OBJECT
public:
    // The oldest record of a batch waits at most this long. Each batch is one event-loop turn of
    // the window's thread (rows inserted, rows evicted): at 100 ms a turn at 10k req/s handled
    // about 2,000 records and held the window's event loop for tens of milliseconds (issue #18:
    // lag p99 <= 16 ms); at 25 ms each turn is a quarter of that.
    static constexpr int DefaultFlushIntervalMs = 25;
    static constexpr int MaxBatch = 50000;

    explicit RequestLog(QObject *parent = nullptr);

    void append(RequestRecord record);
    // A request handed to NATS and not answered yet (status 0): for the monitor only, not counted.
    void appendWaiting(RequestRecord record);
    void flush();
    // Safe from any thread.
    RequestCounters counters() const;

Q_SIGNALS:
    void recordsReady(const RequestRecordBatch &batch);
    // Emitted before recordsReady in the same flush, so a waiting row always precedes its answer;
    // requests answered within the flush are left out (their row would not outlive the turn).
    void waitingReady(const RequestRecordBatch &batch);

private:
    RequestRecordBatch m_batch;
    RequestRecordBatch m_waiting;
    QTimer m_flushTimer { this }; // a child: moves with its owner to another thread
    std::atomic<quint64> m_requests { 0 }, m_ok { 0 }, m_failed { 0 }, m_rejected { 0 }, m_overloaded { 0 }, m_accepted { 0 },
        m_dropped { 0 };
};
