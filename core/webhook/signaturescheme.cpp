// Verification and signing of the webhook signature schemes; the 401 reasons name headers, never secrets.
#include "webhook/signaturescheme.h"
#include "http/bearerauth.h"
#include "http/headers.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>

#include <openssl/evp.h>

#include <algorithm>
#include <memory>

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

// How often a header appears: a signature or timestamp sent twice is ambiguous (which one was checked?).
int headerCount(const HeaderList &headers, QByteArrayView name)
{
    int count = 0;
    for (const auto &header : headers)
        count += header.first.compare(name, Qt::CaseInsensitive) == 0 ? 1 : 0;
    return count;
}

std::optional<QByteArray> decodeSignature(QByteArrayView text, SignatureScheme::Encoding encoding, qsizetype bytes)
{
    text = text.trimmed();
    if (encoding == SignatureScheme::Encoding::Hex) {
        if (text.size() != 2 * bytes)
            return std::nullopt;
        for (char c : text) {
            if (!isHexDigit(c))
                return std::nullopt;
        }
        return QByteArray::fromHex(text.toByteArray());
    }
    if (text.size() > 4 * ((bytes + 2) / 3))
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toByteArray(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.size() != bytes)
        return std::nullopt;
    return decoded.decoded;
}

// Microsoft Graph change notifications: {"value":[{…,"clientState":"<secret>"},…]}; every one must
// carry the configured clientState (compared in constant time). Reasons never echo a value.
QString verifyClientState(const QByteArray &body, const QByteArray &secret)
{
    constexpr qsizetype MaxNotifications = 1000; // a bound: each costs a comparison
    QJsonParseError parse;
    const QJsonDocument json = QJsonDocument::fromJson(body, &parse);
    if (parse.error != QJsonParseError::NoError || !json.isObject())
        return QStringLiteral("body is not a Microsoft Graph notification: a JSON object with a value array");
    const QJsonValue value = json.object().value(QLatin1String("value"));
    if (!value.isArray() || value.toArray().isEmpty())
        return QStringLiteral("body has no value array of notifications (each with its clientState)");
    const QJsonArray notifications = value.toArray();
    if (notifications.size() > MaxNotifications)
        return QStringLiteral("value holds %1 notifications, at most %2").arg(notifications.size()).arg(MaxNotifications);
    for (qsizetype i = 0; i < notifications.size(); ++i) {
        const QJsonValue clientState = notifications.at(i).toObject().value(QLatin1String("clientState"));
        if (!clientState.isString())
            return QStringLiteral("value[%1].clientState is missing or not a string").arg(i);
        if (!equalConstantTime(clientState.toString().toUtf8(), secret))
            return QStringLiteral("value[%1].clientState does not match").arg(i);
    }
    return {};
}

} // namespace

QByteArray SignatureScheme::hmacSha1(const QByteArray &secret, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha1);
}

bool SignatureScheme::verifyEd25519(QByteArrayView publicKey, QByteArrayView signature, QByteArrayView message)
{
    if (publicKey.size() != 32 || signature.size() != 64)
        return false;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
            reinterpret_cast<const unsigned char *>(publicKey.data()), static_cast<size_t>(publicKey.size())),
        &EVP_PKEY_free);
    if (!key)
        return false;
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char *>(signature.data()),
               static_cast<size_t>(signature.size()), reinterpret_cast<const unsigned char *>(message.data()),
               static_cast<size_t>(message.size()))
        == 1;
}

QString SignatureScheme::algorithmName(Algorithm algorithm)
{
    switch (algorithm) {
    case Algorithm::HmacSha256:
        return QStringLiteral("hmac-sha256");
    case Algorithm::HmacSha1:
        return QStringLiteral("hmac-sha1");
    case Algorithm::Ed25519:
        return QStringLiteral("ed25519");
    }
    return {};
}

