// BackgroundPublisher: the `fire-and-forget` policy's publishing (the pre-fix bug, reproduced on
// purpose): the caller has had its 200 already; the event goes through the Dispatcher with a short
// retry, and when that fails too it is only logged and counted as dropped.
#pragma once

#include "nats/outgoingevent.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <deque>

class Dispatcher;

class BackgroundPublisher : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds retryFor { 2000 }; // give up after this long
        std::chrono::milliseconds retryInterval { 250 };
        int maxWaiting = 10000; // events waiting to be retried; beyond, dropped at once
    };
    struct Figures {
        quint64 published = 0; // PubAck received
        quint64 dropped = 0; // given up: answered 200 and never stored (unless a late PubAck was lost)
        quint64 retries = 0;
        int waiting = 0;
    };

    BackgroundPublisher(Dispatcher *dispatcher, Options options, QObject *parent = nullptr);

    void publish(const OutgoingEvent &event);
    Figures figures() const; // any thread

private:
    using Clock = std::chrono::steady_clock;
    struct Attempt {
        OutgoingEvent event;
        Clock::time_point giveUpAt;
    };
    void attempt(Attempt attempt);
    void retryDue();

    Dispatcher *m_dispatcher;
    Options m_options;
    std::deque<Attempt> m_waiting;
    QTimer m_retryTimer { this };
    std::atomic<quint64> m_published { 0 }, m_dropped { 0 }, m_retries { 0 };
    std::atomic<int> m_waitingCount { 0 };
};
