// FailedEventDatabase: schema, batched commits, bounds and queries of the failed-event queue.
#include "store/failedeventdatabase.h"
#include "store/sqlitefile.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

Q_DECLARE_LOGGING_CATEGORY(lcStore)

namespace {

constexpr int CommitDelayMs = FailedEventStore::CommitDelayMs; // exported: the tests derive their bound from it
constexpr int RetryDelayMs = 1000; // after a failed commit (a full disk): the batch waits in memory
constexpr int ChangedIntervalMs = 100;

// %1: the body column, whole or cut (the monitor's list must not load megabytes per row).
const QString Columns = QStringLiteral(
    "id, received_ms, endpoint, subject, method, headers, %1, idem_key, key_generated, reason, detail, "
    "attempts, last_attempt_ms, state, replay_seq, replay_duplicate, length(body), target, msg_id, published_headers");

FailedEvent fromQuery(const QSqlQuery &q)
{
    FailedEvent e;
    e.id = q.value(0).toLongLong();
    e.receivedMs = q.value(1).toLongLong();
    e.endpoint = q.value(2).toString().toUtf8();
    e.subject = q.value(3).toString().toUtf8();
    e.method = q.value(4).toString().toUtf8();
    e.headers = SqliteFile::headersFromJson(q.value(5).toByteArray());
    e.body = q.value(6).toByteArray();
    e.key = q.value(7).toString().toLatin1();
    e.keyGenerated = q.value(8).toBool();
    e.reason = q.value(9).toString();
    e.detail = q.value(10).toString();
    e.attempts = q.value(11).toInt();
    e.lastAttemptMs = q.value(12).toLongLong();
    e.state = FailedEvent::stateFromName(q.value(13).toString()).value_or(FailedEvent::State::Pending);
    e.replaySeq = q.value(14).toULongLong();
    e.replayDuplicate = q.value(15).toBool();
    e.bodyBytes = q.value(16).toLongLong();
    e.target = q.value(17).toString().toUtf8();
    e.msgId = q.value(18).toString().toLatin1();
    if (!q.isNull(19))
        e.published = SqliteFile::headersFromJson(q.value(19).toByteArray());
    return e;
}

} // namespace

FailedEventDatabase::FailedEventDatabase(FailedQueueState *state, std::function<void()> changed)
    : m_state(state)
    , m_changed(std::move(changed))
    , m_connectionName(QStringLiteral("ackhook-failed-%1").arg(reinterpret_cast<quintptr>(this)))
{
    m_commitTimer.setSingleShot(true);
    connect(&m_commitTimer, &QTimer::timeout, this, &FailedEventDatabase::commit);
    m_changedTimer.setSingleShot(true);
    connect(&m_changedTimer, &QTimer::timeout, this, [this] { m_changed(); });
}

FailedEventDatabase::~FailedEventDatabase()
{
    close();
}

bool FailedEventDatabase::open(const FailedEventStore::Options &options, QString *error)
{
    m_options = options;
    // FULL: a commit is fsynced, so a power cut loses at most the last commit window, as a crash does
    // (tst_powercut). At NORMAL a WAL commit waited for the next checkpoint: a cut lost thousands.
    const QStringList schema { QStringLiteral("CREATE TABLE IF NOT EXISTS failed_events ("
                       "id INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL, endpoint TEXT NOT NULL,"
                       " subject TEXT NOT NULL, method TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,"
                       " idem_key TEXT NOT NULL, key_generated INTEGER NOT NULL, reason TEXT NOT NULL,"
                       " detail TEXT NOT NULL, attempts INTEGER NOT NULL, last_attempt_ms INTEGER NOT NULL,"
                       " state TEXT NOT NULL, replay_seq INTEGER, replay_duplicate INTEGER)"),
        QStringLiteral("CREATE INDEX IF NOT EXISTS failed_events_state ON failed_events(state, id)") };
    if (!SqliteFile::open(m_connectionName, options.path, SqliteFile::Durability::Full, schema,
            QStringLiteral("failed-event queue"), error))
        return false;
    // Columns added later (a queue written by an older ackhook gains them, NULL in its rows).
    const QStringList added { QStringLiteral("target TEXT"), QStringLiteral("msg_id TEXT"),
        QStringLiteral("published_headers TEXT") };
    if (!SqliteFile::addColumns(m_connectionName, QStringLiteral("failed_events"), added, error)) {
        SqliteFile::close(m_connectionName);
        return false;
    }
    recount();
    return true;
}

