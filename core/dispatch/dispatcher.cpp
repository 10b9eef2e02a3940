// Dispatcher: single-shot resolution of every publish, with a deadline of its own.
#include "dispatch/dispatcher.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDispatch, "ackhook.dispatch")

namespace {
std::atomic<bool> benchCeiling { false };
}

void Dispatcher::setBenchCeiling(bool on)
{
    benchCeiling.store(on, std::memory_order_relaxed);
}

Dispatcher::Dispatcher(EventPublisher *publisher, Options options, QObject *parent)
    : QObject(parent)
    , m_publisher(publisher)
    , m_options(options)
{
    m_deadlineTimer.setSingleShot(true);
    m_deadlineTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_deadlineTimer, &QTimer::timeout, this, &Dispatcher::onDeadline);
    m_publisher->setReportSink([this](quint64 token, const PublishResult &result) { onReport(token, result); });
    // Benchmark-only: bench/targets.sh measures the HTTP ceiling (everything but NATS) with ackhook-bench.
    m_benchNoNats = benchCeiling.load(std::memory_order_relaxed);
    if (m_benchNoNats)
        qCWarning(lcDispatch) << "benchmark ceiling: answering 200 WITHOUT publishing anything"
                                 " (ackhook-bench with ACKHOOK_BENCH_NO_NATS=1, never for production)";
}

void Dispatcher::dispatch(const OutgoingEvent &event, Completion done)
{
    if (!m_accepting) {
        done(PublishResult::failure(FailureReason::ShuttingDown, QStringLiteral("ackhook is shutting down")));
        return;
    }
    if (inFlight() >= m_options.maxInFlight) {
        done(PublishResult::failure(FailureReason::Overloaded,
            QStringLiteral("%1 events already waiting for their PubAck").arg(m_options.maxInFlight)));
        return;
    }
    if (m_benchNoNats) {
        done(PublishResult::ack(QStringLiteral("bench-no-nats"), ++m_benchSeq, false));
        return;
    }
    if (!m_publisher->isConnected()) {
        // Fast-fail: never park an event in the client's reconnect buffer while the caller waits.
        done(PublishResult::failure(FailureReason::Disconnected, QStringLiteral("not connected to NATS")));
        return;
    }

    const quint64 token = m_nextToken++;
    m_pending.emplace(token, Pending { std::move(done) });
    m_inFlight.store(static_cast<int>(m_pending.size()), std::memory_order_relaxed);
    m_deadlines.emplace_back(Clock::now() + m_options.ackTimeout, token);
    // The deadline is ours: cnats' own MaxWait only has to clean up its pending entry, so it runs a
    // little longer (its timer may fire a millisecond early, which would cut the ack timeout short).
    if (auto failed = m_publisher->publishAsync(token, event, m_options.ackTimeout + CleanupMargin))
        resolve(token, *failed);
    armTimer();
}

void Dispatcher::stopAccepting()
{
    m_accepting = false;
    if (m_pending.empty())
        Q_EMIT drained();
}

void Dispatcher::onReport(quint64 token, const PublishResult &result)
{
    if (!m_pending.contains(token)) {
        // Already resolved (e.g. our own deadline came first; cnats 3.4.1 can report a timeout after an ack).
        ++m_lateReports;
        return;
    }
    resolve(token, result);
}

void Dispatcher::resolve(quint64 token, const PublishResult &result)
{
    const auto it = m_pending.find(token);
    if (it == m_pending.end())
        return;
    Completion done = std::move(it->second.done);
    m_pending.erase(it);
    m_inFlight.store(static_cast<int>(m_pending.size()), std::memory_order_relaxed);
    done(result);
    if (!m_accepting && m_pending.empty())
        Q_EMIT drained();
}

void Dispatcher::onDeadline()
{
    const auto now = Clock::now();
    while (!m_deadlines.empty() && m_deadlines.front().first <= now) {
        const quint64 token = m_deadlines.front().second;
        m_deadlines.pop_front();
        if (m_pending.contains(token)) {
            resolve(token,
                PublishResult::failure(FailureReason::Timeout,
                    QStringLiteral("no PubAck within %1 ms").arg(m_options.ackTimeout.count())));
        }
    }
    armTimer();
}

void Dispatcher::armTimer()
{
    // Drop entries of dispatches that are already resolved, so the timer sleeps until one that matters.
    while (!m_deadlines.empty() && !m_pending.contains(m_deadlines.front().second))
        m_deadlines.pop_front();
    if (m_deadlines.empty()) {
        m_deadlineTimer.stop();
        return;
    }
    if (m_deadlineTimer.isActive())
        return;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(m_deadlines.front().first - Clock::now());
    m_deadlineTimer.start(std::max(wait, std::chrono::milliseconds(0)));
}
