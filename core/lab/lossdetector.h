// LossDetector: an independent reader of the stream that reconciles what ackhook answered with
// what JetStream holds: every 2xx becomes stored, lost after 2xx, or pending; every 5xx found in the
// stream counts as stored after 5xx. Reads the stream by sequence over its own connection to the
// real NATS (not through the fault proxy), on a one-thread pool; lives on the main thread.
#pragma once

#include "lab/lossfigures.h"
#include "nats/jetstreamreader.h"

#include <QHash>
#include <QMutex>
#include <QSet>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <vector>

class LossDetector : public QObject {
    Q_OBJECT
public:
    struct Options {
        QStringList urls; // the real NATS
        NatsAccess access; // its credentials and TLS
        QByteArray stream = "EVENTS";
        std::chrono::milliseconds grace { 10000 };
        std::chrono::milliseconds interval { 200 };
        int maxTracked = 200000; // answers waiting for classification; beyond, only counted
        int maxSeen = 400000; // stream ids remembered; the oldest go first
        int maxLost = 1000; // lost events listed with their bodies; all are counted
    };
    static constexpr int MaxBodyBytes = 16 * 1024;
    static constexpr int ReadBatch = 1000;

    explicit LossDetector(Options options, QObject *parent = nullptr);
    ~LossDetector() override; // waits for a read in progress

    // Blocking (at most the connect timeout): the sequence to start reading at, so only events
    // stored from now on are read. Then reads every interval.
    void start();
    // Any thread, never blocks: one answer to a dispatched event. key: the caller's idempotency
    // key (shown); msgId: the Nats-Msg-Id it was published with (searched for in the stream).
    void note(DispatchPolicy policy, const QByteArray &endpoint, const QByteArray &key, const QByteArray &msgId,
        int status, qint64 receivedMs, const QByteArray &body);
    // While it answers true, unseen 2xx events of that policy stay pending past the grace period
    // (the spool still holds events to forward). Main thread.
    void setHold(DispatchPolicy policy, std::function<bool()> held);
    // The stream may have lost stored events (the lab's power cut): read it again from its start,
    // and once caught up, every event counted stored that is no longer there becomes lost after
    // 2xx (listed without its body, which is not kept once an event is found). Main thread.
    void recheckStored();

    LossFigures figures() const; // any thread
    QList<LostEvent> lost() const; // any thread, oldest first

private:
    struct Answer {
        DispatchPolicy policy;
        QByteArray endpoint;
        QByteArray key;
        QByteArray msgId; // as published: the key scoped to the endpoint
        int status;
        qint64 receivedMs;
        qint64 notedMs;
        QByteArray body;
    };
    struct Seen {
        qint64 storedMs = 0;
        int copies = 0;
        int policy = -1; // once an answer was matched: later copies are its duplicates
        int status = 0; // of the answer matched
        qint64 receivedMs = 0; // of the answer matched
    };
    struct ReadResult {
        std::vector<std::pair<QByteArray, qint64>> messages; // key, stream time (ms)
        quint64 nextSeq = 0;
        quint64 lastSeq = 0;
        qint64 infoAtMs = 0; // when the stream's last sequence was asked for
        bool caughtUp = false; // everything stored before infoAtMs has been read
        QString error;
    };
    void tick();
    void startRead();
    void finishRead(const ReadResult &result);
    void classify();
    static ReadResult read(JetStreamReader &reader, const QStringList &urls, const NatsAccess &access,
        const QByteArray &stream, quint64 nextSeq);
    void addDelay(DispatchPolicy policy, qint64 delayMs);

    Options m_options;
    QTimer m_timer { this };
    QThreadPool m_pool;
    std::shared_ptr<JetStreamReader> m_reader;
    bool m_reading = false;
    quint64 m_nextSeq = 0; // 0: not known yet
    // Every event stored before this moment has been read: an answer is only called lost (or a 5xx
    // not stored) once this is a grace period past it, so a reader that lags or cannot reach NATS
    // leaves answers pending instead of calling them lost.
    qint64 m_caughtUpAtMs = 0;
    std::array<qint64, DispatchPolicyCount> m_heldAtMs {}; // the last time a hold said "still held"
    // recheckStored(): rereading from the start; the stored events not found again so far.
    bool m_rechecking = false;
    bool m_recheckWanted = false;
    QSet<QByteArray> m_unconfirmed;

    QMutex m_inboxMutex;
    std::vector<Answer> m_inbox;

    std::deque<Answer> m_waiting; // 2xx and 5xx answers not classified yet, in answer order
    QHash<QByteArray, Seen> m_seen;
    // Answers classified as not stored (lost after 2xx, or a 5xx not stored), kept so that an event
    // reaching the stream later (e.g. from the client library's reconnect buffer) is moved to
    // stored. Bounded like m_seen: the oldest go first.
    struct Closed {
        int policy;
        bool ok;
    };
    QHash<QByteArray, Closed> m_closed;
    std::deque<QByteArray> m_closedOrder;
    std::deque<QByteArray> m_seenOrder;
    std::array<std::function<bool()>, DispatchPolicyCount> m_holds;
    std::array<std::vector<qint64>, DispatchPolicyCount> m_delays; // a bounded sample

    mutable QMutex m_figuresMutex;
    LossFigures m_figures;
    std::deque<LostEvent> m_lost;
};
