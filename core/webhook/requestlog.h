// RequestLog: exact counters plus RequestRecords delivered in batches (about 10 Hz) for the monitor.
#pragma once

#include "webhook/requestrecord.h"

#include <QObject>
#include <QTimer>

#include <atomic>

struct RequestCounters {
    quint64 requests = 0;
    quint64 ok = 0; // 2xx
    quint64 failed = 0; // 5xx
    quint64 rejected = 0; // 4xx, including 429
    quint64 overloaded = 0; // 429 alone
    quint64 droppedRecords = 0; // records not delivered because a batch overflowed (counters stay exact)
};

class RequestLog : public QObject {
    Q_OBJECT
public:
    static constexpr int DefaultFlushIntervalMs = 100;
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
    // Emitted before recordsReady in the same flush, so a waiting row always precedes its answer.
    void waitingReady(const RequestRecordBatch &batch);

private:
    RequestRecordBatch m_batch;
    RequestRecordBatch m_waiting;
    QTimer m_flushTimer { this }; // a child: moves with its owner to another thread
    std::atomic<quint64> m_requests { 0 }, m_ok { 0 }, m_failed { 0 }, m_rejected { 0 }, m_overloaded { 0 },
        m_dropped { 0 };
};
