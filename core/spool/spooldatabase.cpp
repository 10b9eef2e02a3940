// SpoolDatabase: schema, bounded group commits, reads in arrival order, deletes after the PubAck.
#include "spool/spooldatabase.h"
#include "store/sqlitefile.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

Q_DECLARE_LOGGING_CATEGORY(lcSpool)

SpoolDatabase::SpoolDatabase()
    : m_connectionName(QStringLiteral("ackhook-spool-%1").arg(reinterpret_cast<quintptr>(this)))
{
}

SpoolDatabase::~SpoolDatabase()
{
    close();
}

bool SpoolDatabase::open(const Options &options, QString *error)
{
    m_options = options;
    const QStringList schema { QStringLiteral("CREATE TABLE IF NOT EXISTS spool ("
                                              "id INTEGER PRIMARY KEY AUTOINCREMENT, received_ms INTEGER NOT NULL,"
                                              " subject TEXT NOT NULL, msg_id TEXT NOT NULL, headers TEXT NOT NULL,"
                                              " body BLOB NOT NULL)") };
    if (!SqliteFile::open(
            m_connectionName, options.path, SqliteFile::Durability::Full, schema, QStringLiteral("spool"), error))
        return false;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    if (!q.exec(QStringLiteral("SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM spool")) || !q.next()) {
        *error = QStringLiteral("spool %1: %2").arg(options.path, q.lastError().text());
        return false;
    }
    m_records = q.value(0).toLongLong();
    m_bytes = q.value(1).toLongLong();
    return true;
}

void SpoolDatabase::close()
{
    SqliteFile::close(m_connectionName);
}

std::vector<SpoolDatabase::Appended> SpoolDatabase::append(const std::vector<SpooledEvent> &events)
{
    std::vector<Appended> results(events.size());
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isOpen()) {
        for (Appended &result : results)
            result.error = QStringLiteral("the spool is closed");
        return results;
    }
    db.transaction();
    QSqlQuery insert(db);
    insert.prepare(
        QStringLiteral("INSERT INTO spool (received_ms, subject, msg_id, headers, body) VALUES (?,?,?,?,?)"));
    qint64 records = m_records, bytes = m_bytes;
    for (size_t i = 0; i < events.size(); ++i) {
        const SpooledEvent &e = events[i];
        if (records >= m_options.maxRecords || bytes + e.event.body.size() > m_options.maxBytes) {
            results[i].outcome = Outcome::Full;
            continue;
        }
        insert.addBindValue(e.receivedMs);
        insert.addBindValue(QString::fromUtf8(e.event.subject));
        insert.addBindValue(QString::fromLatin1(e.event.msgId));
        insert.addBindValue(QString::fromUtf8(SqliteFile::headersToJson(e.event.headers)));
        insert.addBindValue(e.event.body.isNull() ? QByteArray("") : e.event.body);
        if (!insert.exec()) {
            results[i].error = insert.lastError().text();
            continue;
        }
        results[i].outcome = Outcome::Committed;
        results[i].id = insert.lastInsertId().toLongLong();
        ++records;
        bytes += e.event.body.size();
    }
    // The commit is the fsync (synchronous=FULL): only after it may anyone be told "spooled".
    if (!db.commit()) {
        const QString error = db.lastError().text();
        qCWarning(lcSpool).noquote() << "spool commit failed:" << error;
        db.rollback();
        for (Appended &result : results) {
            if (result.outcome == Outcome::Committed) {
                result.outcome = Outcome::Error;
                result.error = error;
            }
        }
        return results;
    }
    m_records = records;
    m_bytes = bytes;
    return results;
}

std::vector<SpooledEvent> SpoolDatabase::fetch(qint64 afterId, int limit)
{
    std::vector<SpooledEvent> events;
    QSqlQuery q(QSqlDatabase::database(m_connectionName, false));
    q.setForwardOnly(true);
    q.prepare(QStringLiteral(
        "SELECT id, received_ms, subject, msg_id, headers, body FROM spool WHERE id > ? ORDER BY id LIMIT ?"));
    q.addBindValue(afterId);
    q.addBindValue(limit);
    if (!q.exec()) {
        qCWarning(lcSpool).noquote() << "spool read failed:" << q.lastError().text();
        return events;
    }
    while (q.next()) {
        SpooledEvent e;
        e.id = q.value(0).toLongLong();
        e.receivedMs = q.value(1).toLongLong();
        e.event.subject = q.value(2).toString().toUtf8();
        e.event.msgId = q.value(3).toString().toLatin1();
        e.event.headers = SqliteFile::headersFromJson(q.value(4).toByteArray());
        e.event.body = q.value(5).toByteArray();
        events.push_back(std::move(e));
    }
    return events;
}

void SpoolDatabase::remove(const std::vector<qint64> &ids)
{
    if (ids.empty())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    db.transaction();
    QSqlQuery size(db), del(db);
    size.prepare(QStringLiteral("SELECT LENGTH(body) FROM spool WHERE id = ?"));
    del.prepare(QStringLiteral("DELETE FROM spool WHERE id = ?"));
    qint64 records = m_records, bytes = m_bytes;
    for (qint64 id : ids) {
        size.addBindValue(id);
        if (!size.exec() || !size.next())
            continue;
        const qint64 body = size.value(0).toLongLong();
        size.finish();
        del.addBindValue(id);
        if (del.exec() && del.numRowsAffected() > 0) {
            --records;
            bytes -= body;
        }
    }
    // Losing a delete only means a resend, which JetStream drops by its Nats-Msg-Id: NORMAL would
    // do, but one connection has one synchronous setting.
    if (!db.commit()) {
        qCWarning(lcSpool).noquote() << "spool delete failed:" << db.lastError().text();
        db.rollback();
        return;
    }
    m_records = records;
    m_bytes = bytes;
}