QString SignatureScheme::layoutName(Layout layout)
{
    switch (layout) {
    case Layout::Single:
        return QStringLiteral("single");
    case Layout::List:
        return QStringLiteral("list");
    case Layout::Keyed:
        return QStringLiteral("keyed");
    }
    return {};
}

QString SignatureScheme::secretFormName(SecretForm form)
{
    switch (form) {
    case SecretForm::Raw:
        return QStringLiteral("raw");
    case SecretForm::Whsec:
        return QStringLiteral("whsec");
    case SecretForm::PublicKey:
        return QStringLiteral("public-key");
    }
    return {};
}

QByteArray SignatureScheme::key() const
{
    switch (secretForm) {
    case SecretForm::Raw:
        return secret;
    case SecretForm::Whsec: {
        // Standard Webhooks: "whsec_" + base64 of the key bytes; its SDKs accept the base64 alone too.
        const QByteArray text = secret.startsWith("whsec_") ? secret.mid(6) : secret;
        const auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
        return decoded ? decoded.decoded : QByteArray();
    }
    case SecretForm::PublicKey:
        return QByteArray::fromHex(secret);
    }
    return {};
}

QString SignatureScheme::checkSecret() const
{
    if (kind != Kind::Signed)
        return {};
    switch (secretForm) {
    case SecretForm::Raw:
        return secret.isEmpty() ? QStringLiteral("the secret is empty") : QString();
    case SecretForm::Whsec: {
        const QByteArray text = secret.startsWith("whsec_") ? secret.mid(6) : secret;
        const auto decoded = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || decoded.decoded.isEmpty())
            return QStringLiteral("the secret is not whsec_<base64> (Standard Webhooks' form)");
        return {};
    }
    case SecretForm::PublicKey: {
        if (secret.size() != 64 || !std::all_of(secret.begin(), secret.end(), isHexDigit))
            return QStringLiteral("the public key is not 64 hex digits (an Ed25519 public key)");
        return {};
    }
    }
    return {};
}

QString SignatureScheme::checkDescription() const
{
    if (kind != Kind::Signed)
        return {};
    if (header.isEmpty())
        return QStringLiteral("no signature header");
    if (algorithm == Algorithm::Ed25519 && secretForm != SecretForm::PublicKey)
        return QStringLiteral("ed25519 verifies with a public key: secret_form = \"public-key\"");
    if (algorithm != Algorithm::Ed25519 && secretForm == SecretForm::PublicKey)
        return QStringLiteral("a public key only verifies ed25519 signatures");
    if (layout != Layout::Single && separator.isEmpty())
        return QStringLiteral("a %1 layout needs a separator").arg(layoutName(layout));
    const auto same = [](const QByteArray &a, const QByteArray &b) {
        return !a.isEmpty() && a.compare(b, Qt::CaseInsensitive) == 0;
    };
    if (same(header, timestampHeader) || same(header, idHeader) || same(timestampHeader, idHeader))
        return QStringLiteral("the signature, timestamp and id headers must be three different headers");
    if (layout != Layout::Single && !QByteArrayView(" ,;|").contains(separator.at(0)))
        return QStringLiteral("the separator must be one of ' ', ',', ';', '|' (a signature may hold the others)");
    if (prefix != prefix.trimmed())
        return QStringLiteral("the signature prefix must not start or end with white space");
    if (layout != Layout::Single
        && (prefix.contains(separator) || signatureKey.contains(separator) || timestampKey.contains(separator)))
        return QStringLiteral("the separator '%1' must not be part of the prefix or a key").arg(QString::fromLatin1(separator));
    if (layout == Layout::Keyed && !timestampKey.isEmpty() && timestampKey == signatureKey)
        return QStringLiteral("timestamp_key and signature_key must differ");
    if (layout == Layout::Keyed && signatureKey.isEmpty())
        return QStringLiteral("a keyed layout needs signature_key (e.g. \"v1\")");
    if (layout != Layout::Keyed && !timestampKey.isEmpty())
        return QStringLiteral("timestamp_key is only for a keyed layout");
    if (!timestampKey.isEmpty() && !timestampHeader.isEmpty())
        return QStringLiteral("give timestamp_key or timestamp_header, not both");
    if (layout == Layout::List && prefix.isEmpty())
        return QStringLiteral("a list layout needs signature_prefix (what starts each signature, e.g. \"v1,\")");
    if (message.uses(SignedMessage::Part::Timestamp) && timestampHeader.isEmpty() && timestampKey.isEmpty())
        return QStringLiteral("the message signs {timestamp} but no timestamp_header or timestamp_key says where it is");
    if (message.uses(SignedMessage::Part::Id) && idHeader.isEmpty())
        return QStringLiteral("the message signs {id} but no id_header says where it is");
    return {};
}

