// Building the window's test events: a JSON body keyed where the endpoint looks, signed by its scheme.
#include "webhook/samplerequest.h"
#include "webhook/endpoint.h"

#include <QUuid>

SampleRequest SampleRequest::build(
    const Endpoint &endpoint, const QByteArray &baseUrl, qint64 n, const QByteArray &key, qint64 nowSeconds)
{
    SampleRequest request;
    request.target = endpoint.path;
    const SignatureScheme &scheme = endpoint.auth;
    const bool signsId = scheme.kind == SignatureScheme::Kind::Signed && scheme.message.uses(SignedMessage::Part::Id);
    // A scheme that signs its id needs one on every request; it is the idempotency key too.
    const QByteArray id = !key.isEmpty() ? key
        : signsId                        ? "msg_" + QUuid::createUuid().toByteArray(QUuid::Id128)
                                         : QByteArray();
    // A JSON body keyed where the preset looks (Stripe and Slack: a field of the body).
    request.body = "{\"source\":\"ackhook monitor\",\"type\":\"ackhook_test\",\"n\":" + QByteArray::number(n);
    if (!id.isEmpty() && !endpoint.keyJsonField.isEmpty())
        request.body += ",\"" + endpoint.keyJsonField + "\":\"" + id + '"';
    request.body += '}';
    request.headers = { { "Content-Type", "application/json" } };
    const QByteArray keyHeader = endpoint.keyHeaders.value(0, "Idempotency-Key");
    if (!id.isEmpty() && !(signsId && keyHeader.compare(scheme.idHeader, Qt::CaseInsensitive) == 0))
        request.headers.append({ keyHeader, id });
    if (!endpoint.eventHeader.isEmpty())
        request.headers.append({ endpoint.eventHeader, "ackhook_test" });
    if (scheme.kind == SignatureScheme::Kind::ClientState) {
        request.unsigned_ = QStringLiteral("%1 checks the clientState in each Microsoft Graph notification: this "
                                           "test event has none, so it is answered 401")
                                .arg(QString::fromUtf8(endpoint.path));
        return request;
    }
    if (endpoint.snsSigned()) {
        request.unsigned_ = QStringLiteral("%1 checks AWS SNS's signature with SNS's certificate: only SNS can sign, "
                                           "so this test event is answered 401")
                                .arg(QString::fromUtf8(endpoint.path));
        return request;
    }
    if (!scheme.canSign()) {
        request.unsigned_
            = QStringLiteral("%1 verifies the sender's %2 signature with its public key: only the "
                             "sender can sign, so this test event is answered 401")
                  .arg(QString::fromUtf8(endpoint.path), SignatureScheme::algorithmName(scheme.algorithm));
        return request;
    }
    SignatureScheme::Request signedRequest;
    signedRequest.method = request.method;
    signedRequest.url = endpoint.publicUrl.isEmpty() ? baseUrl + endpoint.path : endpoint.publicUrl;
    signedRequest.body = request.body;
    request.headers += scheme.sign(signedRequest, nowSeconds, id);
    return request;
}
