// HeadlessReporter: log lines written a batch at a time (one write per batch, not per request).
#include "headlessreporter.h"
#include "gateway.h"

#include <QDateTime>

#include <algorithm>

HeadlessReporter::HeadlessReporter(const Gateway *gateway, FILE *out, int statsIntervalMs, QObject *parent)
    : QObject(parent)
    , m_gateway(gateway)
    , m_out(out)
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
    if (!m_fireAndForgetPaths.isEmpty()) {
        writeFireAndForgetWarning();
        m_warningTimer.setInterval(FireAndForgetWarningMs);
        connect(&m_warningTimer, &QTimer::timeout, this, &HeadlessReporter::writeFireAndForgetWarning);
        m_warningTimer.start();
    }
}

QByteArray HeadlessReporter::fireAndForgetWarning(const QList<QByteArray> &paths)
{
    return "WARNING: fire-and-forget dispatch on " + paths.join(", ")
        + ": 200 is answered BEFORE the event is stored; events are LOST during an outage. For demonstrations"
          " only (--policy ack is the safe default).\n";
}

void HeadlessReporter::writeFireAndForgetWarning()
{
    const QByteArray line = fireAndForgetWarning(m_fireAndForgetPaths);
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), m_out);
    std::fflush(m_out);
}

QByteArray HeadlessReporter::formatRecord(const RequestRecord &record)
{
    QByteArray line = QDateTime::fromMSecsSinceEpoch(record.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
    line += ' ' + QByteArray::number(record.status) + ' ' + record.method + ' ' + record.path;
    line += ' ' + QByteArray::number(record.latencyUs / 1000.0, 'f', 1) + "ms";
    line += ' ' + QByteArray::number(record.requestBytes) + 'B';
    if (!record.key.isEmpty())
        line += " key=" + record.key.toUtf8() + (record.keyGenerated ? " (generated)" : "");
    if (record.seq)
        line += " seq=" + QByteArray::number(record.seq);
    if (record.duplicate)
        line += " duplicate";
    if (!record.reason.isEmpty())
        line += " reason=" + record.reason.toUtf8();
    if (!record.outage.isEmpty())
        line += " outage=" + record.outage.toUtf8();
    line += '\n';
    return line;
}

void HeadlessReporter::writeRecords(const RequestRecordBatch &batch)
{
    m_lineBudget = std::min<double>(
        MaxLinesPerSecond, m_lineBudget + m_lineClock.restart() * (MaxLinesPerSecond / 1000.0));
    const qsizetype lines = std::min<qsizetype>(batch.size(), static_cast<qsizetype>(m_lineBudget));
    m_lineBudget -= static_cast<double>(lines);
    QByteArray text;
    text.reserve((lines + 1) * 96);
    for (qsizetype i = 0; i < lines; ++i)
        text += formatRecord(batch[i]);
    if (lines < batch.size()) {
        quint64 ok = 0, rejected = 0, failed = 0;
        for (qsizetype i = lines; i < batch.size(); ++i) {
            const int status = batch[i].status;
            (status >= 500 ? failed : status >= 400 ? rejected : ok) += 1;
        }
        text += "... " + QByteArray::number(batch.size() - lines) + " more requests not logged (2xx="
            + QByteArray::number(ok) + " 4xx=" + QByteArray::number(rejected) + " 5xx=" + QByteArray::number(failed)
            + "; at most " + QByteArray::number(MaxLinesPerSecond) + " lines/s)\n";
    }
    std::fwrite(text.constData(), 1, static_cast<size_t>(text.size()), m_out);
    std::fflush(m_out);
}

void HeadlessReporter::writeStats()
{
    const RequestCounters c = m_gateway->requestLog() ? m_gateway->requestLog()->counters() : RequestCounters {};
    const double seconds = m_statsTimer.interval() / 1000.0;
    const QByteArray line = "stats: uptime=" + QByteArray::number(m_uptime.elapsed() / 1000) + "s requests="
        + QByteArray::number(c.requests) + " 2xx=" + QByteArray::number(c.ok) + " 5xx=" + QByteArray::number(c.failed)
        + " 4xx=" + QByteArray::number(c.rejected) + " in_flight=" + QByteArray::number(m_gateway->inFlight())
        + " rate=" + QByteArray::number((c.requests - m_lastRequests) / seconds, 'f', 0) + "/s\n";
    m_lastRequests = c.requests;
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), m_out);
    std::fflush(m_out);
}
