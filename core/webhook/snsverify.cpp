// WebhookServer's check of an AWS SNS message's signature (SnsMessage), with its signing
// certificate from SnsClient: a request whose certificate is not cached yet waits for it.
#include "webhook/webhookserver.h"
#include "http/headers.h"
#include "webhook/snsclient.h"

#include <QJsonDocument>

bool WebhookServer::snsVerified(qsizetype index, HttpRequest &request, const HttpResponder &responder)
{
    const auto refuse = [&](int status, const QString &reason) {
        HttpResponse response = HttpResponse::error(status, reason);
        RequestRecord record;
        record.reason = status == 401 ? QStringLiteral("unauthorized") : reason;
        if (status == 503)
            response.headers.append({ QByteArray("Retry-After"), QByteArray::number(m_options.retryAfterSeconds) });
        answerEndpoint(index, request, responder, response, std::move(record));
        return false;
    };
    if (headerValue(request.headers, "x-amz-sns-rawdelivery").trimmed().compare("true", Qt::CaseInsensitive) == 0)
        return refuse(401,
            QStringLiteral("raw message delivery carries no SNS signature, so ackhook cannot verify it: turn "
                           "RawMessageDelivery off for this subscription"));
    QJsonParseError parse;
    const QJsonDocument json = QJsonDocument::fromJson(request.body, &parse);
    if (parse.error != QJsonParseError::NoError || !json.isObject())
        return refuse(401, QStringLiteral("body is not an SNS message (a JSON object with its Signature)"));
    QString error;
    const std::optional<SnsMessage> message = SnsMessage::parse(json.object(), &error);
    if (!message)
        return refuse(401, error);
    // A topic the endpoint does not take is refused before any certificate is fetched for it.
    const Endpoint &endpoint = m_options.endpoints.at(index);
    if (!endpoint.snsTopics.isEmpty() && !endpoint.snsTopics.contains(message->topicArn.toLatin1()))
        return refuse(401,
            QStringLiteral("TopicArn %1 is not one of %2's sns_topics").arg(message->topicArn, QString::fromUtf8(endpoint.path)));
    if (!m_sns)
        m_sns = new SnsClient(this);
    const SnsClient::Cached cached = m_sns->cached(message->certificateUrl);
    if (cached.key) {
        if (message->verify(*cached.key))
            return true;
        return refuse(401, QStringLiteral("SNS message's Signature does not verify with the certificate at SigningCertURL"));
    }
    if (!cached.error.isEmpty())
        return refuse(503, cached.error);
    if (!m_sns->canWait())
        return refuse(503, QStringLiteral("too many SNS messages wait for their signing certificate"));
    // Not cached yet: the request waits for its certificate (at most SnsClient::TimeoutMs), then goes
    // through again and finds it, or its failure, in the cache.
    m_sns->fetchCertificate(message->certificateUrl,
        [this, index, request = std::move(request), responder]() mutable {
            handleWebhook(index, std::move(request), responder);
        });
    return false;
}
