// StreamAudit: batches of js_GetMsg on a one-thread pool; results come back queued to this object,
// which outlives every batch (the destructor waits for the pool).
#include "nats/streamaudit.h"
#include "nats/jetstreamreader.h"

#include <nats/nats.h>

#include <cstdlib>

struct StreamAudit::Reader : JetStreamReader { };

StreamAudit::StreamAudit(QStringList urls, NatsAccess access, QString stream, QObject *parent)
    : QObject(parent)
    , m_urls(std::move(urls))
    , m_access(std::move(access))
    , m_stream(stream.toUtf8())
    , m_reader(std::make_shared<Reader>())
{
    m_pool.setMaxThreadCount(1);
    m_timer.setInterval(500);
    connect(&m_timer, &QTimer::timeout, this, &StreamAudit::startBatch);
    m_timer.start();
}

StreamAudit::~StreamAudit()
{
    m_pool.clear();
    m_pool.waitForDone();
}

void StreamAudit::check(const QList<Entry> &entries)
{
    for (const Entry &entry : entries) {
        if (m_queue.size() >= MaxQueued) {
            ++m_figures.skipped;
            continue;
        }
        m_queue.push_back(entry);
    }
    m_figures.queued = m_queue.size();
}

void StreamAudit::startBatch()
{
    if (m_reading || m_queue.empty())
        return;
    QList<Entry> batch;
    while (!m_queue.empty() && batch.size() < BatchSize) {
        batch.append(m_queue.front());
        m_queue.pop_front();
    }
    m_reading = true;
    m_pool.start([this, reader = m_reader, urls = m_urls, access = m_access, stream = m_stream,
                     batch = std::move(batch)]() mutable {
        const BatchResult result = read(*reader, urls, access, stream, std::move(batch));
        QMetaObject::invokeMethod(
            this, [this, result] { finishBatch(result); }, Qt::QueuedConnection);
    });
}

void StreamAudit::finishBatch(const BatchResult &result)
{
    m_reading = false;
    for (auto it = result.retry.crbegin(); it != result.retry.crend(); ++it)
        m_queue.push_front(*it);
    m_figures.checked += static_cast<quint64>(result.checked);
    m_figures.missing += static_cast<quint64>(result.missing.size());
    m_figures.queued = m_queue.size();
    m_figures.error = result.error;
    for (const Entry &entry : result.missing)
        Q_EMIT missingFound(entry.seq, entry.msgId);
    Q_EMIT figuresChanged(m_figures);
}

StreamAudit::BatchResult StreamAudit::read(
    Reader &reader, const QStringList &urls, const NatsAccess &access, const QByteArray &stream, QList<Entry> batch)
{
    BatchResult result;
    if (const QString error = reader.ensureConnected(urls, access, "ackhook stream audit"); !error.isEmpty()) {
        result.error = error;
        result.retry = std::move(batch);
        return result;
    }
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const Entry &entry = batch.at(i);
        natsMsg *msg = nullptr;
        jsErrCode code = static_cast<jsErrCode>(0);
        const natsStatus s = js_GetMsg(&msg, reader.js(), stream.constData(), entry.seq, nullptr, &code);
        if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
            result.missing.append(entry);
            continue;
        }
        if (s != NATS_OK) { // not an answer about the message: try it, and the rest, again later
            result.error = QStringLiteral("cannot read the stream: %1").arg(QString::fromUtf8(natsStatus_GetText(s)));
            result.retry = batch.mid(i);
            if (s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER)
                reader.close();
            return result;
        }
        const char *msgId = nullptr;
        if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &msgId) == NATS_OK && msgId && entry.msgId == msgId)
            ++result.checked;
        else
            result.missing.append(entry);
        natsMsg_Destroy(msg);
    }
    return result;
}
