// NatsConnectionOptions: how ackhook connects to NATS (URLs, timeouts, pings, access), as cnats options.
#pragma once

#include "nats/natsaccess.h"
#include "nats/streamsettings.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

#include <nats/nats.h>

#include <chrono>

struct NatsConnectionOptions {
    QStringList urls;
    StreamSettings stream; // looked up on every (re)connect, created with these settings if missing
    bool createStream = true; // false: a missing stream stays missing (not ready, 500 no_stream)
    // Every subject (template, "{event}" allowed) ackhook publishes to: the stream must capture each.
    QList<QByteArray> requiredSubjects;
    std::chrono::milliseconds connectTimeout { 2000 };
    std::chrono::milliseconds reconnectWait { 250 };
    // A silent broker is declared stale after about pingInterval * (maxPingsOut + 1).
    std::chrono::milliseconds pingInterval { 2000 };
    int maxPingsOut = 2;
    NatsAccess access; // credentials and TLS, the same through the fault proxy or not
    QString name = QStringLiteral("ackhook");
    // Through the fault proxy the client must not learn (and bypass it for) the cluster's URLs.
    bool ignoreDiscoveredServers = false;

    // The connection settings above onto cnats options (not the access: NatsAccess::applyTo; not
    // the callbacks).
    natsStatus applyTo(natsOptions *options) const;
    // One connection attempt without retries: a message when NATS refused the credentials or the
    // TLS handshake failed, empty otherwise (connected, or not reachable yet).
    QString probeAccess() const;
};
