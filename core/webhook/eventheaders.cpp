// EventHeaders: what a consumer receives on NATS besides the body (README "What is published").
#include "webhook/eventheaders.h"
#include "http/headers.h"
#include "webhook/endpoint.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

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
    headers.append({ ReceivedHeader, receivedAt(request.receivedMs) });
    return headers;
}

QByteArray EventHeaders::receivedAt(qint64 ms)
{
    // QDateTime::toString was 5 % of the server thread's samples under load (docs/BENCHMARKS.md).
    using namespace std::chrono;
    const sys_time<milliseconds> time { milliseconds { ms } };
    const sys_days day = floor<days>(time);
    const year_month_day date { day };
    const hh_mm_ss clock { time - day };
    char text[40];
    const int length = std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(date.year()),
        unsigned(date.month()), unsigned(date.day()), int(clock.hours().count()), int(clock.minutes().count()),
        int(clock.seconds().count()), int(clock.subseconds().count()));
    return QByteArray(text, std::clamp(length, 0, int(sizeof text) - 1));
}
