// Spool: the store-and-forward queue of the `spool` dispatch policy (docs/DESIGN.md §10) — SQLite
// with synchronous=FULL on its own thread; this facade lives on the server thread, gathers what
// arrives while a commit runs into the next one (group commit) and never blocks its caller.
#pragma once

#include "spool/spooldatabase.h"

#include <QMutex>
#include <QObject>
#include <QThread>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

class Spool : public QObject {
    Q_OBJECT
public:
    using Options = SpoolDatabase::Options;
    using Appended = SpoolDatabase::Appended;
    using AppendDone = std::function<void(const Appended &appended)>;
    using FetchDone = std::function<void(std::vector<SpooledEvent> events)>;
    static constexpr qint64 MaxWaitingBytes = 64LL * 1024 * 1024; // waiting for the disk: beyond, "full"
    static constexpr qint64 RoomProbeBytes = 1024 * 1024; // open() refuses a disk without this much room

    explicit Spool(QObject *parent = nullptr);
    ~Spool() override;

    // Blocking: room on the disk (RoomProbeBytes), schema, the records already spooled.
    bool open(const Options &options, QString *error);
    void close(); // blocking: waits for the commit in progress
    bool isOpen() const { return m_database != nullptr; }

    // done runs on this object's thread once the event is committed (on the disk) or refused.
    void append(SpooledEvent event, AppendDone done);
    // The first events after afterId in arrival order; done runs on this object's thread.
    void fetch(qint64 afterId, int limit, FetchDone done);
    void remove(std::vector<qint64> ids, quint64 duplicates);
    void countForwardFailure();

    SpoolStats stats() const; // any thread

Q_SIGNALS:
    void committed(); // events were added: the forwarder has work

private:
    struct Waiting {
        SpooledEvent event;
        AppendDone done;
    };
    void startCommit();
    void finishCommit(std::vector<Waiting> batch, const std::vector<Appended> &results, qint64 records, qint64 bytes);

    QThread m_thread;
    std::unique_ptr<SpoolDatabase> m_database;
    std::vector<Waiting> m_waiting;
    qint64 m_waitingBytes = 0;
    bool m_committing = false;
    mutable QMutex m_statsMutex;
    SpoolStats m_stats;
};
