// Spool: group commits on the spool thread, results posted back to the owner's thread.
#include "spool/spool.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcSpool, "ackhook.spool")

Spool::Spool(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("ackhook-spool"));
}

Spool::~Spool()
{
    close();
}

namespace {

// A spool that cannot write finds out at its first webhook, answering 500 from then on; a full disk
// (or a directory that cannot be written) is better said at start. SQLite writes nothing when it
// opens a spool file that exists already, so room is checked by writing (and syncing) a probe of
// Spool::RoomProbeBytes next to it, then removing it.
bool hasRoom(const QString &spoolPath, QString *error)
{
    const QString directory = QFileInfo(spoolPath).absolutePath();
    QFile probe(QDir(directory).filePath(QStringLiteral(".spool-room-probe")));
    const auto fail = [&](const QString &why) {
        *error = QStringLiteral("no room for the spool %1: writing %2 KiB in %3 failed: %4 (a full disk, or a "
                                "directory ackhook cannot write)")
                     .arg(spoolPath)
                     .arg(Spool::RoomProbeBytes / 1024)
                     .arg(directory, why);
        probe.remove();
        return false;
    };
    if (!probe.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Unbuffered))
        return fail(probe.errorString());
    const QByteArray chunk(64 * 1024, '\0');
    for (qint64 written = 0; written < Spool::RoomProbeBytes; written += chunk.size()) {
        if (probe.write(chunk) != chunk.size())
            return fail(probe.errorString());
    }
    if (::fsync(probe.handle()) != 0)
        return fail(QString::fromLocal8Bit(std::strerror(errno)));
    probe.close();
    probe.remove();
    return true;
}

} // namespace

bool Spool::open(const Options &options, QString *error)
{
    if (m_database)
        return true;
    if (QString why; !hasRoom(options.path, &why)) {
        if (error)
            *error = why;
        return false;
    }
    m_database = std::make_unique<SpoolDatabase>();
    m_database->moveToThread(&m_thread);
    m_thread.start();
    bool ok = false;
    QString message;
    qint64 records = 0, bytes = 0;
    QMetaObject::invokeMethod(
        m_database.get(),
        [&, db = m_database.get()] {
            ok = db->open(options, &message);
            records = db->records();
            bytes = db->bytes();
        },
        Qt::BlockingQueuedConnection);
    if (!ok) {
        if (error)
            *error = message;
        close();
        return false;
    }
    QMutexLocker lock(&m_statsMutex);
    m_stats.open = true;
    m_stats.records = records;
    m_stats.bytes = bytes;
    m_stats.maxRecords = options.maxRecords;
    m_stats.maxBytes = options.maxBytes;
    if (records > 0)
        qCInfo(lcSpool).noquote() << records << "spooled events from an earlier run wait to be forwarded";
    return true;
}

void Spool::close()
{
    if (!m_database)
        return;
    // Destroy the database on its thread: the connection belongs there. A commit in progress
    // finishes first (the invocation queues behind it) and has posted its outcome here: deliver
    // it now, so a request committed at shutdown still gets its 202.
    QMetaObject::invokeMethod(
        m_database.get(), [this] { m_database.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    if (thread() == QThread::currentThread())
        QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
    for (Waiting &waiting : m_waiting)
        waiting.done({ SpoolDatabase::Outcome::Error, 0, QStringLiteral("the spool is closing") });
    m_waiting.clear();
    QMutexLocker lock(&m_statsMutex);
    m_stats.open = false;
}

void Spool::append(SpooledEvent event, AppendDone done)
{
    const SpoolStats now = stats();
    if (!m_database) {
        done({ SpoolDatabase::Outcome::Error, 0, QStringLiteral("the spool is not open") });
        return;
    }
    const qint64 waitingRecords = static_cast<qint64>(m_waiting.size());
    if (now.records + waitingRecords >= now.maxRecords
        || now.bytes + m_waitingBytes + event.event.body.size() > now.maxBytes
        || m_waitingBytes + event.event.body.size() > MaxWaitingBytes) {
        QMutexLocker lock(&m_statsMutex);
        ++m_stats.refusedFull;
        lock.unlock();
        done({ SpoolDatabase::Outcome::Full, 0, {} });
        return;
    }
    m_waitingBytes += event.event.body.size();
    m_waiting.push_back({ std::move(event), std::move(done) });
    if (!m_committing)
        startCommit();
}

void Spool::startCommit()
{
    if (m_waiting.empty() || !m_database)
        return;
    m_committing = true;
    auto batch = std::make_shared<std::vector<Waiting>>();
    batch->swap(m_waiting);
    m_waitingBytes = 0;
    QMetaObject::invokeMethod(m_database.get(), [this, db = m_database.get(), batch] {
        std::vector<SpooledEvent> events;
        events.reserve(batch->size());
        for (const Waiting &waiting : *batch)
            events.push_back(waiting.event);
        const std::vector<Appended> results = db->append(events);
        const qint64 records = db->records(), bytes = db->bytes();
        // close() waits for this call before the facade can go, so `this` is alive here.
        QMetaObject::invokeMethod(
            this, [this, batch, results, records, bytes] { finishCommit(std::move(*batch), results, records, bytes); },
            Qt::QueuedConnection);
    });
}

void Spool::finishCommit(std::vector<Waiting> batch, const std::vector<Appended> &results, qint64 records, qint64 bytes)
{
    m_committing = false;
    quint64 committed = 0, full = 0, errors = 0;
    for (const Appended &result : results) {
        switch (result.outcome) {
        case SpoolDatabase::Outcome::Committed:
            ++committed;
            break;
        case SpoolDatabase::Outcome::Full:
            ++full;
            break;
        case SpoolDatabase::Outcome::Error:
            ++errors;
            break;
        }
    }
    {
        QMutexLocker lock(&m_statsMutex);
        m_stats.records = records;
        m_stats.bytes = bytes;
        m_stats.committed += committed;
        m_stats.refusedFull += full;
        m_stats.writeErrors += errors;
    }
    for (size_t i = 0; i < batch.size(); ++i)
        batch[i].done(results[i]);
    if (committed > 0)
        Q_EMIT this->committed();
    startCommit(); // what arrived meanwhile
}

void Spool::fetch(qint64 afterId, int limit, FetchDone done)
{
    if (!m_database)
        return;
    QMetaObject::invokeMethod(m_database.get(), [this, db = m_database.get(), afterId, limit, done] {
        std::vector<SpooledEvent> events = db->fetch(afterId, limit);
        QMetaObject::invokeMethod(
            this, [done, events = std::move(events)]() mutable { done(std::move(events)); }, Qt::QueuedConnection);
    });
}

void Spool::remove(std::vector<qint64> ids, quint64 duplicates)
{
    if (!m_database || ids.empty())
        return;
    {
        QMutexLocker lock(&m_statsMutex);
        m_stats.forwarded += ids.size();
        m_stats.forwardedDuplicates += duplicates;
    }
    QMetaObject::invokeMethod(m_database.get(), [this, db = m_database.get(), ids = std::move(ids)] {
        db->remove(ids);
        const qint64 records = db->records(), bytes = db->bytes();
        QMetaObject::invokeMethod(
            this,
            [this, records, bytes] {
                QMutexLocker lock(&m_statsMutex);
                m_stats.records = records;
                m_stats.bytes = bytes;
            },
            Qt::QueuedConnection);
    });
}

void Spool::countForwardFailure()
{
    QMutexLocker lock(&m_statsMutex);
    ++m_stats.forwardFailures;
}

SpoolStats Spool::stats() const
{
    QMutexLocker lock(&m_statsMutex);
    return m_stats;
}
