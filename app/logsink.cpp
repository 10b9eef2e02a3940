// LogSink: formatting (text: logfmt-style fields; JSON: hand-ordered keys, escaped strings) and the
// Qt message handler.
#include "logsink.h"

#include <QDateTime>

#include <atomic>
#include <cctype>
#include <cmath>

namespace {

std::atomic<const LogSink *> installedSink { nullptr };

const char *levelName(LogSink::Level level)
{
    switch (level) {
    case LogSink::Level::Debug:
        return "debug";
    case LogSink::Level::Info:
        return "info";
    case LogSink::Level::Warning:
        return "warning";
    case LogSink::Level::Error:
        break;
    }
    return "error";
}

void appendHex4(QByteArray &out, char16_t unit)
{
    static const char hex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4)
        out += hex[(unit >> shift) & 0xf];
}

// Escapes for a double-quoted string, shared by the text and the JSON format: backslash, quote, the
// usual \n \r \t, and \uXXXX for every other character that is not printable (controls, C1 controls,
// line and paragraph separators), so no value can end or fake a line; a lone surrogate becomes U+FFFD.
void appendEscaped(QByteArray &out, QStringView text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const char16_t unit = c.unicode();
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            out += QStringView(text.mid(i, 2)).toUtf8();
            ++i;
            continue;
        }
        switch (unit) {
        case u'"':
            out += "\\\"";
            continue;
        case u'\\':
            out += "\\\\";
            continue;
        case u'\n':
            out += "\\n";
            continue;
        case u'\r':
            out += "\\r";
            continue;
        case u'\t':
            out += "\\t";
            continue;
        default:
            break;
        }
        if (c.isSurrogate()) // a lone half of a pair: not text, and no valid JSON escape either
            out += "\xef\xbf\xbd"; // U+FFFD
        else if (unit < 0x20 || unit == 0x7f || (unit >= 0x80 && unit < 0xa0) || unit == 0x2028 || unit == 0x2029
            || (unit >= 0x80 && !c.isPrint()))
            appendHex4(out, unit);
        else if (unit < 0x80)
            out += static_cast<char>(unit);
        else
            out += QStringView(&c, 1).toUtf8();
    }
}

QByteArray jsonString(QStringView text)
{
    QByteArray out = "\"";
    appendEscaped(out, text);
    return out + '"';
}

QByteArray number(double value)
{
    if (!std::isfinite(value))
        return "null";
    if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0)
        return QByteArray::number(static_cast<qint64>(value));
    return QByteArray::number(value, 'g', 15);
}

QByteArray jsonValue(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Bool:
        return value.toBool() ? "true" : "false";
    case QJsonValue::Double:
        return number(value.toDouble());
    case QJsonValue::String:
        return jsonString(value.toString());
    default:
        return "null";
    }
}

// A text value: bare when it is plain (letters, digits and a few marks), else quoted and escaped.
QByteArray textValue(const QJsonValue &value)
{
    if (!value.isString())
        return jsonValue(value);
    const QString text = value.toString();
    bool plain = !text.isEmpty();
    for (const QChar c : text) {
        const char16_t unit = c.unicode();
        if (unit <= 0x20 || unit >= 0x7f || unit == u'"' || unit == u'\\' || unit == u'=') {
            plain = false;
            break;
        }
    }
    return plain ? text.toUtf8() : jsonString(text);
}

// A key is ours, but is kept to [A-Za-z0-9_.-] all the same.
QByteArray safeKey(const QByteArray &key)
{
    QByteArray safe = key;
    for (char &c : safe) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-'))
            c = '_';
    }
    return safe;
}

void messageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const LogSink *sink = installedSink.load();
    if (!sink)
        return;
    LogSink::Entry entry;
    entry.timeMs = QDateTime::currentMSecsSinceEpoch();
    switch (type) {
    case QtDebugMsg:
        entry.level = LogSink::Level::Debug;
        break;
    case QtInfoMsg:
        entry.level = LogSink::Level::Info;
        break;
    case QtWarningMsg:
        entry.level = LogSink::Level::Warning;
        break;
    case QtCriticalMsg:
    case QtFatalMsg:
        entry.level = LogSink::Level::Error;
        break;
    }
    entry.source = context.category && qstrcmp(context.category, "default") != 0 ? QByteArray(context.category)
                                                                                 : QByteArray("ackhook");
    entry.message = message;
    sink->write(entry);
}

} // namespace

LogSink::LogSink(Format format, FILE *out, FILE *err)
    : m_format(format)
    , m_out(out)
    , m_err(err)
{
}

std::optional<LogSink::Format> LogSink::formatFromName(QStringView name)
{
    if (name == QLatin1String("text"))
        return Format::Text;
    if (name == QLatin1String("json"))
        return Format::Json;
    return std::nullopt;
}

QByteArray LogSink::timestamp(qint64 timeMs)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
}

QByteArray LogSink::formatLine(const Entry &entry) const
{
    QByteArray line;
    line.reserve(128);
    if (m_format == Format::Json) {
        line += "{\"time\":\"" + timestamp(entry.timeMs) + "\",\"level\":\"" + levelName(entry.level)
            + "\",\"source\":" + jsonString(QString::fromUtf8(entry.source));
        if (!entry.message.isEmpty())
            line += ",\"message\":" + jsonString(entry.message);
        for (const auto &[key, value] : entry.fields)
            line += ",\"" + safeKey(key) + "\":" + jsonValue(value);
        line += "}\n";
        return line;
    }
    line += timestamp(entry.timeMs) + ' ' + levelName(entry.level) + ' ';
    appendEscaped(line, QString::fromUtf8(entry.source));
    line += ':';
    if (!entry.message.isEmpty()) {
        line += ' ';
        appendEscaped(line, entry.message); // one line: a newline in a message becomes \n
    }
    for (const auto &[key, value] : entry.fields)
        line += ' ' + safeKey(key) + '=' + textValue(value);
    line += '\n';
    return line;
}

void LogSink::writeTo(FILE *file, const QByteArray &line) const
{
    std::fwrite(line.constData(), 1, static_cast<size_t>(line.size()), file);
    std::fflush(file);
}

void LogSink::write(const Entry &entry) const
{
    const bool diagnostic = entry.level != Level::Info || entry.source.startsWith("ackhook.");
    writeTo(diagnostic ? m_err : m_out, formatLine(entry));
}

void LogSink::info(const QByteArray &source, const QString &message, const Fields &fields) const
{
    write({ QDateTime::currentMSecsSinceEpoch(), Level::Info, source, message, fields });
}

void LogSink::warning(const QByteArray &source, const QString &message, const Fields &fields) const
{
    write({ QDateTime::currentMSecsSinceEpoch(), Level::Warning, source, message, fields });
}

void LogSink::error(const QByteArray &source, const QString &message, const Fields &fields) const
{
    write({ QDateTime::currentMSecsSinceEpoch(), Level::Error, source, message, fields });
}

void LogSink::writeLines(const QByteArray &lines) const
{
    writeTo(m_out, lines);
}

void LogSink::installMessageHandler(const LogSink *sink)
{
    installedSink.store(sink);
    qInstallMessageHandler(sink ? messageHandler : nullptr);
}
