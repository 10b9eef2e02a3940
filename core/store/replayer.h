// Replayer: re-publishes failed events with their original Nats-Msg-Id, a bounded number at a
// time, and records each outcome in the FailedEventStore. Lives on the main thread.
#pragma once

#include "nats/publishresult.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>
#include <functional>

class FailedEventStore;
class GatewayHost;

struct ReplayOutcome {
    enum class Status { Replayed, Failed, NotFound, NotPending, InProgress };
    qint64 id = 0;
    Status status = Status::Failed;
    PublishResult result;
    static QString statusName(Status status);
    static int replayedCount(const QList<ReplayOutcome> &outcomes);
};

class Replayer : public QObject {
    Q_OBJECT
public:
    using Done = std::function<void(const QList<ReplayOutcome> &outcomes)>;

    Replayer(FailedEventStore *store, GatewayHost *host, int maxInFlight = 32, QObject *parent = nullptr);
    ~Replayer() override;

    // Replays the given ids (or, with all, every pending event oldest first, up to limit); done
    // runs once, on this thread, when every one has an outcome.
    void replay(const QList<qint64> &ids, Done done);
    void replayAllPending(Done done, int limit = 10000);
    // Every job still running ends now, its unfinished events reported as failed (shutting down).
    void abortAll();
    int inFlight() const { return m_inFlight; }
    bool isBusy() const { return !m_jobs.empty(); }

Q_SIGNALS:
    void jobFinished(int replayed, int failed);

private:
    struct Job {
        quint64 number = 0;
        QList<ReplayOutcome> outcomes;
        int remaining = 0;
        Done done;
    };
    struct Task {
        quint64 job = 0;
        qint64 id = 0;
        int index = 0; // in the job's outcomes
    };

    void pump();
    void complete(const Task &task, const PublishResult &result);
    void finishIfDone(quint64 jobNumber);

    FailedEventStore *m_store;
    GatewayHost *m_host;
    int m_maxInFlight;
    int m_inFlight = 0;
    quint64 m_nextJob = 1;
    QHash<quint64, Job> m_jobs;
    std::deque<Task> m_queue;
    QSet<qint64> m_busyIds; // queued or in flight: never published twice at once
};
