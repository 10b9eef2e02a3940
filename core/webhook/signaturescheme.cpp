// Verification and signing of the webhook signature schemes; the 401 reasons name headers, never secrets.
#include "webhook/signaturescheme.h"
#include "http/bearerauth.h"
#include "http/headers.h"

#include <QMessageAuthenticationCode>

namespace {

constexpr qsizetype DigestBytes = 32;

bool isHexDigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<QByteArray> decodeHex(QByteArrayView value)
{
    if (value.size() != 2 * DigestBytes)
        return std::nullopt;
    for (char c : value) {
        if (!isHexDigit(c))
            return std::nullopt;
    }
    return QByteArray::fromHex(value.toByteArray());
}

bool startsWithCaseInsensitive(QByteArrayView value, QByteArrayView prefix)
{
    return value.size() >= prefix.size() && value.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0;
}

QString headerName(const QByteArray &name)
{
    return QString::fromLatin1(name);
}

QString checkTimestamp(qint64 timestamp, qint64 now, std::chrono::seconds tolerance, const char *header)
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

} // namespace

QByteArray SignatureScheme::hmacSha256(const QByteArray &secret, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha256);
}

std::optional<QByteArray> SignatureScheme::parseHexSignature(QByteArrayView value, QByteArrayView prefix)
{
    value = value.trimmed();
    if (!prefix.isEmpty()) {
        if (!startsWithCaseInsensitive(value, prefix))
            return std::nullopt;
        value = value.sliced(prefix.size());
    }
    return decodeHex(value);
}

std::optional<QByteArray> SignatureScheme::parseBase64Signature(QByteArrayView value, QByteArrayView prefix)
{
    value = value.trimmed();
    if (!prefix.isEmpty()) {
        if (!startsWithCaseInsensitive(value, prefix))
            return std::nullopt;
        value = value.sliced(prefix.size());
    }
    // 32 bytes: 44 characters with one '=' of padding (or 43 without).
    if (value.size() != 44 && value.size() != 43)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        value.toByteArray(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != DigestBytes)
        return std::nullopt;
    return decoded.decoded;
}

std::optional<qint64> SignatureScheme::parseTimestamp(QByteArrayView value)
{
    value = value.trimmed();
    if (value.isEmpty() || value.size() > 12)
        return std::nullopt;
    qint64 result = 0;
    for (char c : value) {
        if (c < '0' || c > '9')
            return std::nullopt;
        result = result * 10 + (c - '0');
    }
    return result;
}

std::optional<SignatureScheme::StripeHeader> SignatureScheme::parseStripe(QByteArrayView value)
{
    StripeHeader header;
    bool haveTimestamp = false;
    for (QByteArrayView item : value.toByteArray().split(',')) {
        item = item.trimmed();
        const qsizetype equals = item.indexOf('=');
        if (equals <= 0)
            return std::nullopt;
        const QByteArrayView key = item.first(equals);
        const QByteArrayView text = item.sliced(equals + 1);
        if (key == "t") {
            const auto timestamp = parseTimestamp(text);
            if (!timestamp || haveTimestamp)
                return std::nullopt;
            header.timestamp = *timestamp;
            haveTimestamp = true;
        } else if (key == "v1") {
            const auto signature = decodeHex(text);
            if (!signature)
                return std::nullopt;
            if (header.v1.size() < 16) // a bound: each costs a comparison
                header.v1.append(*signature);
        }
        // v0 (test mode, SHA-1) and unknown schemes are ignored, as Stripe's own libraries do.
    }
    if (!haveTimestamp || header.v1.isEmpty())
        return std::nullopt;
    return header;
}

QList<QByteArray> SignatureScheme::credentialHeaders() const
{
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Bearer:
        return { "Authorization" };
    case Kind::Token:
    case Kind::Hmac:
        return { header };
    case Kind::Slack:
        return { "X-Slack-Signature" };
    case Kind::Stripe:
        return { "Stripe-Signature" };
    }
    return {};
}

QString SignatureScheme::kindName(Kind kind)
{
    switch (kind) {
    case Kind::None:
        return QStringLiteral("none");
    case Kind::Bearer:
        return QStringLiteral("bearer");
    case Kind::Token:
        return QStringLiteral("token");
    case Kind::Hmac:
        return QStringLiteral("hmac");
    case Kind::Slack:
        return QStringLiteral("slack");
    case Kind::Stripe:
        return QStringLiteral("stripe");
    }
    return {};
}

