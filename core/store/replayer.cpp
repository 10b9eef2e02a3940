// Replayer: load → queue → dispatch on the server thread → outcome back here → store.
#include "store/replayer.h"
#include "enumnames.h"

#include "dispatch/dispatcher.h"
#include "store/failedeventstore.h"
#include "gateway.h"
#include <algorithm>

int ReplayOutcome::replayedCount(const QList<ReplayOutcome> &outcomes)
{
    return static_cast<int>(std::count_if(outcomes.begin(), outcomes.end(),
        [](const ReplayOutcome &outcome) { return outcome.status == Status::Replayed; }));
}

QString ReplayOutcome::statusName(Status status)
{
    static constexpr EnumName<Status> names[] = { { Status::Replayed, "replayed" }, { Status::Failed, "failed" },
        { Status::NotFound, "not_found" }, { Status::NotPending, "not_pending" },
        { Status::InProgress, "in_progress" } };
    return enumName(names, status);
}

Replayer::Replayer(FailedEventStore *store, GatewayHost *host, int maxInFlight, QObject *parent)
    : QObject(parent)
    , m_store(store)
    , m_host(host)
    , m_maxInFlight(maxInFlight)
{
}

Replayer::~Replayer()
{
    abortAll();
}

void Replayer::replayAllPending(Done done, int limit)
{
    replay(m_store->pendingIds(limit), std::move(done));
}

void Replayer::replay(const QList<qint64> &ids, Done done)
{
    const quint64 number = m_nextJob++;
    Job &job = m_jobs[number];
    job.number = number;
    job.done = std::move(done);
    const QList<FailedEvent> found = m_store->events(ids);
    QHash<qint64, FailedEvent::State> states;
    for (const FailedEvent &event : found)
        states.insert(event.id, event.state);
    for (qint64 id : ids) {
        ReplayOutcome outcome;
        outcome.id = id;
        const auto state = states.constFind(id);
        if (state == states.constEnd()) {
            outcome.status = ReplayOutcome::Status::NotFound;
        } else if (*state != FailedEvent::State::Pending) {
            outcome.status = ReplayOutcome::Status::NotPending;
        } else if (m_busyIds.contains(id)) {
            outcome.status = ReplayOutcome::Status::InProgress;
        } else {
            m_busyIds.insert(id);
            m_queue.push_back({ number, id, static_cast<int>(job.outcomes.size()) });
            ++job.remaining;
        }
        job.outcomes.append(outcome);
    }
    finishIfDone(number);
    pump();
}

void Replayer::pump()
{
    while (m_inFlight < m_maxInFlight && !m_queue.empty()) {
        const Task task = m_queue.front();
        m_queue.pop_front();
        Gateway *gateway = m_host ? m_host->gateway() : nullptr;
        const std::optional<FailedEvent> event = m_store->find(task.id);
        if (!gateway || !event || event->state != FailedEvent::State::Pending) {
            complete(task,
                PublishResult::failure(gateway ? FailureReason::PublishError : FailureReason::ShuttingDown,
                    gateway ? QStringLiteral("event no longer pending") : QStringLiteral("ackhook is stopping")));
            continue;
        }
        ++m_inFlight;
        // The dispatcher lives on the server thread; its completion comes back here queued. This
        // object outlives the gateway (Runtime destroys the gateway first, after it drained).
        QMetaObject::invokeMethod(
            gateway,
            [this, gateway, task, outgoing = event->toOutgoingEvent()] {
                gateway->dispatcher()->dispatch(outgoing, [this, task](const PublishResult &result) {
                    QMetaObject::invokeMethod(
                        this,
                        [this, task, result] {
                            --m_inFlight;
                            complete(task, result);
                            pump();
                        },
                        Qt::QueuedConnection);
                });
            },
            Qt::QueuedConnection);
    }
}

void Replayer::complete(const Task &task, const PublishResult &result)
{
    m_busyIds.remove(task.id);
    m_store->recordReplay(task.id, result);
    auto job = m_jobs.find(task.job);
    if (job == m_jobs.end())
        return; // aborted
    ReplayOutcome &outcome = job->outcomes[task.index];
    outcome.status = result.acked ? ReplayOutcome::Status::Replayed : ReplayOutcome::Status::Failed;
    outcome.result = result;
    --job->remaining;
    finishIfDone(task.job);
}

void Replayer::finishIfDone(quint64 jobNumber)
{
    auto job = m_jobs.find(jobNumber);
    if (job == m_jobs.end() || job->remaining > 0)
        return;
    Job finished = std::move(*job);
    m_jobs.erase(job);
    int replayed = 0;
    int failed = 0;
    for (const ReplayOutcome &outcome : std::as_const(finished.outcomes)) {
        replayed += outcome.status == ReplayOutcome::Status::Replayed;
        failed += outcome.status == ReplayOutcome::Status::Failed;
    }
    m_store->flush(); // what the caller reads next reflects these outcomes
    if (finished.done)
        finished.done(finished.outcomes);
    Q_EMIT jobFinished(replayed, failed);
}

void Replayer::abortAll()
{
    const auto jobs = m_jobs.keys();
    m_queue.clear();
    for (quint64 number : jobs) {
        Job &job = m_jobs[number];
        for (ReplayOutcome &outcome : job.outcomes) {
            if (outcome.status == ReplayOutcome::Status::Failed && outcome.result.reason == FailureReason::None) {
                outcome.result
                    = PublishResult::failure(FailureReason::ShuttingDown, QStringLiteral("ackhook is stopping"));
            }
        }
        job.remaining = 0;
        finishIfDone(number);
    }
    m_busyIds.clear();
}
