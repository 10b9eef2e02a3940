// Helpers that signaturescheme.cpp (the built-in kinds), signedscheme.cpp (schemes described as
// data), the handshakes and SNS share: reading hex, comparing prefixes, printable text, naming
// headers and timestamps in 401 reasons.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <algorithm>
#include <chrono>

namespace SignatureText {

inline bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

inline bool startsWithCaseInsensitive(QByteArrayView value, QByteArrayView prefix)
{
    return value.size() >= prefix.size() && value.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0;
}

// Printable ASCII (0x20–0x7e): safe to name in an answer or a log line.
inline bool isPrintableAscii(QByteArrayView text)
{
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte < 0x7f;
    });
}

inline bool isPrintableAscii(QStringView text)
{
    return std::all_of(text.begin(), text.end(), [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
}

inline QString headerName(const QByteArray &name)
{
    return QString::fromLatin1(name);
}

inline QString checkTimestamp(qint64 timestamp, qint64 now, std::chrono::seconds tolerance, const char *header)
{
    const qint64 skew = now - timestamp;
    if (skew > tolerance.count())
        return QStringLiteral("%1 is %2 s old (tolerance %3 s): stale or replayed")
            .arg(QLatin1String(header))
            .arg(skew)
            .arg(tolerance.count());
    if (-skew > tolerance.count())
        return QStringLiteral("%1 is %2 s in the future (tolerance %3 s)")
            .arg(QLatin1String(header))
            .arg(-skew)
            .arg(tolerance.count());
    return {};
}

} // namespace SignatureText
