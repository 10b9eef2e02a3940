// SignatureScheme for schemes described as data (Kind::Signed: Standard Webhooks, the provider rows,
// a [[scheme]] of the config file): the key's form, the description's checks, verification and signing.
// The built-in kinds and the primitives are in signaturescheme.cpp.
#include "webhook/signaturescheme.h"
#include "http/bearerauth.h"
#include "http/headers.h"
#include "webhook/signaturetext.h"

#include <algorithm>

using namespace SignatureText;

namespace {

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

} // namespace

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
    return kind == Kind::Signed && (!timestampHeader.isEmpty() || !timestampKey.isEmpty());
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

