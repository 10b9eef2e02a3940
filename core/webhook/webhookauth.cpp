// Bearer token and HMAC-SHA256 signature checks for the webhook listener.
#include "webhook/webhookauth.h"
#include "http/bearerauth.h"

#include <QMessageAuthenticationCode>

namespace {
bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
} // namespace

std::optional<QByteArray> WebhookAuth::parseSignature(QByteArrayView value)
{
    value = value.trimmed();
    if (value.size() >= 7 && QByteArrayView(value.data(), 7).compare("sha256=", Qt::CaseInsensitive) == 0)
        value = value.sliced(7);
    if (value.size() != 64)
        return std::nullopt;
    for (char c : value) {
        if (!isHexDigit(c))
            return std::nullopt;
    }
    return QByteArray::fromHex(value.toByteArray());
}

QByteArray WebhookAuth::sign(const QByteArray &secret, const QByteArray &body)
{
    return "sha256=" + QMessageAuthenticationCode::hash(body, secret, QCryptographicHash::Sha256).toHex();
}

QString WebhookAuth::check(const HeaderList &headers, const QByteArray &body) const
{
    if (!bearerToken.isEmpty()) {
        if (QString reason = checkBearer(headers, bearerToken); !reason.isEmpty())
            return reason;
    }
    if (!hmacSecret.isEmpty()) {
        const QByteArray header = headerValue(headers, signatureHeader);
        if (header.isNull())
            return QStringLiteral("missing signature header %1").arg(QString::fromLatin1(signatureHeader));
        const std::optional<QByteArray> signature = parseSignature(header);
        if (!signature)
            return QStringLiteral("malformed %1: expected sha256=<64 hex digits>")
                .arg(QString::fromLatin1(signatureHeader));
        const QByteArray expected = QMessageAuthenticationCode::hash(body, hmacSecret, QCryptographicHash::Sha256);
        if (!equalConstantTime(*signature, expected))
            return QStringLiteral("signature does not match the body");
    }
    return {};
}

void WebhookAuth::authorize(HeaderList &headers, const QByteArray &body) const
{
    if (!bearerToken.isEmpty())
        headers.append({ QByteArray("Authorization"), "Bearer " + bearerToken });
    if (!hmacSecret.isEmpty())
        headers.append({ signatureHeader, sign(hmacSecret, body) });
}
