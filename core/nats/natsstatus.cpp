// Mapping of natsStatus to FailureReason.
#include "nats/natsstatus.h"

#include <QRegularExpression>
#include <QStringList>

#include <vector>

FailureReason failureReasonFor(natsStatus status, jsErrCode errorCode)
{
    switch (status) {
    case NATS_TIMEOUT:
        return FailureReason::Timeout;
    case NATS_NO_RESPONDERS: // JetStream answers every publish it captures: no stream captures this one
        return FailureReason::NoStream;
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_IO_ERROR:
    case NATS_NO_SERVER:
        return FailureReason::Disconnected;
    default:
        break;
    }
    // Nats-Expected-Stream names a stream that is gone, or another stream captured the subject.
    if (errorCode == JSStreamNotFoundErr || errorCode == JSStreamNotMatchErr)
        return FailureReason::NoStream;
    // A JetStream API error (stream full, message too large, ...) is the server saying no.
    if (errorCode != 0 || status == NATS_ERR)
        return FailureReason::Nack;
    return FailureReason::PublishError;
}

QString natsErrorText(natsStatus status, const char *detail)
{
    QString text = QString::fromUtf8(natsStatus_GetText(status));
    // cnats prefixes its last error with its source location, "(jsm.c:1033): ": not for users.
    static const QRegularExpression location(QStringLiteral("^\\([A-Za-z0-9_]+\\.c:[0-9]+\\): "));
    const QString more = detail ? QString::fromUtf8(detail).remove(location) : QString();
    if (!more.isEmpty() && more != text)
        text += QStringLiteral(": ") + more;
    return text;
}

PublishResult publishFailure(natsStatus status, jsErrCode errorCode, const char *detail)
{
    return PublishResult::failure(failureReasonFor(status, errorCode), natsErrorText(status, detail));
}

natsStatus setServers(natsOptions *options, const QStringList &urls)
{
    std::vector<QByteArray> bytes;
    bytes.reserve(static_cast<size_t>(urls.size()));
    for (const QString &url : urls)
        bytes.push_back(url.toUtf8());
    std::vector<const char *> pointers;
    for (const QByteArray &url : bytes)
        pointers.push_back(url.constData());
    return natsOptions_SetServers(options, pointers.data(), static_cast<int>(pointers.size()));
}
