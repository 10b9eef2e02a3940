// SpoolForwarder: publishes spooled events to JetStream through the Dispatcher, one at a time in
// arrival order, each with its key as Nats-Msg-Id; a row is deleted only after its PubAck. While
// NATS is away it tries the same event again every retry interval.
#pragma once

#include "spool/spooledevent.h"

#include <QObject>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>

class Dispatcher;
class Spool;

class SpoolForwarder : public QObject {
    Q_OBJECT
public:
    static constexpr int FetchSize = 256;
    static constexpr int DeleteBatch = 64;
    // Called on this thread for every forwarded event: key, when it was received, whether JetStream
    // had it already.
    using ForwardedObserver = std::function<void(const SpooledEvent &event, bool duplicate)>;

    SpoolForwarder(
        Spool *spool, Dispatcher *dispatcher, std::chrono::milliseconds retryInterval, QObject *parent = nullptr);

    void start(); // forwards what an earlier run left in the spool, then follows new commits
    void stop(); // no new publish; the one in flight still resolves
    void setForwardedObserver(ForwardedObserver observer) { m_observer = std::move(observer); }

private:
    void kick();
    void takeFetched(std::vector<SpooledEvent> events);
    void publishFront();
    void flushDeletes();

    Spool *m_spool;
    Dispatcher *m_dispatcher;
    QTimer m_retryTimer { this };
    QTimer m_deleteTimer { this };
    std::deque<SpooledEvent> m_batch; // fetched, not yet acknowledged, in arrival order
    std::vector<qint64> m_acked; // waiting to be deleted
    quint64 m_ackedDuplicates = 0;
    qint64 m_lastFetched = 0;
    bool m_fetching = false;
    bool m_publishing = false;
    bool m_running = false;
    ForwardedObserver m_observer;
};
