// StoreLagProbe: the failed-event store's lag on this machine, measured while a test runs: a thread
// that does what the store's thread does (waits FailedEventStore::CommitDelayMs, then commits a row
// to an SQLite file in WAL mode at synchronous=FULL, in the same directory) and keeps the worst
// wake-up lateness and the worst commit. Crash-loss bounds are derived from it, not hard-coded.
#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace TestSupport {

class StoreLagProbe {
public:
    explicit StoreLagProbe(QString directory); // starts measuring
    ~StoreLagProbe();
    StoreLagProbe(const StoreLagProbe &) = delete;
    StoreLagProbe &operator=(const StoreLagProbe &) = delete;

    void stop(); // the figures are final from here on
    qint64 worstWakeLateMs() const { return m_worstLateUs.load() / 1000; }
    qint64 worstCommitMs() const { return m_worstCommitUs.load() / 1000; }
    int commits() const { return m_commits.load(); }
    QString error() const; // why the probe could not commit (then the bound is not derived)

    // The age past which an answered failure must be on disk: the commit delay, plus a commit
    // already under way when it arrived, its own commit and a late wake-up, each the worst measured
    // and doubled (the store's thread is not the probe's: it may draw a worse time slice). Any thread,
    // also while measuring: a test can run until it has enough failures older than the bound.
    qint64 lossBoundMs() const;

private:
    void run();

    QString m_path;
    std::thread m_thread;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    QString m_error;
    std::atomic<qint64> m_worstLateUs { 0 };
    std::atomic<qint64> m_worstCommitUs { 0 };
    std::atomic<int> m_commits { 0 };
};

} // namespace TestSupport
