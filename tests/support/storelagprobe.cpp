// StoreLagProbe: a std::thread with its own SQLite connection, committing one row per commit delay.
#include "storelagprobe.h"

#include "store/failedeventstore.h"

#include <QDir>
#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace TestSupport {

StoreLagProbe::StoreLagProbe(QString directory)
    : m_path(QDir(directory).filePath(QStringLiteral("store-lag-probe.sqlite")))
{
    m_thread = std::thread([this] { run(); });
}

StoreLagProbe::~StoreLagProbe()
{
    stop();
}

void StoreLagProbe::stop()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable())
        m_thread.join();
}

QString StoreLagProbe::error() const
{
    std::lock_guard lock(const_cast<std::mutex &>(m_mutex));
    return m_error;
}

qint64 StoreLagProbe::lossBoundMs() const
{
    return FailedEventStore::CommitDelayMs + 2 * (worstWakeLateMs() + 2 * worstCommitMs() + 1);
}

void StoreLagProbe::run()
{
    const QString name = QStringLiteral("store-lag-probe-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_path);
        QSqlQuery q(db);
        // The failed-event store's settings (core/store/sqlitefile.cpp, Durability::Full).
        if (!db.open() || !q.exec(QStringLiteral("PRAGMA journal_mode=WAL"))
            || !q.exec(QStringLiteral("PRAGMA synchronous=FULL"))
            || !q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, body BLOB)"))) {
            std::lock_guard lock(m_mutex);
            m_error = db.lastError().text() + q.lastError().text();
            return;
        }
        const QByteArray body(1500, 'p'); // about a failed event's row
        QElapsedTimer clock;
        clock.start();
        std::unique_lock lock(m_mutex);
        while (!m_stop) {
            const qint64 dueUs = clock.nsecsElapsed() / 1000 + FailedEventStore::CommitDelayMs * 1000;
            // The store's commit timer: a timed wait, woken early only to stop.
            m_wake.wait_for(lock, std::chrono::milliseconds(FailedEventStore::CommitDelayMs), [this] { return m_stop; });
            if (m_stop)
                break;
            lock.unlock();
            const qint64 wokeUs = clock.nsecsElapsed() / 1000;
            m_worstLateUs.store(std::max(m_worstLateUs.load(), wokeUs - dueUs));
            bool ok = db.transaction();
            q.prepare(QStringLiteral("INSERT INTO probe (body) VALUES (?)"));
            q.addBindValue(body);
            ok = ok && q.exec() && db.commit();
            const qint64 doneUs = clock.nsecsElapsed() / 1000;
            m_worstCommitUs.store(std::max(m_worstCommitUs.load(), doneUs - wokeUs));
            ++m_commits;
            lock.lock();
            if (!ok) {
                m_error = db.lastError().text() + q.lastError().text();
                break;
            }
        }
        lock.unlock();
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace TestSupport
