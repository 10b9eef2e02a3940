// SqliteFile: the one way ackhook's SQLite files are opened (pragmas, schema) and closed.
#include "store/sqlitefile.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace SqliteFile {

bool open(const QString &connectionName, const QString &path, Durability durability, const QStringList &schema,
    const QString &what, QString *error)
{
    const QFileInfo info(path);
    if (info.isSymLink()) {
        *error = QStringLiteral("cannot open the %1 %2: it is a symbolic link (to %3); ackhook keeps its files "
                                "in the data directory itself")
                     .arg(what, path, info.symLinkTarget());
        return false;
    }
    if (!info.exists()) {
        // O_EXCL|O_NOFOLLOW: never through a link planted between the check and the open.
        const QByteArray native = QFile::encodeName(path);
        const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            *error = QStringLiteral("cannot create the %1 %2: %3").arg(what, path, QString::fromLocal8Bit(std::strerror(errno)));
            return false;
        }
        if (fd >= 0)
            ::close(fd);
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connectionName);
    db.setDatabaseName(path);
    if (!db.open()) {
        *error = QStringLiteral("cannot open the %1 %2: %3").arg(what, path, db.lastError().text());
        return false;
    }
    QSqlQuery q(db);
    // WAL: readers never block the writer.
    QStringList statements { QStringLiteral("PRAGMA journal_mode=WAL"),
        durability == Durability::Full ? QStringLiteral("PRAGMA synchronous=FULL")
                                       : QStringLiteral("PRAGMA synchronous=NORMAL"),
        QStringLiteral("PRAGMA busy_timeout=5000") };
    statements += schema;
    for (const QString &statement : std::as_const(statements)) {
        if (!q.exec(statement)) {
            *error = QStringLiteral("%1 %2: %3").arg(what, path, q.lastError().text());
            return false;
        }
    }
    // journal_mode=WAL answers with the mode in force; on a file it cannot write, SQLite keeps another.
    if (q.exec(QStringLiteral("PRAGMA journal_mode")) && q.next()
        && q.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        *error = QStringLiteral("%1 %2: cannot switch to WAL (journal mode %3): is the directory writable?")
                     .arg(what, path, q.value(0).toString());
        return false;
    }
    return true;
}

bool addColumns(const QString &connectionName, const QString &table, const QStringList &columns, QString *error)
{
    QSqlDatabase db = QSqlDatabase::database(connectionName, false);
    QSqlQuery q(db);
    QStringList have;
    if (!q.exec(QStringLiteral("PRAGMA table_info(%1)").arg(table))) {
        *error = QStringLiteral("%1: %2").arg(table, q.lastError().text());
        return false;
    }
    while (q.next())
        have.append(q.value(1).toString());
    for (const QString &column : columns) {
        if (have.contains(column.section(QLatin1Char(' '), 0, 0)))
            continue;
        if (!q.exec(QStringLiteral("ALTER TABLE %1 ADD COLUMN %2").arg(table, column))) {
            *error = QStringLiteral("%1: cannot add the column %2: %3").arg(table, column, q.lastError().text());
            return false;
        }
    }
    return true;
}

void close(const QString &connectionName)
{
    if (!QSqlDatabase::contains(connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(connectionName);
}

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

} // namespace SqliteFile
