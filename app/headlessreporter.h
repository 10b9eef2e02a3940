// HeadlessReporter: a log line per request (rate-limited) and a periodic stats line, for --headless.
#pragma once

#include "logsink.h"
#include "webhook/requestrecord.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>


class Gateway;

class HeadlessReporter : public QObject {
    Q_OBJECT
public:
    // gateway: read through thread-safe accessors only (counters, in flight). sink: outlives this.
    HeadlessReporter(
        const Gateway *gateway, const LogSink *sink, int statsIntervalMs = 5000, QObject *parent = nullptr);

    // Request lines per second, at most; past it a batch ends with one line counting what it left out
    // (the stats line keeps the exact totals). A terminal cannot show thousands of lines a second anyway.
    static constexpr int MaxLinesPerSecond = 200;

    // One request as a log entry: status, method, path, latency, size, key, seq, ... as fields.
    static LogSink::Entry entryFor(const RequestRecord &record);
    static constexpr int FireAndForgetWarningMs = 60000;

    // Printed at start and every minute while an endpoint answers fire-and-forget.
    static QString fireAndForgetWarning(const QList<QByteArray> &paths);
    void writeFireAndForgetWarning();
    // After a switch at run time (admin API): warns at once when an endpoint became fire-and-forget,
    // then every minute while one is.
    void setFireAndForgetPaths(const QList<QByteArray> &paths);
    void writeRecords(const RequestRecordBatch &batch);
    void writeStats();

private:
    const Gateway *m_gateway;
    const LogSink *m_sink;
    QTimer m_statsTimer { this }; // a child: moves with its owner to another thread
    QTimer m_warningTimer { this };
    QList<QByteArray> m_fireAndForgetPaths;
    QElapsedTimer m_uptime;
    quint64 m_lastRequests = 0;
    QElapsedTimer m_lineClock; // refills the line budget
    double m_lineBudget = MaxLinesPerSecond;
};
