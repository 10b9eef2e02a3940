// SpoolDatabase: the spool's SQLite side, on the spool thread (synchronous=FULL: a committed
// event survives kill -9 and power loss). Spool is its facade on the server thread.
#pragma once

#include "spool/spooledevent.h"
#include "spool/spoolstats.h"

#include <QObject>
#include <QString>

#include <vector>

class SpoolDatabase : public QObject {
public:
    struct Options {
        QString path; // e.g. <data-dir>/spool.sqlite
        qint64 maxRecords = 100000;
        qint64 maxBytes = 256LL * 1024 * 1024;
    };
    enum class Outcome { Committed, Full, Error };
    struct Appended {
        Outcome outcome = Outcome::Error;
        qint64 id = 0;
        QString error;
    };

    SpoolDatabase();
    ~SpoolDatabase() override;

    bool open(const Options &options, QString *error);
    void close();
    // One transaction for all: each event is committed or refused (full, or the write failed).
    std::vector<Appended> append(const std::vector<SpooledEvent> &events);
    std::vector<SpooledEvent> fetch(qint64 afterId, int limit);
    void remove(const std::vector<qint64> &ids);
    qint64 records() const { return m_records; }
    qint64 bytes() const { return m_bytes; }

private:
    QString m_connectionName;
    Options m_options;
    qint64 m_records = 0;
    qint64 m_bytes = 0;
};
