// StreamPeek: js_GetStreamInfo for the range, then js_GetMsg from the newest sequence down until
// the limit or the scan bound; results come back queued to this object, which outlives every read
// (the destructor waits for the pool).
#include "nats/streampeek.h"
#include "nats/jetstreamreader.h"

#include <nats/nats.h>

#include <cstdlib>

struct StreamPeek::Reader : JetStreamReader { };

QByteArray StreamMessage::header(const QByteArray &name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

StreamPeek::StreamPeek(QStringList urls, NatsAccess access, QString stream, QObject *parent)
    : QObject(parent)
    , m_urls(std::move(urls))
    , m_access(std::move(access))
    , m_stream(stream.toUtf8())
    , m_reader(std::make_shared<Reader>())
{
    m_pool.setMaxThreadCount(1);
}

StreamPeek::~StreamPeek()
{
    m_pool.clear();
    m_pool.waitForDone();
}

bool StreamPeek::subjectMatches(const QByteArray &filter, const QByteArray &subject)
{
    if (filter.isEmpty())
        return true;
    const QList<QByteArray> want = filter.split('.');
    const QList<QByteArray> have = subject.split('.');
    for (qsizetype i = 0; i < want.size(); ++i) {
        if (want[i] == ">")
            return i == want.size() - 1 && have.size() > i;
        if (i >= have.size() || (want[i] != "*" && want[i] != have[i]))
            return false;
    }
    return want.size() == have.size();
}

void StreamPeek::read(const Query &query)
{
    if (m_reading) {
        m_next = query;
        m_waiting = true;
        return;
    }
    start(query);
}

void StreamPeek::start(const Query &query)
{
    m_reading = true;
    m_pool.start([this, reader = m_reader, urls = m_urls, access = m_access, stream = m_stream, query] {
        const Result result = readNow(*reader, urls, access, stream, query);
        QMetaObject::invokeMethod(
            this,
            [this, result] {
                m_reading = false;
                Q_EMIT finished(result);
                if (std::exchange(m_waiting, false))
                    start(m_next);
            },
            Qt::QueuedConnection);
    });
}

StreamPeek::Result StreamPeek::readNow(
    Reader &reader, const QStringList &urls, const NatsAccess &access, const QByteArray &stream, const Query &query)
{
    Result result;
    result.query = query;
    if (const QString error = reader.ensureConnected(urls, access, "ackhook stream browser"); !error.isEmpty()) {
        result.error = error;
        return result;
    }
    const auto failed = [&](natsStatus s) {
        result.error = QStringLiteral("cannot read the stream %1: %2")
                           .arg(QString::fromUtf8(stream), QString::fromUtf8(natsStatus_GetText(s)));
        if (s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER)
            reader.close(); // connect again next time
        return result;
    };
    jsStreamInfo *info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&info, reader.js(), stream.constData(), nullptr, &code);
    if (s != NATS_OK)
        return failed(s);
    result.firstSeq = info->State.FirstSeq;
    result.lastSeq = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    if (result.lastSeq == 0 || result.lastSeq < result.firstSeq)
        return result; // empty
    const quint64 top = query.upToSeq > 0 ? std::min(query.upToSeq, result.lastSeq) : result.lastSeq;
    int scanned = 0;
    for (quint64 seq = top; seq >= result.firstSeq && seq > 0; --seq) {
        if (result.messages.size() >= query.limit || scanned >= query.maxScanned)
            break;
        ++scanned;
        result.scannedDownTo = seq;
        natsMsg *msg = nullptr;
        code = static_cast<jsErrCode>(0);
        s = js_GetMsg(&msg, reader.js(), stream.constData(), seq, nullptr, &code);
        if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr)
            continue; // deleted, or aged out while reading
        if (s != NATS_OK)
            return failed(s);
        StreamMessage message;
        message.seq = seq;
        message.subject = natsMsg_GetSubject(msg);
        if (!subjectMatches(query.subjectFilter, message.subject)) {
            natsMsg_Destroy(msg);
            continue;
        }
        message.timeMs = natsMsg_GetTime(msg) / 1000000;
        message.body = QByteArray(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
        const char **keys = nullptr;
        int count = 0;
        if (natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK) {
            for (int i = 0; i < count; ++i) {
                const char **values = nullptr;
                int valueCount = 0;
                if (natsMsgHeader_Values(msg, keys[i], &values, &valueCount) == NATS_OK) {
                    for (int v = 0; v < valueCount; ++v)
                        message.headers.append({ QByteArray(keys[i]), QByteArray(values[v]) });
                    free(static_cast<void *>(values));
                }
            }
            free(static_cast<void *>(keys));
        }
        natsMsg_Destroy(msg);
        result.messages.append(std::move(message));
    }
    return result;
}
