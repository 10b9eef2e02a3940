// GatewayConfig: every setting of the dispatch core, filled from the command line.
#pragma once

#include "nats/natsaccess.h"
#include "nats/streamsettings.h"
#include "spool/spooldatabase.h"
#include "webhook/webhookserver.h"

#include <QHostAddress>
#include <QStringList>

#include <chrono>

struct GatewayConfig {
    QHostAddress listenAddress = QHostAddress::LocalHost;
    quint16 listenPort = 12000;
    QStringList natsUrls; // empty: the caller must fill it (embedded server or --nats-url)
    NatsAccess natsAccess; // credentials and TLS (URLs carry none once the Runtime has started)
    QString stream = QStringLiteral("EVENTS");
    QStringList streamSubjects { QStringLiteral("ackhook.>") };
    // Storage, limits and replicas of the stream when ackhook creates it (name and subjects: the two
    // fields above); an existing stream is only compared with them.
    StreamSettings streamSettings;
    bool createStream = true; // false: a missing stream is reported (not ready, 500 no_stream), never created
    std::chrono::milliseconds ackTimeout { 5000 };
    int maxInFlight = 4096;
    qint64 maxPayload = 1024 * 1024;
    std::chrono::milliseconds idleTimeout { 30000 };
    std::chrono::milliseconds headerTimeout { 10000 };
    // Both listeners (webhook and admin): a body's time, its minimum rate and the whole request's
    // deadline; the connection caps (HttpListener::Options says what each means).
    std::chrono::milliseconds bodyTimeout { 10000 };
    qint64 minBodyBytesPerSecond = 1024;
    std::chrono::milliseconds requestTimeout { 120000 };
    int maxConnections = 4096;
    int maxConnectionsPerAddress = 512;
    // HTTPS on the webhook listener (--tls-cert-file, --tls-key-file): both or neither; the admin
    // listener stays plain HTTP. Gateway::start loads them (a renewal is picked up without restart).
    QString tlsCertFile;
    QString tlsKeyFile;
    bool tls() const { return !tlsCertFile.isEmpty(); }
    QString webhookScheme() const { return tls() ? QStringLiteral("https") : QStringLiteral("http"); }
    // 0: derived from the ack timeout (see Gateway::start). Explicit values are for tests.
    std::chrono::milliseconds natsPingInterval { 0 };
    QList<Endpoint> endpoints { { "/webhook", "ackhook.webhook" } };
    WebhookAuth auth; // optional bearer token / HMAC signature on every endpoint
    bool ignoreDiscoveredServers = false; // set when NATS is reached through the fault proxy
    // Dispatch policies (docs/DESIGN.md §10): for endpoints that name none (--policy), the spool
    // (opened only when an endpoint uses it; path empty: <data-dir>/spool.sqlite, set by the
    // Runtime) and fire-and-forget's background retry.
    DispatchPolicy defaultPolicy = DispatchPolicy::Ack;
    SpoolDatabase::Options spool;
    std::chrono::milliseconds spoolRetryInterval { 500 };
    BackgroundPublisher::Options fireAndForget;

    // Limits and timeouts of the webhook listener, which the admin listener shares.
    HttpListener::Options httpOptions() const
    {
        HttpListener::Options http;
        http.limits.maxBodyBytes = maxPayload;
        http.idleTimeout = idleTimeout;
        http.headerTimeout = headerTimeout;
        http.bodyTimeout = bodyTimeout;
        http.minBodyBytesPerSecond = minBodyBytesPerSecond;
        http.requestTimeout = requestTimeout;
        http.maxConnections = maxConnections;
        http.maxConnectionsPerAddress = maxConnectionsPerAddress;
        return http;
    }

    // The endpoints with the default policy filled in where they name none.
    QList<Endpoint> resolvedEndpoints() const
    {
        QList<Endpoint> resolved = endpoints;
        for (Endpoint &endpoint : resolved) {
            if (!endpoint.dispatch)
                endpoint.dispatch = defaultPolicy;
        }
        return resolved;
    }
    bool uses(DispatchPolicy policy) const
    {
        for (const Endpoint &endpoint : resolvedEndpoints()) {
            if (endpoint.dispatch == policy)
                return true;
        }
        return false;
    }
};
