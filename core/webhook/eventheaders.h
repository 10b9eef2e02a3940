// EventHeaders: the NATS headers of a published webhook — Content-Type, ce-*, the endpoint's kept
// request headers (never a credential) and ackhook's own Ackhook-* metadata.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QHostAddress>

struct Endpoint;

struct EventHeaders {
    static constexpr char EndpointHeader[] = "Ackhook-Endpoint"; // the endpoint's name
    static constexpr char SourceHeader[] = "Ackhook-Source"; // its preset: github, stripe, …
    static constexpr char EventHeader[] = "Ackhook-Event"; // the event type, when known
    static constexpr char QueryHeader[] = "Ackhook-Query"; // the raw query string, when there was one
    static constexpr char RemoteAddrHeader[] = "Ackhook-Remote-Addr"; // the caller's address
    static constexpr char ReceivedHeader[] = "Ackhook-Received"; // UTC, ISO 8601 with milliseconds

    struct Request {
        const HeaderList &headers;
        QByteArrayView target; // path and query as received
        QHostAddress peer;
        qint64 receivedMs = 0;
        QByteArrayView eventType;
        // A structured CloudEvent (or one of a batch): its attributes are in its JSON, so ce-*
        // request headers are not its own and are not published (a caller could spoof ce-id).
        bool structured = false;
    };
    static HeaderList build(const Endpoint &endpoint, const Request &request);
    // The Ackhook-Received value of a time in ms since the epoch: "2026-12-07T07:20:00.123Z", what
    // QDateTime's Qt::ISODateWithMs writes for UTC, at a tenth of its cost (one snprintf).
    static QByteArray receivedAt(qint64 ms);
    // A kept header is published unless it may carry a credential: Authorization, cookies, any
    // header isSecretHeader() names, and the endpoint's own signature/token headers.
    static bool mayPublish(const Endpoint &endpoint, QByteArrayView name);
};
