// The answer to a dispatched event: what a caller hears decides whether it retries, so the single
// event and the batch's items map a PublishResult the same way.
#include "dispatch/answer.h"

#include <QJsonArray>

#include <algorithm>

namespace {

// Every failure asks for a retry: the keys make the retry safe.
HttpResponse retryable(HttpResponse response, int retryAfterSeconds)
{
    response.headers.append({ "Retry-After", QByteArray::number(retryAfterSeconds) });
    return response;
}

} // namespace

void appendJsonString(QByteArray &out, QStringView text)
{
    static constexpr char hex[] = "0123456789abcdef";
    const QByteArray utf8 = text.toUtf8();
    out.append('"');
    for (const char c : utf8) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.append('\\').append(c);
        } else if (u >= 0x20) {
            out.append(c);
        } else {
            switch (c) {
            case '\b': out.append("\\b"); break;
            case '\f': out.append("\\f"); break;
            case '\n': out.append("\\n"); break;
            case '\r': out.append("\\r"); break;
            case '\t': out.append("\\t"); break;
            default: out.append("\\u00").append(hex[u >> 4]).append(hex[u & 0xf]);
            }
        }
    }
    out.append('"');
}

QByteArray ackedAnswerBody(const PublishResult &result, const QString &id)
{
    // What QJsonDocument writes for eventFields() (keys sorted, compact) plus the newline of
    // HttpResponse::json, without building the object: the answer every stored event gets.
    QByteArray body;
    body.reserve(64 + id.size() + result.stream.size());
    body.append(result.duplicate ? "{\"duplicate\":true,\"id\":" : "{\"duplicate\":false,\"id\":");
    appendJsonString(body, id);
    body.append(",\"seq\":").append(QByteArray::number(result.seq)).append(",\"stream\":");
    appendJsonString(body, result.stream);
    body.append("}\n");
    return body;
}

int answerStatus(DispatchPolicy policy, const PublishResult &result)
{
    if (result.acked)
        return 200;
    switch (result.reason) {
    case FailureReason::None:
        return policy == DispatchPolicy::Spool ? 202 : 200;
    case FailureReason::Overloaded:
        return 429;
    case FailureReason::ShuttingDown:
    case FailureReason::SpoolFull:
        return 503;
    default:
        return 500;
    }
}

QJsonObject eventFields(DispatchPolicy policy, const PublishResult &result, const QString &id)
{
    QJsonObject fields { { QStringLiteral("id"), id } };
    if (result.acked) {
        fields.insert(QStringLiteral("seq"), static_cast<qint64>(result.seq));
        fields.insert(QStringLiteral("duplicate"), result.duplicate);
        fields.insert(QStringLiteral("stream"), result.stream);
    } else if (result.accepted()) {
        fields.insert(QStringLiteral("accepted"), true);
        fields.insert(QStringLiteral("policy"), dispatchPolicyName(policy));
    } else {
        fields.insert(QStringLiteral("reason"), failureReasonName(result.reason));
        fields.insert(QStringLiteral("error"), result.detail);
    }
    return fields;
}

HttpResponse eventAnswer(
    DispatchPolicy policy, const PublishResult &result, const QString &id, int retryAfterSeconds, RequestRecord *record)
{
    const int status = answerStatus(policy, result);
    if (result.acked) {
        record->seq = result.seq;
        record->duplicate = result.duplicate;
        HttpResponse response;
        response.status = status;
        response.contentType = "application/json";
        response.body = ackedAnswerBody(result, id);
        return response;
    }
    QJsonObject fields = eventFields(policy, result, id);
    if (result.accepted()) {
        // Taken without a PubAck: the JSON says which promise the caller got instead.
        fields.insert(QStringLiteral("detail"), result.detail);
        return HttpResponse::json(status, fields);
    }
    record->reason = failureReasonName(result.reason);
    const QString what = policy == DispatchPolicy::Spool ? QStringLiteral("event not spooled: ")
                                                         : QStringLiteral("event not confirmed by NATS JetStream: ");
    return retryable(HttpResponse::error(status, what + result.detail, fields), retryAfterSeconds);
}

HttpResponse batchAnswer(
    DispatchPolicy policy, const QList<BatchItem> &items, int retryAfterSeconds, RequestRecord *record)
{
    const int success = answerStatus(policy, PublishResult::takenWithoutAck({}));
    QJsonArray events;
    int status = success;
    qsizetype acked = 0;
    for (const BatchItem &item : items) {
        events.append(eventFields(policy, item.result, item.id));
        if (item.result.accepted()) {
            ++acked;
            continue;
        }
        // A 500 wins over a 429 / 503: the caller must retry, and may retry it all (the keys dedup).
        const int failure = answerStatus(policy, item.result);
        status = status == success ? failure : std::max(status, failure);
    }
    const QJsonObject summary { { QStringLiteral("events"), events },
        { QStringLiteral("acked"), static_cast<qint64>(acked) },
        { QStringLiteral("total"), static_cast<qint64>(items.size()) } };
    if (status == success)
        return HttpResponse::json(success, summary);
    record->reason = QStringLiteral("batch");
    return retryable(HttpResponse::error(status,
                         QStringLiteral("%1 of %2 events not confirmed by NATS JetStream")
                             .arg(items.size() - acked)
                             .arg(items.size()),
                         summary),
        retryAfterSeconds);
}