QString SignatureScheme::verify(const HeaderList &headers, const QByteArray &body, qint64 nowSeconds) const
{
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Bearer:
        return checkBearer(headers, secret);
    case Kind::Token: {
        const QByteArray token = headerValue(headers, header);
        if (token.isNull())
            return QStringLiteral("missing %1").arg(headerName(header));
        if (!equalConstantTime(QByteArrayView(token).trimmed(), secret))
            return QStringLiteral("wrong %1").arg(headerName(header));
        return {};
    }
    case Kind::Hmac: {
        const QByteArray value = headerValue(headers, header);
        if (value.isNull())
            return QStringLiteral("missing signature header %1").arg(headerName(header));
        const auto signature = encoding == Encoding::Hex ? parseHexSignature(value, prefix)
                                                         : parseBase64Signature(value, prefix);
        if (!signature)
            return QStringLiteral("malformed %1: expected %2<%3 HMAC-SHA256>")
                .arg(headerName(header), QString::fromLatin1(prefix),
                    encoding == Encoding::Hex ? QStringLiteral("64 hex digits of the") : QStringLiteral("base64"));
        if (!equalConstantTime(*signature, hmacSha256(secret, body)))
            return QStringLiteral("%1 does not match the body").arg(headerName(header));
        return {};
    }
    case Kind::Slack: {
        const QByteArray signatureText = headerValue(headers, "x-slack-signature");
        const QByteArray timestampText = headerValue(headers, "x-slack-request-timestamp");
        if (signatureText.isNull())
            return QStringLiteral("missing X-Slack-Signature");
        if (timestampText.isNull())
            return QStringLiteral("missing X-Slack-Request-Timestamp");
        const auto timestamp = parseTimestamp(timestampText);
        if (!timestamp)
            return QStringLiteral("malformed X-Slack-Request-Timestamp: expected Unix seconds");
        const auto signature = parseHexSignature(signatureText, "v0=");
        if (!signature)
            return QStringLiteral("malformed X-Slack-Signature: expected v0=<64 hex digits>");
        // The signature first: a stale but authentic request is told it is stale, a forged one only that
        // it does not match (no hint that its timestamp was fine).
        const QByteArray base = "v0:" + timestampText.trimmed() + ':' + body;
        if (!equalConstantTime(*signature, hmacSha256(secret, base)))
            return QStringLiteral("X-Slack-Signature does not match the body");
        return checkTimestamp(*timestamp, nowSeconds, tolerance, "X-Slack-Request-Timestamp");
    }
    case Kind::Stripe: {
        const QByteArray value = headerValue(headers, "stripe-signature");
        if (value.isNull())
            return QStringLiteral("missing Stripe-Signature");
        const auto parsed = parseStripe(value);
        if (!parsed)
            return QStringLiteral("malformed Stripe-Signature: expected t=<Unix seconds>,v1=<64 hex digits>");
        const QByteArray expected = hmacSha256(secret, QByteArray::number(parsed->timestamp) + '.' + body);
        bool matched = false;
        for (const QByteArray &candidate : parsed->v1)
            matched |= equalConstantTime(candidate, expected); // no early exit: every candidate costs the same
        if (!matched)
            return QStringLiteral("no v1 signature in Stripe-Signature matches the body");
        return checkTimestamp(parsed->timestamp, nowSeconds, tolerance, "Stripe-Signature timestamp");
    }
    }
    return QStringLiteral("unknown signature scheme");
}

HeaderList SignatureScheme::sign(const QByteArray &body, qint64 nowSeconds) const
{
    const QByteArray timestamp = QByteArray::number(nowSeconds);
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Bearer:
        return { { "Authorization", "Bearer " + secret } };
    case Kind::Token:
        return { { header, secret } };
    case Kind::Hmac: {
        const QByteArray digest = hmacSha256(secret, body);
        return { { header, prefix + (encoding == Encoding::Hex ? digest.toHex() : digest.toBase64()) } };
    }
    case Kind::Slack:
        return { { "X-Slack-Request-Timestamp", timestamp },
            { "X-Slack-Signature", "v0=" + hmacSha256(secret, "v0:" + timestamp + ':' + body).toHex() } };
    case Kind::Stripe:
        return { { "Stripe-Signature",
            "t=" + timestamp + ",v1=" + hmacSha256(secret, timestamp + '.' + body).toHex() } };
    }
    return {};
}
