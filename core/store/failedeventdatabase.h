// FailedEventDatabase: the failed-event queue's SQLite side, on the store thread. FailedEventStore is
// its thread-safe facade; what both see (the stats, the bytes waiting) is a FailedQueueState.
#pragma once

#include "store/failedeventstore.h"

#include <QSqlDatabase>
#include <QTimer>

#include <functional>
#include <vector>

class FailedEventDatabase : public QObject {
public:
    // changed: called on the store thread at most every 100 ms after committed changes.
    FailedEventDatabase(FailedQueueState *state, std::function<void()> changed);
    ~FailedEventDatabase() override;

    bool open(const FailedEventStore::Options &options, QString *error);
    void close();
    void enqueue(FailedEvent event);
    void commit();
    QList<FailedEvent> select(
        const QString &where, const QVariantList &values, const QString &order, int limit, qsizetype maxBodyBytes = -1);
    bool discard(qint64 id);
    void addReplay(qint64 id, const PublishResult &result);

private:
    // Keeps the queue within its bounds: the oldest replayed or discarded records go first;
    // pending ones are never dropped to make room.
    bool makeRoom(QSqlDatabase &db, qint64 bytes);
    void recount();
    void publishStats(quint64 unrecorded);
    // Inserts the queued failures and applies the replays in one transaction; false (and *error)
    // when any statement or the commit failed, after a rollback.
    bool writeBatch(QSqlDatabase &db, QString *error, quint64 *unrecorded);

    FailedQueueState *m_state;
    std::function<void()> m_changed;
    QString m_connectionName;
    FailedEventStore::Options m_options;
    std::vector<FailedEvent> m_queue;
    std::vector<std::pair<qint64, PublishResult>> m_replays;
    QTimer m_commitTimer { this };
    QString m_commitError; // the last commit's failure; empty when it succeeded
    QTimer m_changedTimer { this };
    qint64 m_total = 0, m_pending = 0, m_replayed = 0, m_discarded = 0, m_bytes = 0;
};
