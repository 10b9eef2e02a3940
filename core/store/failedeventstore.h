// FailedEventStore: the persisted failed-event queue (docs/DESIGN.md §6) — SQLite in WAL mode,
// on its own thread; this facade is thread-safe and record() never blocks its caller.
#pragma once

#include "store/failedevent.h"
#include "nats/publishresult.h"

#include <QJsonObject>
#include <QMutex>
#include <QObject>
#include <QThread>

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

class FailedEventDatabase;

struct FailedQueueStats {
    qint64 total = 0;
    qint64 pending = 0;
    qint64 replayed = 0;
    qint64 discarded = 0;
    qint64 bytes = 0; // bodies stored
    quint64 unrecorded = 0; // failures answered 500 but not stored (queue full, or lost while uncommitted)
    // Recorded but not committed because the last commit failed (a full disk): held in memory and
    // retried; pending counts only what is committed. commitError says why, empty once committed.
    qint64 uncommitted = 0;
    QString commitError;
    qint64 maxRecords = 0;
    qint64 maxBytes = 0;
};

// What the facade and the store thread share: the stats and the bytes recorded but not committed.
struct FailedQueueState {
    mutable QMutex mutex; // guards stats
    FailedQueueStats stats;
    std::atomic<qint64> queuedBytes { 0 };
};

class FailedEventStore : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString path; // the SQLite file, e.g. <data-dir>/failed-events.sqlite
        qint64 maxRecords = 100000;
        qint64 maxBytes = 256LL * 1024 * 1024;
    };

    // Failures arriving together share one transaction: a batch is committed (fsynced) this long
    // after its first failure. A crash or a power cut can lose what is not committed yet; the
    // tests derive their loss bound from it (tst_ackhook, tst_powercut).
    static constexpr int CommitDelayMs = 10;

    explicit FailedEventStore(QObject *parent = nullptr);
    ~FailedEventStore() override;

    bool open(const Options &options, QString *error); // blocking: schema, integrity of counts
    void close(); // commits what is queued, then closes

    // Any thread, never blocks. Committed in batches; when the queue is full (after dropping the
    // oldest replayed or discarded records) the event is counted as unrecorded instead. When a
    // commit fails (disk full, I/O error) the batch is rolled back, held in memory (bounded) and
    // retried every second: counted as uncommitted, never as pending, until it is on disk.
    void record(FailedEvent event);

    // Blocking reads and changes (SQLite on a local file: milliseconds). Newest first. With
    // maxBodyBytes >= 0 each body is cut to that size (bodyBytes keeps the whole size).
    QList<FailedEvent> list(std::optional<FailedEvent::State> state, int limit, qsizetype maxBodyBytes = -1) const;
    QList<FailedEvent> events(const QList<qint64> &ids) const;
    std::optional<FailedEvent> find(qint64 id) const;
    QList<qint64> pendingIds(int limit) const; // oldest first: replay order
    bool discard(qint64 id); // false when there is no such pending event
    // Discards every pending lab event (FailedEvent::isLab: the scenario runner's traffic), real
    // senders' events left pending. Returns how many were discarded.
    int discardLab();
    // Asynchronous: attempts+1 and the outcome; an acked replay becomes "replayed".
    void recordReplay(qint64 id, const PublishResult &result);
    void flush() const; // blocks until everything queued so far is committed

    QByteArray exportJsonLines(std::optional<FailedEvent::State> state) const;
    // A shell script resending each event to its own endpoint (path and query as received) on the
    // gateway at url's scheme://host:port, with its original headers (secrets left out).
    QByteArray exportCurlScript(const QString &url, std::optional<FailedEvent::State> state) const;

    FailedQueueStats stats() const; // any thread
    QString path() const { return m_options.path; }
    bool isOpen() const { return m_database != nullptr; }

Q_SIGNALS:
    void changed(const FailedQueueStats &stats); // after committed changes, at most every 100 ms

private:
    template <typename F> auto blocking(F f) const;

    Options m_options;
    QThread m_thread;
    std::unique_ptr<FailedEventDatabase> m_database;
    FailedQueueState m_state;
    QMutex m_inboxMutex;
    std::vector<FailedEvent> m_inbox; // recorded, not yet handed to the store thread
    bool m_inboxPosted = false; // a hand-off is queued to the store thread
};

// The JSON form used by the admin API and the JSON Lines export (body as text, or body_base64).
QJsonObject failedEventToJson(const FailedEvent &event);

Q_DECLARE_METATYPE(FailedQueueStats)
