// StreamPeek: what a consumer of the stream will receive, for the window's stream browser: the
// newest messages (sequence, subject, time, headers, body), optionally only those whose subject
// matches a NATS filter. Reads through a connection of its own (like StreamAudit), on a one-thread
// pool; each read is bounded in messages looked at.
#pragma once

#include "nats/natsaccess.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QStringList>
#include <QThreadPool>

#include <memory>

struct StreamMessage {
    quint64 seq = 0;
    QByteArray subject;
    qint64 timeMs = 0; // the stream's timestamp
    QList<QPair<QByteArray, QByteArray>> headers; // in the order cnats gives them
    QByteArray body;
    QByteArray header(const QByteArray &name) const; // the first value, case-insensitive; empty if none
};

class StreamPeek : public QObject {
    Q_OBJECT
public:
    struct Query {
        QByteArray subjectFilter; // a NATS subject filter ("ackhook.github.>", "*.*.push"); empty: all
        quint64 upToSeq = 0; // the newest sequence to look at; 0: the stream's last
        int limit = 200; // messages returned at most
        int maxScanned = 5000; // messages looked at at most (a filter matching little stops there)
    };
    struct Result {
        Query query;
        QList<StreamMessage> messages; // newest first
        quint64 firstSeq = 0, lastSeq = 0; // the stream's, when read
        quint64 scannedDownTo = 0; // the oldest sequence looked at (0 when nothing was)
        QString error; // empty when the read went through
    };

    StreamPeek(QStringList urls, NatsAccess access, QString stream, QObject *parent = nullptr);
    ~StreamPeek() override; // waits for a read in progress

    // Starts a read; a read asked while one runs replaces any other waiting one.
    void read(const Query &query);

    // NATS subject matching: tokens split by '.', '*' matches one token, '>' the rest (one or more).
    static bool subjectMatches(const QByteArray &filter, const QByteArray &subject);

Q_SIGNALS:
    void finished(const StreamPeek::Result &result);

private:
    struct Reader;
    void start(const Query &query);
    static Result readNow(Reader &reader, const QStringList &urls, const NatsAccess &access, const QByteArray &stream,
        const Query &query);

    QStringList m_urls;
    NatsAccess m_access;
    QByteArray m_stream;
    std::shared_ptr<Reader> m_reader;
    QThreadPool m_pool;
    bool m_reading = false;
    bool m_waiting = false;
    Query m_next;
};

Q_DECLARE_METATYPE(StreamPeek::Result)
