// HeadlessReporter: log lines written a batch at a time (one write per batch, not per request).
#include "headlessreporter.h"
#include "gateway.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>

HeadlessReporter::HeadlessReporter(const Gateway *gateway, const LogSink *sink, int statsIntervalMs, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_sink(sink)
{
    m_uptime.start();
    m_lineClock.start();
    m_statsTimer.setInterval(statsIntervalMs);
    connect(&m_statsTimer, &QTimer::timeout, this, &HeadlessReporter::writeStats);
    m_statsTimer.start();
    if (m_gateway) {
        for (const Endpoint &endpoint : m_gateway->config().resolvedEndpoints()) {
            if (endpoint.dispatch == DispatchPolicy::FireAndForget)
                m_fireAndForgetPaths.append(endpoint.path);
        }
    }
    m_warningTimer.setInterval(FireAndForgetWarningMs);
    connect(&m_warningTimer, &QTimer::timeout, this, &HeadlessReporter::writeFireAndForgetWarning);
    if (!m_fireAndForgetPaths.isEmpty()) {
        writeFireAndForgetWarning();
        m_warningTimer.start();
    }
}

void HeadlessReporter::setFireAndForgetPaths(const QList<QByteArray> &paths)
{
    bool added = false;
    for (const QByteArray &path : paths)
        added = added || !m_fireAndForgetPaths.contains(path);
    m_fireAndForgetPaths = paths;
    if (paths.isEmpty()) {
        m_warningTimer.stop();
    } else if (added) {
        writeFireAndForgetWarning();
        m_warningTimer.start();
    }
}

QString HeadlessReporter::fireAndForgetWarning(const QList<QByteArray> &paths)
{
    return QStringLiteral("WARNING: fire-and-forget dispatch on %1: 200 is answered BEFORE the event is stored; events "
                          "are LOST during an outage. For demonstrations only (--policy ack is the safe default).")
        .arg(QString::fromUtf8(paths.join(", ")));
}

void HeadlessReporter::writeFireAndForgetWarning()
{
    m_sink->warning("ackhook", fireAndForgetWarning(m_fireAndForgetPaths));
}

LogSink::Entry HeadlessReporter::entryFor(const RequestRecord &record)
{
    LogSink::Entry entry;
    entry.timeMs = record.receivedMs;
    entry.level = LogSink::Level::Info;
    entry.source = "request";
    LogSink::Fields &f = entry.fields;
    f.append({ "status", record.status });
    f.append({ "method", QString::fromLatin1(record.method) });
    f.append({ "path", QString::fromUtf8(record.path) });
    f.append({ "latency_ms", std::round(record.latencyUs / 100.0) / 10.0 });
    f.append({ "bytes", static_cast<qint64>(record.requestBytes) });
    if (!record.key.isEmpty()) {
        f.append({ "key", record.key });
        if (record.keyGenerated)
            f.append({ "key_generated", true });
    }
    if (record.seq)
        f.append({ "seq", static_cast<qint64>(record.seq) });
    if (record.duplicate)
        f.append({ "duplicate", true });
    if (!record.reason.isEmpty())
        f.append({ "reason", record.reason });
    if (!record.outage.isEmpty())
        f.append({ "outage", record.outage });
    return entry;
}

void HeadlessReporter::writeRecords(const RequestRecordBatch &batch)
{
    m_lineBudget = std::min<double>(
        MaxLinesPerSecond, m_lineBudget + m_lineClock.restart() * (MaxLinesPerSecond / 1000.0));
    const qsizetype lines = std::min<qsizetype>(batch.size(), static_cast<qsizetype>(m_lineBudget));
    m_lineBudget -= static_cast<double>(lines);
    QByteArray text;
    text.reserve((lines + 1) * 128);
    for (qsizetype i = 0; i < lines; ++i)
        text += m_sink->formatLine(entryFor(batch[i]));
    if (lines < batch.size()) {
        quint64 ok = 0, rejected = 0, failed = 0;
        for (qsizetype i = lines; i < batch.size(); ++i) {
            const int status = batch[i].status;
            (status >= 500 ? failed : status >= 400 ? rejected : ok) += 1;
        }
        text += m_sink->formatLine({ QDateTime::currentMSecsSinceEpoch(), LogSink::Level::Info, "request",
            QStringLiteral("more requests than %1 lines/s: not logged one by one").arg(MaxLinesPerSecond),
            { { "not_logged", static_cast<qint64>(batch.size() - lines) }, { "2xx", static_cast<qint64>(ok) },
                { "4xx", static_cast<qint64>(rejected) }, { "5xx", static_cast<qint64>(failed) } } });
    }
    m_sink->writeLines(text);
}

void HeadlessReporter::writeStats()
{
    const RequestCounters c = m_gateway->requestLog() ? m_gateway->requestLog()->counters() : RequestCounters {};
    const double seconds = m_statsTimer.interval() / 1000.0;
    m_sink->info("stats", {},
        { { "uptime_s", m_uptime.elapsed() / 1000 }, { "requests", static_cast<qint64>(c.requests) },
            { "2xx", static_cast<qint64>(c.ok) }, { "5xx", static_cast<qint64>(c.failed) },
            { "4xx", static_cast<qint64>(c.rejected) }, { "in_flight", m_gateway->inFlight() },
            { "rate_per_s", std::round((c.requests - m_lastRequests) / seconds) } });
    m_lastRequests = c.requests;
}
