// Providers' handshakes, each from the provider's documentation; the 400s name what is wrong, never
// the token, challenge or secret.
#include "webhook/handshake.h"
#include "webhook/snsmessage.h"
#include "webhook/endpoint.h"
#include "webhook/signaturescheme.h"
#include "webhook/signaturetext.h"

#include <QDateTime>
#include <QUrl>

#include <algorithm>

namespace {

using SignatureText::isPrintableAscii;

HttpResponse plainEcho(const QByteArray &text)
{
    HttpResponse response = HttpResponse::text(200, text);
    response.contentType = "text/plain";
    response.headers.append({ QByteArray("X-Content-Type-Options"), QByteArray("nosniff") });
    return response;
}

Handshakes::Answer answer(HttpResponse response)
{
    return { std::move(response), {} };
}

// The query parameter a provider echoes (Graph's validationToken, Dropbox's challenge): once,
// non-empty, printable, bounded. nullopt: not this handshake; else the answer.
std::optional<Handshakes::Answer> echoParameter(const HttpRequest &request, QByteArrayView name)
{
    int count = 0;
    const QByteArray value = Handshakes::queryValue(request.target, name, &count);
    if (count == 0)
        return std::nullopt;
    const QString what = QString::fromLatin1(name.toByteArray());
    if (count > 1)
        return answer(HttpResponse::error(400, QStringLiteral("%1 sent %2 times: send it once").arg(what).arg(count)));
    if (value.isEmpty())
        return answer(HttpResponse::error(400, QStringLiteral("%1 is empty").arg(what)));
    if (value.size() > Handshakes::MaxEchoBytes)
        return answer(HttpResponse::error(400,
            QStringLiteral("%1 is over-long (%2 bytes decoded, at most %3)")
                .arg(what)
                .arg(value.size())
                .arg(Handshakes::MaxEchoBytes)));
    if (!isPrintableAscii(value))
        return answer(HttpResponse::error(400, QStringLiteral("%1 is not printable ASCII").arg(what)));
    return answer(plainEcho(value));
}

// Refused when this signed request was answered already within twice the signature's tolerance.
bool replayed(ReplayGuard &guard, const Endpoint &endpoint, const HttpRequest &request, QByteArrayView header)
{
    return !guard.firstTime(
        headerValue(request.headers, header), std::max<qint64>(endpoint.auth.tolerance.count(), 1) * 2);
}

// Zoom's endpoint.url_validation: {"plainToken": …, "encryptedToken": hex HMAC-SHA256(secret token, plainToken)}.
Handshakes::Answer zoomValidation(const Endpoint &endpoint, const QJsonObject &body)
{
    const QJsonValue payload = body.value(QLatin1String("payload"));
    if (!payload.isObject())
        return answer(HttpResponse::error(400, QStringLiteral("endpoint.url_validation without a payload object")));
    const QJsonValue plainToken = payload.toObject().value(QLatin1String("plainToken"));
    if (plainToken.isUndefined())
        return answer(HttpResponse::error(400, QStringLiteral("endpoint.url_validation without payload.plainToken")));
    if (!plainToken.isString())
        return answer(HttpResponse::error(400, QStringLiteral("payload.plainToken is not a string")));
    const QString token = plainToken.toString();
    if (token.isEmpty())
        return answer(HttpResponse::error(400, QStringLiteral("payload.plainToken is empty")));
    if (token.size() > Handshakes::MaxTokenChars)
        return answer(HttpResponse::error(400,
            QStringLiteral("payload.plainToken is over-long (%1 characters, at most %2)")
                .arg(token.size())
                .arg(Handshakes::MaxTokenChars)));
    const QByteArray bytes = token.toUtf8();
    return answer(HttpResponse::json(200,
        QJsonObject { { QStringLiteral("plainToken"), token },
            { QStringLiteral("encryptedToken"),
                QString::fromLatin1(SignatureScheme::hmacSha256(endpoint.auth.secret, bytes).toHex()) } }));
}

// AWS SNS SubscriptionConfirmation: never fetched here; shown for a person to confirm.
Handshakes::Answer snsConfirmation(const Endpoint &endpoint, const QJsonDocument &json)
{
    if (!json.isObject())
        return answer(HttpResponse::error(400, QStringLiteral("SubscriptionConfirmation body is not a JSON object")));
    const QJsonObject body = json.object();
    const QJsonValue type = body.value(QLatin1String("Type"));
    if (!type.isUndefined() && type.toString() != QLatin1String("SubscriptionConfirmation"))
        return answer(HttpResponse::error(
            400, QStringLiteral("x-amz-sns-message-type is SubscriptionConfirmation but the body's Type is not")));
    QString fields[2];
    const char *names[2] = { "TopicArn", "SubscribeURL" };
    for (int i = 0; i < 2; ++i) {
        const QJsonValue value = body.value(QLatin1String(names[i]));
        if (value.isUndefined())
            return answer(HttpResponse::error(400, QStringLiteral("SubscriptionConfirmation without %1").arg(QLatin1String(names[i]))));
        if (!value.isString())
            return answer(HttpResponse::error(400, QStringLiteral("%1 is not a string").arg(QLatin1String(names[i]))));
        const QByteArray text = value.toString().toUtf8();
        if (text.isEmpty() || text.size() > Handshakes::MaxSnsFieldBytes)
            return answer(HttpResponse::error(400,
                QStringLiteral("%1 must be 1 to %2 bytes").arg(QLatin1String(names[i])).arg(Handshakes::MaxSnsFieldBytes)));
        if (!isPrintableAscii(text))
            return answer(HttpResponse::error(400, QStringLiteral("%1 is not printable ASCII").arg(QLatin1String(names[i]))));
        fields[i] = value.toString();
    }
    if (!fields[0].startsWith(QLatin1String("arn:")))
        return answer(HttpResponse::error(400, QStringLiteral("TopicArn is not an ARN (arn:…)")));
    // Only a URL of SNS itself is shown to be opened: https://sns.<region>.amazonaws.com[.cn]/…
    if (!SnsMessage::isSnsUrl(QUrl(fields[1], QUrl::StrictMode)))
        return answer(HttpResponse::error(
            400, QStringLiteral("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL")));
    Handshakes::Answer result = answer(HttpResponse::json(200,
        QJsonObject { { QStringLiteral("confirmed"), false },
            { QStringLiteral("detail"),
                QStringLiteral("SubscriptionConfirmation recorded; ackhook fetches SubscribeURL only when a person "
                               "confirms it") } }));
    result.pendingConfirmation = QJsonObject { { QStringLiteral("endpoint"), QString::fromUtf8(endpoint.path) },
        { QStringLiteral("topic_arn"), fields[0] }, { QStringLiteral("subscribe_url"), fields[1] },
        { QStringLiteral("received_ms"), QDateTime::currentMSecsSinceEpoch() },
        // Its SNS signature verified (WebhookServer::snsVerified) before any handshake is looked at;
        // any AWS account's topic can still ask: a person confirms only a topic they expect.
        { QStringLiteral("signature_verified"), true } };
    return result;
}

} // namespace

