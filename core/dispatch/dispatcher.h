// Dispatcher: publishes each event once and resolves it exactly once: ack, failure or timeout.
#pragma once

#include "nats/eventpublisher.h"

#include <QObject>
#include <QTimer>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <unordered_map>

class Dispatcher : public QObject {
    Q_OBJECT
public:
    struct Options {
        std::chrono::milliseconds ackTimeout { 5000 };
        int maxInFlight = 4096;
    };
    using Completion = std::function<void(const PublishResult &result)>;
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::milliseconds CleanupMargin { 250 };

    Dispatcher(EventPublisher *publisher, Options options, QObject *parent = nullptr);

    // The benchmark's HTTP ceiling: dispatchers made after this call answer 200 without publishing.
    // Only ackhook-bench (CMake option ACKHOOK_BENCH_CEILING, never installed or packaged) calls it,
    // for ACKHOOK_BENCH_NO_NATS=1; the shipped ackhook has no path to it. Tests pass false to reset.
    static void setBenchCeiling(bool on);

    // done runs exactly once on this thread: at once for a fast failure (not connected, in-flight
    // bound reached, shutting down), else when the ack, an error or the timeout comes first.
    void dispatch(const OutgoingEvent &event, Completion done);

    // Refuse new work (reason shutting_down); drained() follows once nothing is in flight.
    void stopAccepting();
    bool isAccepting() const { return m_accepting; }

    int inFlight() const { return m_inFlight.load(std::memory_order_relaxed); } // safe from any thread
    quint64 lateReports() const { return m_lateReports; }
    const Options &options() const { return m_options; }

Q_SIGNALS:
    void drained();

private:
    struct Pending {
        Completion done;
    };

    void onReport(quint64 token, const PublishResult &result);
    void onDeadline();
    void armTimer();
    void resolve(quint64 token, const PublishResult &result);

    EventPublisher *m_publisher;
    Options m_options;
    std::unordered_map<quint64, Pending> m_pending;
    std::deque<std::pair<Clock::time_point, quint64>> m_deadlines; // sorted: the timeout is the same for all
    QTimer m_deadlineTimer { this }; // a child: moves with its owner to another thread
    quint64 m_nextToken = 1;
    quint64 m_lateReports = 0;
    bool m_accepting = true;
    bool m_benchNoNats = false; // setBenchCeiling(): the benchmark's HTTP ceiling, nothing is published
    quint64 m_benchSeq = 0;
    std::atomic<int> m_inFlight { 0 };
};