bool SignatureScheme::hasTimestamp() const
{
    switch (kind) {
    case Kind::Slack:
    case Kind::Stripe:
        return true;
    case Kind::Signed:
        return !timestampHeader.isEmpty() || !timestampKey.isEmpty();
    default:
        return false;
    }
}

qsizetype SignatureScheme::signatureBytes() const
{
    switch (algorithm) {
    case Algorithm::HmacSha256:
        return 32;
    case Algorithm::HmacSha1:
        return 20;
    case Algorithm::Ed25519:
        return 64;
    }
    return 0;
}

QString SignatureScheme::signatureFormat() const
{
    const QString one = QStringLiteral("%1<%2 %3>")
                            .arg(QString::fromLatin1(layout == Layout::Keyed ? signatureKey + '=' : prefix),
                                encoding == Encoding::Hex ? QStringLiteral("%1 hex digits of the").arg(2 * signatureBytes())
                                                          : QStringLiteral("base64"),
                                algorithmName(algorithm));
    switch (layout) {
    case Layout::Single:
        return one;
    case Layout::List:
        return QStringLiteral("%1, several separated by '%2'").arg(one, QString::fromLatin1(separator));
    case Layout::Keyed:
        return QStringLiteral("%1=<timestamp>%2%3").arg(QString::fromLatin1(timestampKey.isEmpty() ? "…" : timestampKey),
            QString::fromLatin1(separator), one);
    }
    return one;
}

