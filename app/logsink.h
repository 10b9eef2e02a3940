// LogSink: every line ackhook logs, in one format — an RFC 3339 UTC time with milliseconds, a level,
// a source, a message and key=value fields — as text (values quoted and escaped when needed) or as
// one JSON object per line. A value from a request (a key, a path, a header) cannot start a line
// of its own or break the JSON: every control character is escaped.
#pragma once

#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>

#include <cstdio>
#include <optional>

class LogSink {
public:
    enum class Format { Text, Json };
    enum class Level { Debug, Info, Warning, Error };
    using Fields = QList<QPair<QByteArray, QJsonValue>>; // in the order written; numbers stay numbers in JSON

    struct Entry {
        qint64 timeMs = 0; // ms since the epoch
        Level level = Level::Info;
        QByteArray source; // "request", "stats", "ackhook", or a Qt logging category ("ackhook.nats")
        QString message;
        Fields fields;
    };

    // out: request, stats and start lines; err: diagnostics (Qt messages, signals, errors).
    explicit LogSink(Format format = Format::Text, FILE *out = stdout, FILE *err = stderr);

    static std::optional<Format> formatFromName(QStringView name); // "text", "json"
    void setFormat(Format format) { m_format = format; }
    Format format() const { return m_format; }

    // One line each, written with a single fwrite: lines from several threads never interleave.
    void write(const Entry &entry) const;
    void info(const QByteArray &source, const QString &message, const Fields &fields = {}) const;
    void warning(const QByteArray &source, const QString &message, const Fields &fields = {}) const;
    void error(const QByteArray &source, const QString &message, const Fields &fields = {}) const;
    void writeLines(const QByteArray &lines) const; // lines made by formatLine, to out, one fwrite

    QByteArray formatLine(const Entry &entry) const; // ends in '\n'
    static QByteArray timestamp(qint64 timeMs); // 2026-12-02T06:15:00.123Z

    // Routes qDebug/qInfo/qWarning/... of every thread to sink's err stream (nullptr: Qt's default).
    // The sink must outlive the installation.
    static void installMessageHandler(const LogSink *sink);

private:
    void writeTo(FILE *file, const QByteArray &line) const;
    Format m_format;
    FILE *m_out;
    FILE *m_err;
};
