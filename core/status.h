// StatusSnapshot: everything the window's header, /api/status and /metrics show, read at one moment
// by Runtime::status(). The three readers format this one value and reach through no pointers, so
// they cannot disagree.
#pragma once

#include "http/refusallog.h"
#include "lab/lossfigures.h"
#include "nats/durability.h"
#include "nats/natsbus.h"
#include "nats/serverinfoprobe.h"
#include "nats/streamaudit.h"
#include "outage/faultproxy.h"
#include "spool/spoolstats.h"
#include "store/failedeventstore.h"
#include "webhook/backgroundpublisher.h"
#include "webhook/endpointcounters.h"
#include "webhook/readiness.h"
#include "webhook/requestlog.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

#include <optional>

struct EmbeddedNatsStatus {
    bool present = false; // false: ackhook runs against an external NATS
    bool running = false;
    qint64 pid = 0;
    QString url;
    QString storeDir;
};

struct StatusSnapshot {
    QString version;
    QString qtVersion; // the Qt ackhook runs on
    QString cnatsVersion;
    qint64 uptimeMs = 0;

    NatsBus::Status nats;
    QStringList upstreamUrls; // the NATS ackhook really talks to (embedded or --nats-url)
    QString proxyUrl; // the fault proxy NatsBus connects through during a fault; empty when it is disabled
    bool proxyInPath = false; // NatsBus is connected through it now (only while a fault is simulated)
    QString stream;
    NatsServerInfo server; // the INFO of the server last connected to (version, name)
    Durability durability; // what an acknowledged event survives there
    EmbeddedNatsStatus embedded;

    OutageSettings outage;
    quint64 droppedAcks = 0; // PubAcks the ack-loss mode swallowed

    RequestCounters counters;
    RefusalCounts webhookRefusals; // connections and requests the webhook listener refused
    RefusalCounts adminRefusals; // the admin listener's
    QList<EndpointCounters::Row> endpoints; // per endpoint, in configuration order
    int inFlight = 0;
    int maxInFlight = 0; // the bound beyond which requests get 429
    FailedQueueStats failedQueue;
    bool replayBusy = false;
    SpoolStats spool; // open only when an endpoint uses the spool policy
    BackgroundPublisher::Figures fireAndForget; // the fire-and-forget policy's background publishing
    LossFigures loss; // the loss detector's classification per policy (enabled: whether it runs)
    // Every 2xx answer read back from the stream, once Runtime::startStreamAudit() ran (the window).
    std::optional<StreamAudit::Figures> audit;

    QString webhookBaseUrl; // http://host:port of the webhook listener (loopback for a wildcard bind)

    bool simulatedOutage() const { return outage.mode != OutageSettings::Mode::Off; }
    // "simulated outage (down)" while one is on, else the NATS connection state's name.
    QString connectivity() const;
    // Empty when ready to take webhooks; else why not (GET /ready answers 503 with these).
    QStringList notReady() const { return readinessProblems(nats, stream, outage.mode, failedQueue); }
};

// http://host:port for a listener bound to address: IPv6 in brackets, a wildcard bind as loopback.
// scheme: "https" for the webhook listener with TLS (GatewayConfig::webhookScheme()).
QString httpBaseUrl(const QHostAddress &address, quint16 port, const QString &scheme = QStringLiteral("http"));