QString SignatureScheme::verifySigned(const Request &request, qint64 nowSeconds) const
{
    const HeaderList &headers = request.headers;
    const QString signatureName = headerName(header);
    // Presence, repetition and size of every header first: each problem named, none echoed.
    // Repetition, size and bytes were checked by verify(): here only presence.
    const auto single = [&](const QByteArray &name, QByteArray *value) -> QString {
        *value = headerValue(headers, name);
        if (value->isNull())
            return QStringLiteral("missing %1").arg(headerName(name));
        return {};
    };
    QByteArray signatureText;
    if (QString problem = single(header, &signatureText); !problem.isEmpty())
        return problem;
    QByteArray id;
    if (message.uses(SignedMessage::Part::Id)) {
        if (QString problem = single(idHeader, &id); !problem.isEmpty())
            return problem;
        id = id.trimmed();
        if (id.isEmpty() || id.size() > MaxIdBytes)
            return QStringLiteral("malformed %1: 1 to %2 characters").arg(headerName(idHeader)).arg(MaxIdBytes);
    }

    QList<QByteArray> candidates;
    QByteArray timestampText;
    bool timestampSeen = false;
    bool malformed = false;
    // skipBad: in a list, a signature of another length is for another key or verifier (as the
    // Standard Webhooks SDKs skip what does not match); elsewhere it makes the header malformed.
    const auto addCandidate = [&](QByteArrayView text, bool skipBad = false) {
        const auto decoded = decodeSignature(text, encoding, signatureBytes());
        if (!decoded)
            malformed |= !skipBad;
        else if (candidates.size() < 16) // a bound: each costs a comparison or a verification
            candidates.append(*decoded);
    };
    switch (layout) {
    case Layout::Single: {
        QByteArrayView value = QByteArrayView(signatureText).trimmed();
        if (!prefix.isEmpty() && !startsWithCaseInsensitive(value, prefix))
            malformed = true;
        else
            addCandidate(value.sliced(prefix.size()));
        break;
    }
    case Layout::List:
        for (const QByteArray &item : signatureText.split(separator.at(0))) {
            const QByteArrayView text = QByteArrayView(item).trimmed();
            if (text.isEmpty())
                continue;
            // Other versions ("v1a,…") are for other verifiers, as the Standard Webhooks SDKs skip them.
            if (text.startsWith(prefix))
                addCandidate(text.sliced(prefix.size()), true);
        }
        break;
    case Layout::Keyed:
        for (const QByteArray &item : signatureText.split(separator.at(0))) {
            const QByteArrayView text = QByteArrayView(item).trimmed();
            const qsizetype equals = text.indexOf('=');
            if (equals <= 0) {
                malformed = true;
                break;
            }
            const QByteArrayView itemKey = text.first(equals);
            if (!timestampKey.isEmpty() && itemKey == timestampKey) {
                if (timestampSeen) {
                    malformed = true;
                    break;
                }
                timestampSeen = true;
                timestampText = text.sliced(equals + 1).toByteArray();
            } else if (itemKey == signatureKey) {
                addCandidate(text.sliced(equals + 1));
            }
        }
        break;
    }
    if (malformed || candidates.isEmpty() || (!timestampKey.isEmpty() && !timestampSeen))
        return QStringLiteral("malformed %1: expected %2").arg(signatureName, signatureFormat());

    QString timestampName = headerName(timestampHeader);
    if (!timestampHeader.isEmpty()) {
        if (QString problem = single(timestampHeader, &timestampText); !problem.isEmpty())
            return problem;
    } else if (!timestampKey.isEmpty()) {
        timestampName = QStringLiteral("%1 timestamp").arg(signatureName);
    }
    std::optional<qint64> timestamp;
    if (hasTimestamp()) {
        timestampText = timestampText.trimmed();
        // Seconds have at most 12 digits (parseTimestamp), milliseconds 3 more.
        const bool millis = timestampUnit == TimestampUnit::Milliseconds;
        if (millis && timestampText.size() > 3) {
            const auto high = parseTimestamp(QByteArrayView(timestampText).chopped(3));
            const auto low = parseTimestamp(QByteArrayView(timestampText).last(3));
            if (high && low)
                timestamp = *high * 1000 + *low;
        } else if (!millis) {
            timestamp = parseTimestamp(timestampText);
        }
        if (!timestamp)
            return QStringLiteral("malformed %1: expected Unix %2")
                .arg(timestampName,
                    timestampUnit == TimestampUnit::Seconds ? QStringLiteral("seconds") : QStringLiteral("milliseconds"));
    }

    const QByteArray signedBytes = message.render({ id, timestampText, request.method, request.url, request.body });
    const QByteArray secretKey = key();
    bool matched = false;
    if (algorithm == Algorithm::Ed25519) {
        for (const QByteArray &candidate : candidates)
            matched |= verifyEd25519(secretKey, candidate, signedBytes);
    } else {
        const QByteArray expected
            = algorithm == Algorithm::HmacSha1 ? hmacSha1(secretKey, signedBytes) : hmacSha256(secretKey, signedBytes);
        for (const QByteArray &candidate : candidates)
            matched |= equalConstantTime(candidate, expected); // no early exit: every candidate costs the same
    }
    if (!matched)
        return candidates.size() > 1 ? QStringLiteral("no signature in %1 matches the signed message (%2)")
                                           .arg(signatureName, QString::fromLatin1(message.text))
                                     : QStringLiteral("%1 does not match the signed message (%2)")
                                           .arg(signatureName, QString::fromLatin1(message.text));
    if (timestamp) {
        const qint64 seconds = timestampUnit == TimestampUnit::Milliseconds ? *timestamp / 1000 : *timestamp;
        const QByteArray name = timestampName.toLatin1();
        return checkTimestamp(seconds, nowSeconds, tolerance, name.constData());
    }
    return {};
}

