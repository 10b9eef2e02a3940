// Verification and signing of the webhook signature schemes; the 401 reasons name headers, never secrets.
#include "webhook/signaturescheme.h"
#include "webhook/signaturetext.h"
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

using namespace SignatureText;

// How often a header appears: a signature or timestamp sent twice is ambiguous (which one was checked?).
int headerCount(const HeaderList &headers, QByteArrayView name)
{
    int count = 0;
    for (const auto &header : headers)
        count += header.first.compare(name, Qt::CaseInsensitive) == 0 ? 1 : 0;
    return count;
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

QByteArray SignatureScheme::hmacSha256(const QByteArray &secret, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha256);
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

QList<QByteArray> SignatureScheme::credentialHeaders() const
{
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Bearer:
        return { "Authorization" };
    case Kind::Token:
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
    switch (kind) {
    case Kind::None:
        return {};
    case Kind::Bearer:
        return { { "Authorization", "Bearer " + secret } };
    case Kind::Token:
        return { { header, secret } };
    case Kind::Signed:
        return signSigned(request, nowSeconds, id);
    case Kind::ClientState:
        return {}; // the sender's body carries it (canSign() is false)
    }
    return {};
}
