// FailedEventStore: facade (any thread) and FailedEventDatabase (SQLite, store thread).
#include "store/failedeventstore.h"
#include "http/curlcommand.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringDecoder>
#include <QTimer>
#include <QVariant>

#include <vector>

Q_LOGGING_CATEGORY(lcStore, "ackhook.failed")

namespace {

constexpr int CommitDelayMs = 10; // failures arriving together share one transaction
constexpr int ChangedIntervalMs = 100;
constexpr qint64 MaxQueuedBytes = 64LL * 1024 * 1024; // waiting for the disk: beyond this, unrecorded

QByteArray headersToJson(const HeaderList &headers)
{
    QJsonArray array;
    for (const auto &[name, value] : headers) // Latin-1 keeps any byte value as it was
        array.append(QJsonArray { QString::fromLatin1(name), QString::fromLatin1(value) });
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

HeaderList headersFromJson(const QByteArray &json)
{
    HeaderList headers;
    for (const QJsonValue &pair : QJsonDocument::fromJson(json).array())
        headers.append({ pair[0].toString().toLatin1(), pair[1].toString().toLatin1() });
    return headers;
}

// %1: the body column, whole or cut (the monitor's list must not load megabytes per row).
const QString Columns = QStringLiteral(
    "id, received_ms, endpoint, subject, method, headers, %1, idem_key, key_generated, reason, detail, "
    "attempts, last_attempt_ms, state, replay_seq, replay_duplicate, length(body)");

FailedEvent fromQuery(const QSqlQuery &q)
{
    FailedEvent e;
    e.id = q.value(0).toLongLong();
    e.receivedMs = q.value(1).toLongLong();
    e.endpoint = q.value(2).toString().toUtf8();
    e.subject = q.value(3).toString().toUtf8();
    e.method = q.value(4).toString().toUtf8();
    e.headers = headersFromJson(q.value(5).toByteArray());
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
    return e;
}

QJsonObject toJson(const FailedEvent &e)
{
    QJsonArray headers;
    for (const auto &[name, value] : e.headers)
        headers.append(QJsonArray { QString::fromLatin1(name), QString::fromLatin1(value) });
    QJsonObject object { { QStringLiteral("id"), e.id },
        { QStringLiteral("received"),
            QDateTime::fromMSecsSinceEpoch(e.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("endpoint"), QString::fromUtf8(e.endpoint) },
        { QStringLiteral("subject"), QString::fromUtf8(e.subject) },
        { QStringLiteral("method"), QString::fromLatin1(e.method) }, { QStringLiteral("headers"), headers },
        { QStringLiteral("key"), QString::fromLatin1(e.key) }, { QStringLiteral("key_generated"), e.keyGenerated },
        { QStringLiteral("reason"), e.reason }, { QStringLiteral("detail"), e.detail },
        { QStringLiteral("attempts"), e.attempts },
        { QStringLiteral("last_attempt"),
            QDateTime::fromMSecsSinceEpoch(e.lastAttemptMs, Qt::UTC).toString(Qt::ISODateWithMs) },
        { QStringLiteral("state"), FailedEvent::stateName(e.state) } };
    if (isText(e.body))
        object.insert(QStringLiteral("body"), QString::fromUtf8(e.body));
    else
        object.insert(QStringLiteral("body_base64"), QString::fromLatin1(e.body.toBase64()));
    if (e.state == FailedEvent::State::Replayed) {
        object.insert(QStringLiteral("seq"), static_cast<qint64>(e.replaySeq));
        object.insert(QStringLiteral("duplicate"), e.replayDuplicate);
    }
    return object;
}

} // namespace

QJsonObject failedEventToJson(const FailedEvent &event)
{
    return toJson(event);
}

// ---- FailedEventDatabase: lives on the store thread --------------------------------------------

class FailedEventDatabase : public QObject {
public:
    explicit FailedEventDatabase(FailedEventStore *facade)
        : m_facade(facade)
        , m_connectionName(QStringLiteral("ackhook-failed-%1").arg(reinterpret_cast<quintptr>(this)))
    {
        m_commitTimer.setSingleShot(true);
        connect(&m_commitTimer, &QTimer::timeout, this, &FailedEventDatabase::commit);
        m_changedTimer.setSingleShot(true);
        connect(&m_changedTimer, &QTimer::timeout, this, [this] { Q_EMIT m_facade->changed(m_facade->stats()); });
    }

    ~FailedEventDatabase() override { close(); }

    bool open(const FailedEventStore::Options &options, QString *error)
    {
        m_options = options;
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connectionName);
        db.setDatabaseName(options.path);
        if (!db.open()) {
            *error
                = QStringLiteral("cannot open the failed-event queue %1: %2").arg(options.path, db.lastError().text());
            return false;
        }
        QSqlQuery q(db);
        // WAL: readers never block the writer; NORMAL: a crash of ackhook loses no committed
        // transaction (only a power loss may lose the last ones).
        const QStringList setup { QStringLiteral("PRAGMA journal_mode=WAL"),
            QStringLiteral("PRAGMA synchronous=NORMAL"), QStringLiteral("PRAGMA busy_timeout=5000"),
            QStringLiteral("CREATE TABLE IF NOT EXISTS failed_events ("
                           "id INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL, endpoint TEXT NOT NULL,"
                           " subject TEXT NOT NULL, method TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,"
                           " idem_key TEXT NOT NULL, key_generated INTEGER NOT NULL, reason TEXT NOT NULL,"
                           " detail TEXT NOT NULL, attempts INTEGER NOT NULL, last_attempt_ms INTEGER NOT NULL,"
                           " state TEXT NOT NULL, replay_seq INTEGER, replay_duplicate INTEGER)"),
            QStringLiteral("CREATE INDEX IF NOT EXISTS failed_events_state ON failed_events(state, id)") };
        for (const QString &statement : setup) {
            if (!q.exec(statement)) {
                *error = QStringLiteral("failed-event queue %1: %2").arg(options.path, q.lastError().text());
                return false;
            }
        }
        recount();
        return true;
    }

    void close()
    {
        if (!QSqlDatabase::contains(m_connectionName))
            return;
        commit();
        {
            QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_connectionName);
    }

    void enqueue(FailedEvent event)
    {
        m_queue.push_back(std::move(event));
        if (!m_commitTimer.isActive())
            m_commitTimer.start(CommitDelayMs);
    }

    void commit()
    {
        m_commitTimer.stop();
        if (m_queue.empty() && m_replays.empty())
            return;
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.transaction();
        QSqlQuery insert(db);
        insert.prepare(
            QStringLiteral("INSERT INTO failed_events (received_ms, endpoint, subject, method, headers, body,"
                           " idem_key, key_generated, reason, detail, attempts, last_attempt_ms, state)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'pending')"));
        quint64 unrecorded = 0;
        for (const FailedEvent &e : m_queue) {
            m_facade->m_queuedBytes.fetch_sub(e.body.size());
            if (!makeRoom(db, e.body.size())) {
                ++unrecorded;
                continue;
            }
            insert.addBindValue(e.receivedMs);
            insert.addBindValue(QString::fromUtf8(e.endpoint));
            insert.addBindValue(QString::fromUtf8(e.subject));
            insert.addBindValue(QString::fromLatin1(e.method));
            insert.addBindValue(QString::fromUtf8(headersToJson(e.headers)));
            insert.addBindValue(e.body.isNull() ? QByteArray("") : e.body);
            insert.addBindValue(QString::fromLatin1(e.key));
            insert.addBindValue(e.keyGenerated ? 1 : 0);
            insert.addBindValue(e.reason);
            insert.addBindValue(e.detail);
            insert.addBindValue(e.attempts);
            insert.addBindValue(e.lastAttemptMs);
            if (!insert.exec()) {
                qCWarning(lcStore).noquote() << "cannot record a failed event:" << insert.lastError().text();
                ++unrecorded;
                continue;
            }
            m_total += 1;
            m_pending += 1;
            m_bytes += e.body.size();
        }
        m_queue.clear();

        QSqlQuery update(db);
        // A successful replay keeps the reason of the last failure, for the record.
        update.prepare(QStringLiteral("UPDATE failed_events SET attempts = attempts + 1, last_attempt_ms = ?,"
                                      " reason = COALESCE(?, reason), detail = COALESCE(?, detail), state = ?,"
                                      " replay_seq = ?, replay_duplicate = ? WHERE id = ? AND state = 'pending'"));
        for (const auto &[id, result] : m_replays) {
            update.addBindValue(QDateTime::currentMSecsSinceEpoch());
            update.addBindValue(result.acked ? QVariant() : QVariant(failureReasonName(result.reason)));
            update.addBindValue(result.acked ? QVariant() : QVariant(result.detail));
            update.addBindValue(result.acked ? QStringLiteral("replayed") : QStringLiteral("pending"));
            update.addBindValue(result.acked ? QVariant(static_cast<qint64>(result.seq)) : QVariant());
            update.addBindValue(result.acked ? QVariant(result.duplicate ? 1 : 0) : QVariant());
            update.addBindValue(id);
            if (!update.exec())
                qCWarning(lcStore).noquote() << "cannot record a replay:" << update.lastError().text();
            else if (update.numRowsAffected() > 0 && result.acked) {
                --m_pending;
                ++m_replayed;
            }
        }
        m_replays.clear();
        if (!db.commit())
            qCWarning(lcStore).noquote() << "failed-event queue commit failed:" << db.lastError().text();
        publishStats(unrecorded);
    }

    // Keeps the queue within its bounds: the oldest replayed or discarded records go first;
    // pending ones are never dropped to make room.
    bool makeRoom(QSqlDatabase &db, qint64 bytes)
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

    void recount()
    {
        QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
        q.exec(
            QStringLiteral("SELECT state, COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM failed_events GROUP BY state"));
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

    void publishStats(quint64 unrecorded)
    {
        {
            QMutexLocker lock(&m_facade->m_statsMutex);
            FailedQueueStats &s = m_facade->m_stats;
            s.total = m_total;
            s.pending = m_pending;
            s.replayed = m_replayed;
            s.discarded = m_discarded;
            s.bytes = m_bytes;
            s.unrecorded += unrecorded;
            s.maxRecords = m_options.maxRecords;
            s.maxBytes = m_options.maxBytes;
        }
        if (!m_changedTimer.isActive())
            m_changedTimer.start(ChangedIntervalMs);
    }

    QList<FailedEvent> select(
        const QString &where, const QVariantList &values, const QString &order, int limit, qsizetype maxBodyBytes = -1)
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

    bool discard(qint64 id)
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

    void addReplay(qint64 id, const PublishResult &result)
    {
        m_replays.emplace_back(id, result);
        if (!m_commitTimer.isActive())
            m_commitTimer.start(CommitDelayMs);
    }

private:
    FailedEventStore *m_facade;
    QString m_connectionName;
    FailedEventStore::Options m_options;
    std::vector<FailedEvent> m_queue;
    std::vector<std::pair<qint64, PublishResult>> m_replays;
    QTimer m_commitTimer { this };
    QTimer m_changedTimer { this };
    qint64 m_total = 0, m_pending = 0, m_replayed = 0, m_discarded = 0, m_bytes = 0;
};

// ---- FailedEventStore facade -------------------------------------------------------------------

FailedEventStore::FailedEventStore(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("ackhook-store"));
}

FailedEventStore::~FailedEventStore()
{
    close();
}

template <typename F> auto FailedEventStore::blocking(F f) const
{
    using Result = decltype(f(m_database.get()));
    if constexpr (std::is_void_v<Result>) {
        if (m_database)
            QMetaObject::invokeMethod(
                m_database.get(), [&] { f(m_database.get()); }, Qt::BlockingQueuedConnection);
    } else {
        Result result {};
        if (m_database)
            QMetaObject::invokeMethod(
                m_database.get(), [&] { result = f(m_database.get()); }, Qt::BlockingQueuedConnection);
        return result;
    }
}

bool FailedEventStore::open(const Options &options, QString *error)
{
    if (m_database)
        return true;
    m_options = options;
    m_database = std::make_unique<FailedEventDatabase>(this);
    m_database->moveToThread(&m_thread);
    m_thread.start();
    QString message;
    const bool ok = blocking([&](FailedEventDatabase *db) { return db->open(options, &message); });
    if (!ok) {
        if (error)
            *error = message;
        close();
        return false;
    }
    return true;
}

void FailedEventStore::close()
{
    if (!m_database)
        return;
    blocking([](FailedEventDatabase *db) { db->close(); });
    // Destroy the worker on its thread: its timers belong there.
    QMetaObject::invokeMethod(
        m_database.get(), [this] { m_database.reset(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void FailedEventStore::record(FailedEvent event)
{
    if (!m_database || m_queuedBytes.load() + event.body.size() > MaxQueuedBytes) {
        QMutexLocker lock(&m_statsMutex);
        ++m_stats.unrecorded;
        return;
    }
    m_queuedBytes.fetch_add(event.body.size());
    event.headers = maskSecrets(event.headers);
    // One wake-up of the store thread per batch, not per failure: during an outage every webhook
    // is a failure, and a post per event cost the answering thread a cross-thread wake-up each.
    QMutexLocker lock(&m_inboxMutex);
    m_inbox.push_back(std::move(event));
    if (m_inboxPosted)
        return;
    m_inboxPosted = true;
    QMetaObject::invokeMethod(
        m_database.get(),
        [this, db = m_database.get()] {
            std::vector<FailedEvent> events;
            {
                QMutexLocker lock(&m_inboxMutex);
                events.swap(m_inbox);
                m_inboxPosted = false;
            }
            for (FailedEvent &event : events)
                db->enqueue(std::move(event));
        },
        Qt::QueuedConnection);
}

QList<FailedEvent> FailedEventStore::list(
    std::optional<FailedEvent::State> state, int limit, qsizetype maxBodyBytes) const
{
    return blocking([&](FailedEventDatabase *db) {
        return state ? db->select(QStringLiteral("state = ?"), { FailedEvent::stateName(*state) },
                   QStringLiteral("id DESC"), limit, maxBodyBytes)
                     : db->select({}, {}, QStringLiteral("id DESC"), limit, maxBodyBytes);
    });
}

QList<FailedEvent> FailedEventStore::events(const QList<qint64> &ids) const
{
    // One query (and one trip to the store thread) per chunk of ids, not one per id.
    constexpr qsizetype Chunk = 500; // SQLite allows 999 bound parameters in older builds
    return blocking([&](FailedEventDatabase *db) {
        QList<FailedEvent> result;
        for (qsizetype first = 0; first < ids.size(); first += Chunk) {
            const QList<qint64> chunk = ids.mid(first, Chunk);
            QStringList marks;
            QVariantList values;
            for (qint64 id : chunk) {
                marks.append(QStringLiteral("?"));
                values.append(id);
            }
            result += db->select(QStringLiteral("id IN (%1)").arg(marks.join(QLatin1Char(','))), values,
                QStringLiteral("id"), static_cast<int>(chunk.size()));
        }
        return result;
    });
}

std::optional<FailedEvent> FailedEventStore::find(qint64 id) const
{
    const QList<FailedEvent> found = blocking(
        [&](FailedEventDatabase *db) { return db->select(QStringLiteral("id = ?"), { id }, QStringLiteral("id"), 1); });
    if (found.isEmpty())
        return std::nullopt;
    return found.first();
}

QList<qint64> FailedEventStore::pendingIds(int limit) const
{
    QList<qint64> ids;
    const QList<FailedEvent> pending = blocking([&](FailedEventDatabase *db) {
        return db->select(QStringLiteral("state = 'pending'"), {}, QStringLiteral("id"), limit);
    });
    for (const FailedEvent &e : pending)
        ids.append(e.id);
    return ids;
}

bool FailedEventStore::discard(qint64 id)
{
    return blocking([&](FailedEventDatabase *db) { return db->discard(id); });
}

void FailedEventStore::recordReplay(qint64 id, const PublishResult &result)
{
    if (m_database)
        QMetaObject::invokeMethod(
            m_database.get(), [db = m_database.get(), id, result] { db->addReplay(id, result); }, Qt::QueuedConnection);
}

void FailedEventStore::flush() const
{
    blocking([](FailedEventDatabase *db) { db->commit(); });
}

FailedQueueStats FailedEventStore::stats() const
{
    QMutexLocker lock(&m_statsMutex);
    return m_stats;
}

QByteArray FailedEventStore::exportJsonLines(std::optional<FailedEvent::State> state) const
{
    QByteArray out;
    const QList<FailedEvent> all = list(state, std::numeric_limits<int>::max());
    for (auto it = all.crbegin(); it != all.crend(); ++it) // oldest first, like a log
        out += QJsonDocument(toJson(*it)).toJson(QJsonDocument::Compact) + '\n';
    return out;
}

QByteArray FailedEventStore::exportCurlScript(const QString &url, std::optional<FailedEvent::State> state) const
{
    const QList<FailedEvent> all = list(state, std::numeric_limits<int>::max());
    QByteArray out = "#!/bin/sh\n"
                     "# ackhook failed-event export: resends each event with its original headers (secrets left out).\n"
                     "# Usage: sh THIS_FILE [URL]\n"
                     "# The idempotency key travels along, so JetStream deduplicates events that were already stored.\n"
                     "set -u\n"
                     "URL=${1:-"
        + shellQuote(url.toUtf8()) + "}\nfailed=0\n";
    for (auto it = all.crbegin(); it != all.crend(); ++it) {
        const FailedEvent &e = *it;
        out += "\n# id " + QByteArray::number(e.id) + ", "
            + QDateTime::fromMSecsSinceEpoch(e.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1() + ", "
            + e.reason.toUtf8() + '\n';
        const QByteArray command = curlCommand(
            e.method, resendHeaders(e.headers, e.key), e.body, { "\"$URL\"", "-sS -o /dev/null -w '%{http_code}'" });
        out += "status=$(" + command + ")\n";
        out += "echo \"id " + QByteArray::number(e.id) + ": $status\"\n";
        out += "case $status in 2*) ;; *) failed=$((failed + 1)) ;; esac\n";
    }
    out += "\n[ \"$failed\" -eq 0 ] || { echo \"$failed events not accepted\" >&2; exit 1; }\n";
    return out;
}
