// EventHeaders: what a consumer receives on NATS besides the body (README "What is published").
#include "webhook/eventheaders.h"
#include "http/headers.h"
#include "webhook/endpoint.h"

#include <QDateTime>

namespace {
// NATS header values end at a line break; the HTTP parser already refuses control characters.
bool isPrintable(QByteArrayView value)
{
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 && c != '\t')
            return false;
    }
    return true;
}
} // namespace

bool EventHeaders::mayPublish(const Endpoint &endpoint, QByteArrayView name)
{
    if (isSecretHeader(name))
        return false;
    for (const QByteArray &credential : endpoint.auth.credentialHeaders()) {
        if (name.compare(credential, Qt::CaseInsensitive) == 0)
            return false;
    }
    return true;
}

HeaderList EventHeaders::build(const Endpoint &endpoint, const Request &request)
{
    HeaderList headers = publishedHeaders(request.headers);
    if (request.structured)
        headers.removeIf([](const auto &header) { return header.first.startsWith("ce-"); }); // lower case here
    for (const QByteArray &name : endpoint.keptHeaders) {
        if (!mayPublish(endpoint, name))
            continue;
        const QByteArray value = headerValue(request.headers, name);
        if (!value.isNull() && isPrintable(value))
            headers.append({ name, value });
    }
    headers.append({ EndpointHeader, endpoint.displayName() });
    headers.append({ SourceHeader, endpoint.source });
    if (!request.eventType.isEmpty() && isPrintable(request.eventType))
        headers.append({ EventHeader, request.eventType.toByteArray() });
    const qsizetype question = request.target.indexOf('?');
    if (question >= 0 && question + 1 < request.target.size())
        headers.append({ QueryHeader, request.target.sliced(question + 1).toByteArray() });
    if (!request.peer.isNull())
        headers.append({ RemoteAddrHeader, request.peer.toString().toLatin1() });
    headers.append({ ReceivedHeader,
        QDateTime::fromMSecsSinceEpoch(request.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1() });
    return headers;
}