void FailedEventDatabase::close()
{
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    commit();
    if (!m_queue.empty()) {
        // The last chance failed too: these 500s are not in the queue, and the counters say so.
        qCCritical(lcStore).noquote() << "failed-event queue: could not record" << m_queue.size()
                                      << "failed events before closing:" << m_commitError;
        const quint64 lost = m_queue.size();
        for (const FailedEvent &e : m_queue)
            m_state->queuedBytes.fetch_sub(e.body.size());
        m_queue.clear();
        m_commitError.clear();
        publishStats(lost);
    }
    m_commitTimer.stop();
    SqliteFile::close(m_connectionName);
}

void FailedEventDatabase::enqueue(FailedEvent event)
{
    m_queue.push_back(std::move(event));
    if (!m_commitTimer.isActive())
        m_commitTimer.start(CommitDelayMs);
}

void FailedEventDatabase::commit()
{
    m_commitTimer.stop();
    if (m_queue.empty() && m_replays.empty())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QString error;
    quint64 unrecorded = 0;
    if (!writeBatch(db, &error, &unrecorded)) {
        // Nothing of the batch is on disk: the counters come back from the file, the events stay
        // here (their bytes still count against the facade's bound) and the commit is retried.
        recount();
        if (m_commitError.isEmpty())
            qCWarning(lcStore).noquote() << "failed-event queue: cannot commit" << m_queue.size()
                                         << "failed events, holding them in memory and retrying every second:" << error;
        m_commitError = error;
        m_commitTimer.start(RetryDelayMs);
        publishStats(0);
        return;
    }
    if (!m_commitError.isEmpty())
        qCInfo(lcStore).noquote() << "failed-event queue: committed again after:" << m_commitError;
    m_commitError.clear();
    for (const FailedEvent &e : m_queue)
        m_state->queuedBytes.fetch_sub(e.body.size());
    m_queue.clear();
    m_replays.clear();
    publishStats(unrecorded);
}

bool FailedEventDatabase::writeBatch(QSqlDatabase &db, QString *error, quint64 *unrecorded)
{
    const auto fail = [&](const QString &what, const QSqlError &sqlError) {
        *error = what + QStringLiteral(": ") + sqlError.text();
        db.rollback();
        return false;
    };
    if (!db.transaction())
        return fail(QStringLiteral("cannot begin a transaction"), db.lastError());
    QSqlQuery insert(db);
    insert.prepare(QStringLiteral("INSERT INTO failed_events (received_ms, endpoint, subject, method, headers, body,"
                                  " idem_key, key_generated, reason, detail, attempts, last_attempt_ms, target, msg_id,"
                                  " published_headers, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'pending')"));
    for (const FailedEvent &e : m_queue) {
        if (!makeRoom(db, e.body.size())) {
            ++*unrecorded; // the queue is full of pending events: its bound, not the disk
            continue;
        }
        insert.addBindValue(e.receivedMs);
        insert.addBindValue(QString::fromUtf8(e.endpoint));
        insert.addBindValue(QString::fromUtf8(e.subject));
        insert.addBindValue(QString::fromLatin1(e.method));
        insert.addBindValue(QString::fromUtf8(SqliteFile::headersToJson(e.headers)));
        insert.addBindValue(e.body.isNull() ? QByteArray("") : e.body);
        insert.addBindValue(QString::fromLatin1(e.key));
        insert.addBindValue(e.keyGenerated ? 1 : 0);
        insert.addBindValue(e.reason);
        insert.addBindValue(e.detail);
        insert.addBindValue(e.attempts);
        insert.addBindValue(e.lastAttemptMs);
        insert.addBindValue(QString::fromUtf8(e.target));
        insert.addBindValue(QString::fromLatin1(e.msgId));
        insert.addBindValue(e.published.isEmpty() ? QVariant()
                                                  : QVariant(QString::fromUtf8(SqliteFile::headersToJson(e.published))));
        if (!insert.exec()) {
            *unrecorded = 0;
            return fail(QStringLiteral("cannot record a failed event"), insert.lastError());
        }
        // makeRoom() counts with these, so a batch over the bounds drops what it must.
        m_total += 1;
        m_pending += 1;
        m_bytes += e.body.size();
    }

    QSqlQuery update(db);
    // A successful replay keeps the reason of the last failure, for the record.
    update.prepare(QStringLiteral("UPDATE failed_events SET attempts = attempts + 1, last_attempt_ms = ?,"
                                  " reason = COALESCE(?, reason), detail = COALESCE(?, detail), state = ?,"
                                  " replay_seq = ?, replay_duplicate = ? WHERE id = ? AND state = 'pending'"));
    qint64 replayed = 0;
    for (const auto &[id, result] : m_replays) {
        update.addBindValue(QDateTime::currentMSecsSinceEpoch());
        update.addBindValue(result.acked ? QVariant() : QVariant(failureReasonName(result.reason)));
        update.addBindValue(result.acked ? QVariant() : QVariant(result.detail));
        update.addBindValue(result.acked ? QStringLiteral("replayed") : QStringLiteral("pending"));
        update.addBindValue(result.acked ? QVariant(static_cast<qint64>(result.seq)) : QVariant());
        update.addBindValue(result.acked ? QVariant(result.duplicate ? 1 : 0) : QVariant());
        update.addBindValue(id);
        if (!update.exec()) {
            *unrecorded = 0;
            return fail(QStringLiteral("cannot record a replay"), update.lastError());
        }
        if (update.numRowsAffected() > 0 && result.acked)
            ++replayed;
    }
    if (!db.commit()) {
        *unrecorded = 0;
        return fail(QStringLiteral("commit failed"), db.lastError());
    }
    m_pending -= replayed;
    m_replayed += replayed;
    return true;
}