HeaderList SignatureScheme::signSigned(const Request &request, qint64 nowSeconds, const QByteArray &id) const
{
    if (!canSign())
        return {};
    const QByteArray timestamp = timestampUnit == TimestampUnit::Milliseconds ? QByteArray::number(nowSeconds * 1000)
                                                                              : QByteArray::number(nowSeconds);
    const QByteArray signedBytes = message.render({ id, timestamp, request.method, request.url, request.body });
    const QByteArray digest
        = algorithm == Algorithm::HmacSha1 ? hmacSha1(key(), signedBytes) : hmacSha256(key(), signedBytes);
    const QByteArray text = encoding == Encoding::Hex ? digest.toHex() : digest.toBase64();
    HeaderList result;
    if (message.uses(SignedMessage::Part::Id))
        result.append({ idHeader, id });
    if (!timestampHeader.isEmpty())
        result.append({ timestampHeader, timestamp });
    if (layout == Layout::Keyed)
        result.append({ header,
            (timestampKey.isEmpty() ? QByteArray() : timestampKey + '=' + timestamp + separator) + signatureKey + '='
                + text });
    else
        result.append({ header, prefix + text });
    return result;
}

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
    case Kind::Signed:
        return { header };
    case Kind::ClientState:
        return {}; // in the body: Graph puts it in every notification
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
    case Kind::Signed:
        return QStringLiteral("signed");
    case Kind::ClientState:
        return QStringLiteral("client-state");
    }
    return {};
}

QString SignatureScheme::verify(const HeaderList &headers, const QByteArray &body, qint64 nowSeconds) const
{
    Request request;
    request.headers = headers;
    request.body = body;
    return verify(request, nowSeconds);
}

QString SignatureScheme::verify(const Request &request, qint64 nowSeconds) const
{
    const HeaderList &headers = request.headers;
    const QByteArray &body = request.body;
    // Every scheme: a credential, timestamp or id header sent twice is ambiguous (which one was
    // checked?), an over-long or non-ASCII one is no signature; named, never echoed.
    QList<QByteArray> checked = credentialHeaders();
    if (kind == Kind::Slack)
        checked.append("X-Slack-Request-Timestamp");
    if (kind == Kind::Signed) {
        if (!timestampHeader.isEmpty())
            checked.append(timestampHeader);
        if (message.uses(SignedMessage::Part::Id))
            checked.append(idHeader);
    }
    for (const QByteArray &name : std::as_const(checked)) {
        if (const int count = headerCount(headers, name); count > 1)
            return QStringLiteral("%1 sent %2 times: send it once").arg(headerName(name)).arg(count);
        const QByteArray value = headerValue(headers, name);
        if (value.size() > MaxHeaderBytes)
            return QStringLiteral("%1 is over-long (%2 bytes, at most %3)")
                .arg(headerName(name))
                .arg(value.size())
                .arg(MaxHeaderBytes);
        for (char c : value) {
            const unsigned char byte = static_cast<unsigned char>(c);
            if (byte >= 0x7f || (byte < 0x20 && c != '\t'))
                return QStringLiteral("malformed %1: not printable ASCII").arg(headerName(name));
        }
    }
    switch (kind) {
    case Kind::Signed:
        return verifySigned(request, nowSeconds);
    case Kind::ClientState:
        return verifyClientState(body, secret);
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
    Request request;
    request.body = body;
    return sign(request, nowSeconds, "msg_ackhook");
}

HeaderList SignatureScheme::sign(const Request &request, qint64 nowSeconds, const QByteArray &id) const
{
    const QByteArray &body = request.body;
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
    case Kind::Signed:
        return signSigned(request, nowSeconds, id);
    case Kind::ClientState:
        return {}; // the sender's body carries it (canSign() is false)
    }
    return {};
}
