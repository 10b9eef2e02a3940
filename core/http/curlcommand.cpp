// Resend headers and curl commands, shared by the failed-queue export and the monitor's "copy as curl".
#include "http/curlcommand.h"

#include <QStringDecoder>

bool isText(const QByteArray &bytes)
{
    if (bytes.contains('\0'))
        return false;
    QStringDecoder decoder(QStringDecoder::Utf8);
    const QString text = decoder(bytes);
    return !decoder.hasError();
}

QByteArray shellQuote(const QByteArray &text)
{
    QByteArray quoted = text;
    quoted.replace('\'', "'\\''");
    return '\'' + quoted + '\'';
}

namespace {
bool isHopByHop(QByteArrayView name)
{
    static const char *const names[] = { "host", "content-length", "transfer-encoding", "connection", "expect",
        "keep-alive", "te", "trailer", "upgrade" };
    for (const char *candidate : names) {
        if (name.compare(QByteArrayView(candidate), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}
} // namespace

HeaderList resendHeaders(const HeaderList &recorded, const QByteArray &key)
{
    HeaderList headers;
    bool carriesKey = false;
    for (const auto &[name, value] : recorded) {
        if (isSecretHeader(name) || isHopByHop(name) || value == MaskedValue)
            continue;
        headers.append({ name, value });
        carriesKey = carriesKey || value == key;
    }
    // A CloudEvent's key is "source id" and travels in its own attributes; generated keys have no space.
    if (!carriesKey && !key.isEmpty() && !key.contains(' '))
        headers.append({ QByteArray("Idempotency-Key"), key });
    return headers;
}

QByteArray curlCommand(
    const QByteArray &method, const HeaderList &headers, const QByteArray &body, const CurlCommandOptions &options)
{
    QByteArray curl = "curl " + options.curlFlags + " -X " + method + ' ' + options.urlWord;
    for (const auto &[name, value] : headers)
        curl += " -H " + shellQuote(name + ": " + value);
    curl += " --data-binary @-";
    const QByteArray feed = isText(body) ? QByteArray("printf '%s' " + shellQuote(body))
                                         : QByteArray("printf '%s' " + shellQuote(body.toBase64()) + " | base64 -d");
    return feed + " | " + curl;
}
