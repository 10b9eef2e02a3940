// SqliteFile: how ackhook opens and closes its SQLite files through QtSql (WAL, the durability a
// file needs, its schema), and how headers are kept in a column; shared by the failed-event queue
// and the spool.
#pragma once

#include "http/headers.h"

#include <QString>
#include <QStringList>

namespace SqliteFile {

enum class Durability {
    Normal, // synchronous=NORMAL: a crash of ackhook loses no committed transaction
    Full, // synchronous=FULL: a commit is on the disk (fsync) before it returns, power loss included
};

// Opens path as the named connection of this thread, WAL, with the schema statements run in
// order. On failure *error names what (e.g. "spool /x/spool.sqlite: unable to open database file").
// A new file is created readable by its owner only (SQLite gives its -wal and -shm files the same
// mode); a symbolic link is refused (SQLite would create a dangling one's target wherever it points).
bool open(const QString &connectionName, const QString &path, Durability durability, const QStringList &schema,
    const QString &what, QString *error);
// Adds each column ("name TYPE") the table lacks; a column it has is left as it is.
bool addColumns(const QString &connectionName, const QString &table, const QStringList &columns, QString *error);
// Closes and removes the named connection, if open.
void close(const QString &connectionName);

QByteArray headersToJson(const HeaderList &headers);
HeaderList headersFromJson(const QByteArray &json);

} // namespace SqliteFile
