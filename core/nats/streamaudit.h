// StreamAudit: reads back from JetStream the message each 200 answer named (its stream sequence)
// and checks that it holds that event (same Nats-Msg-Id): "answered 200 but not in the stream".
#pragma once

#include "nats/natsaccess.h"

#include <QByteArray>
#include <QObject>
#include <QStringList>
#include <QThreadPool>
#include <QTimer>

#include <deque>
#include <memory>

class StreamAudit : public QObject {
    Q_OBJECT
public:
    struct Entry {
        quint64 seq = 0;
        QByteArray msgId;
    };
    struct Figures {
        quint64 checked = 0; // read back and found holding their event
        quint64 missing = 0; // read back, and the sequence is gone or holds another event
        quint64 queued = 0; // waiting to be read back
        quint64 skipped = 0; // not checked: more arrived than the audit keeps up with
        QString error; // why the last read failed (the entries are tried again); empty when fine
    };
    static constexpr int MaxQueued = 20000;
    static constexpr int BatchSize = 200;

    // Reads through its own connection to urls (the real NATS, not the fault proxy: the question
    // is what the stream holds, whatever the simulated outage does to ackhook's own connection),
    // with ackhook's credentials and TLS settings.
    StreamAudit(QStringList urls, NatsAccess access, QString stream, QObject *parent = nullptr);
    ~StreamAudit() override; // waits for a read in progress

    void check(const QList<Entry> &entries);
    Figures figures() const { return m_figures; }

Q_SIGNALS:
    void figuresChanged(const StreamAudit::Figures &figures);
    void missingFound(quint64 seq, const QByteArray &msgId);

private:
    struct Reader;
    struct BatchResult {
        QList<Entry> missing;
        int checked = 0;
        QList<Entry> retry; // unread (connection or read failure)
        QString error;
    };
    void startBatch();
    void finishBatch(const BatchResult &result);
    static BatchResult read(Reader &reader, const QStringList &urls, const NatsAccess &access, const QByteArray &stream,
        QList<Entry> batch);

    QStringList m_urls;
    NatsAccess m_access;
    QByteArray m_stream;
    std::deque<Entry> m_queue;
    Figures m_figures;
    bool m_reading = false;
    QTimer m_timer;
    QThreadPool m_pool; // one thread: the reader's connection is only ever used there
    std::shared_ptr<Reader> m_reader;
};