bool FailedEventDatabase::makeRoom(QSqlDatabase &db, qint64 bytes)
{
    if (bytes > m_options.maxBytes)
        return false;
    auto fits = [&] { return m_total < m_options.maxRecords && m_bytes + bytes <= m_options.maxBytes; };
    if (fits())
        return true;
    if (m_total - m_pending == 0)
        return false;
    QSqlQuery q(db);
    q.exec(QStringLiteral("DELETE FROM failed_events WHERE id IN (SELECT id FROM failed_events"
                          " WHERE state != 'pending' ORDER BY id LIMIT 1000)"));
    recount();
    return fits();
}

void FailedEventDatabase::recount()
{
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.exec(QStringLiteral("SELECT state, COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM failed_events GROUP BY state"));
    m_total = m_pending = m_replayed = m_discarded = m_bytes = 0;
    while (q.next()) {
        const qint64 count = q.value(1).toLongLong();
        m_total += count;
        m_bytes += q.value(2).toLongLong();
        const QString state = q.value(0).toString();
        if (state == QLatin1String("pending"))
            m_pending = count;
        else if (state == QLatin1String("replayed"))
            m_replayed = count;
        else
            m_discarded += count;
    }
    publishStats(0);
}

void FailedEventDatabase::publishStats(quint64 unrecorded)
{
    {
        QMutexLocker lock(&m_state->mutex);
        FailedQueueStats &s = m_state->stats;
        s.total = m_total;
        s.pending = m_pending;
        s.replayed = m_replayed;
        s.discarded = m_discarded;
        s.bytes = m_bytes;
        s.unrecorded += unrecorded;
        s.uncommitted = m_commitError.isEmpty() ? 0 : static_cast<qint64>(m_queue.size());
        s.commitError = m_commitError;
        s.maxRecords = m_options.maxRecords;
        s.maxBytes = m_options.maxBytes;
    }
    if (!m_changedTimer.isActive())
        m_changedTimer.start(ChangedIntervalMs);
}

QList<FailedEvent> FailedEventDatabase::select(
    const QString &where, const QVariantList &values, const QString &order, int limit, qsizetype maxBodyBytes)
{
    commit(); // read your own writes
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral("SELECT %1 FROM failed_events %2 ORDER BY %3 LIMIT %4")
                  .arg(Columns.arg(maxBodyBytes < 0 ? QStringLiteral("body")
                                                    : QStringLiteral("substr(body, 1, %1)").arg(maxBodyBytes)),
                      where.isEmpty() ? QString() : QStringLiteral("WHERE ") + where, order)
                  .arg(limit));
    for (const QVariant &value : values)
        q.addBindValue(value);
    QList<FailedEvent> events;
    if (!q.exec()) {
        qCWarning(lcStore).noquote() << "failed-event query:" << q.lastError().text();
        return events;
    }
    while (q.next())
        events.append(fromQuery(q));
    return events;
}

bool FailedEventDatabase::discard(qint64 id)
{
    commit();
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.prepare(QStringLiteral("UPDATE failed_events SET state = 'discarded' WHERE id = ? AND state = 'pending'"));
    q.addBindValue(id);
    if (!q.exec() || q.numRowsAffected() == 0)
        return false;
    --m_pending;
    ++m_discarded;
    publishStats(0);
    return true;
}

void FailedEventDatabase::addReplay(qint64 id, const PublishResult &result)
{
    m_replays.emplace_back(id, result);
    if (!m_commitTimer.isActive())
        m_commitTimer.start(CommitDelayMs);
}