QByteArray Handshakes::queryValue(QByteArrayView target, QByteArrayView name, int *count)
{
    *count = 0;
    const qsizetype question = target.indexOf('?');
    if (question < 0)
        return {};
    QByteArray found;
    for (const QByteArray &item : target.sliced(question + 1).toByteArray().split('&')) {
        const qsizetype equals = item.indexOf('=');
        const QByteArrayView key = equals < 0 ? QByteArrayView(item) : QByteArrayView(item).first(equals);
        if (key != name)
            continue;
        ++*count;
        if (*count == 1) {
            QByteArray value = equals < 0 ? QByteArray() : item.sliced(equals + 1);
            value.replace('+', ' ');
            found = QByteArray::fromPercentEncoding(value);
        }
    }
    return found;
}

std::optional<Handshakes::Answer> Handshakes::beforeVerification(const Endpoint &endpoint, const HttpRequest &request)
{
    // Dropbox: GET <path>?challenge=… echoed as text/plain with nosniff.
    if (endpoint.source == "dropbox" && request.method == "GET")
        return echoParameter(request, "challenge");
    // Microsoft Graph: POST <path>?validationToken=… echoed as text/plain (within 10 s).
    if (endpoint.source == "microsoft-graph" && request.method == "POST")
        return echoParameter(request, "validationToken");
    return std::nullopt;
}

std::optional<Handshakes::Answer> Handshakes::afterVerification(
    const Endpoint &endpoint, const HttpRequest &request, const QJsonDocument &json)
{
    const QJsonObject body = json.object();
    if (endpoint.source == "slack" && json.isObject()
        && body.value(QLatin1String("type")).toString() == QLatin1String("url_verification")) {
        // Slack's URL verification: answer the challenge (the request was signed and is fresh); not an event.
        // Nothing is published, so JetStream cannot tell a replay: a signed request seen within the
        // signature's tolerance is refused here (README: a replay is answered 401).
        const QJsonValue challenge = body.value(QLatin1String("challenge"));
        if (!challenge.isString())
            return answer(HttpResponse::error(400, QStringLiteral("url_verification without a challenge string")));
        if (replayed(m_replays, endpoint, request, "X-Slack-Signature"))
            return answer(HttpResponse::error(
                401, QStringLiteral("url_verification replayed: this signed request was already answered")));
        return answer(HttpResponse::text(200, challenge.toString().toUtf8()));
    }
    if (endpoint.source == "zoom" && json.isObject()
        && body.value(QLatin1String("event")).toString() == QLatin1String("endpoint.url_validation")) {
        Answer result = zoomValidation(endpoint, body);
        if (result.response.status == 200 && replayed(m_replays, endpoint, request, endpoint.auth.header))
            return answer(HttpResponse::error(
                401, QStringLiteral("endpoint.url_validation replayed: this signed request was already answered")));
        return result;
    }
    if (endpoint.source == "discord" && json.isObject() && body.value(QLatin1String("type")).isDouble()
        && body.value(QLatin1String("type")).toDouble() == 1) {
        // Discord's PING (interaction type 1): answered with a PONG (type 1).
        if (replayed(m_replays, endpoint, request, endpoint.auth.header))
            return answer(HttpResponse::error(401, QStringLiteral("PING replayed: this signed request was already answered")));
        return answer(HttpResponse::json(200, QJsonObject { { QStringLiteral("type"), 1 } }));
    }
    if (endpoint.source == "aws-sns"
        && headerValue(request.headers, "x-amz-sns-message-type").trimmed() == "SubscriptionConfirmation")
        return snsConfirmation(endpoint, json);
    return std::nullopt;
}
