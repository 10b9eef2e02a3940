// Runtime: everything one running ackhook is made of — embedded nats-server (or the upstream
// URLs), the fault proxy, the gateway thread and the admin API — started and stopped in order.
// Lives on the main thread; the window and the headless mode both drive it.
#pragma once

#include "nats/serverinfoprobe.h"

#include "gateway.h"
#include "outage/faultproxy.h"
#include "status.h"
#include "store/failedeventstore.h"
#include "webhook/snssubscriptions.h"

#include <QHostAddress>
#include <QLockFile>
#include <QObject>

#include <memory>

class AdminServer;
class DispatchSwitches;
class EmbeddedNats;
class AnswerRecorder;
class LossDetector;
class LossyStore;
class Replayer;
class StreamAudit;

struct RuntimeConfig {
    GatewayConfig gateway; // gateway.natsUrls: the upstream NATS; empty starts the embedded server
    QString dataDir;
    QHostAddress adminAddress = QHostAddress::LocalHost;
    quint16 adminPort = 12001;
    QString adminToken; // required (Authorization: Bearer) when set; mandatory off loopback
    // Host names the admin API answers to besides its own address ("name" or "name:port"); by
    // default loopback names and literals for a loopback bind, the bound address otherwise.
    QStringList adminAllowedHosts;
    bool adminEnabled = true;
    OutageSettings outage; // the simulated outage at start
    // Off: NatsBus connects straight to NATS (no extra hop; outages cannot be simulated). The
    // command line turns it off for headless runs against an external NATS (--fault-proxy: on).
    bool faultProxyEnabled = true;
    FailedEventStore::Options failedQueue; // path empty: <dataDir>/failed-events.sqlite
    bool autoReplay = false; // replay every pending failed event when NATS (re)connects
    QString natsServerExecutable; // empty: search next to ackhook, PATH, /usr/sbin
    // The loss detector (core/lab/): on with --loss-detector, and whenever an endpoint's policy is
    // not ack (the lab compares policies). Grace: how long an unseen 2xx stays pending.
    bool lossDetector = false;
    std::chrono::milliseconds lossGrace { 10000 };
    // The lab's power cut: the embedded nats-server's store on lossyfs (core/lab/lossystore.h) in
    // <dataDir>/lossy-store, never the default. Without FUSE ackhook starts anyway, the store on the
    // disk, and the power cut is refused with the reason.
    bool labLossyStore = false;
};

class Runtime : public QObject {
    Q_OBJECT
public:
    // Creates the data directory readable by its owner only (its parents as umask says); an existing
    // one is left as it is. False when it cannot be created.
    static bool makeDataDir(const QString &path);
    explicit Runtime(RuntimeConfig config, QObject *parent = nullptr);
    ~Runtime() override;

    bool start(QString *error); // blocking; on failure everything started is stopped again
    void shutdown(); // graceful and asynchronous; stopped() follows
    void shutdownAndWait();

    const RuntimeConfig &config() const { return m_config; }
    QStringList upstreamUrls() const { return m_upstreamUrls; } // without credentials: safe to show
    // Credentials and TLS as resolved at start (those from the URLs included). Never shown whole.
    const NatsAccess &natsAccess() const { return m_natsAccess; }
    bool isEmbedded() const { return m_embedded != nullptr; }
    EmbeddedNats *embeddedNats() const { return m_embedded.get(); }
    // Always present; not started (mode stays off) when config().faultProxyEnabled is false.
    FaultProxy *faultProxy() const { return m_proxy.get(); }
    GatewayHost *gatewayHost() const { return m_host.get(); }
    Gateway *gateway() const { return m_host ? m_host->gateway() : nullptr; }
    AdminServer *adminServer() const { return m_admin.get(); }
    FailedEventStore *failedEvents() const { return m_store.get(); }
    Replayer *replayer() const { return m_replayer.get(); }
    LossDetector *lossDetector() const { return m_loss.get(); } // null when off
    // From now on every 2xx answer's stream message is read back on a connection of its own and
    // checked (the window's "answered 200 but not in the stream"; headless ackhook does not read);
    // status().audit holds the figures. Main thread, after start(); runs until shutdown.
    void startStreamAudit();
    quint16 webhookPort() const { return m_host ? m_host->port() : 0; }
    quint16 adminPort() const;
    qint64 uptimeMs() const;
    // http://host:port of the webhook listener (the base of every endpoint's URL).
    QString webhookBaseUrl() const;
    // Everything the window, /api/status and /metrics show, read now. Main thread.
    StatusSnapshot status() const;

    // Really stops / starts the embedded nats-server (same port, same store). False with *error
    // when ackhook runs against an external NATS.
    bool stopEmbeddedNats(QString *error);
    bool startEmbeddedNats(QString *error);

    // The lab's power cut (--lab-lossy-store): lossyfs drops every write nats-server did not fsync,
    // nats-server is SIGKILLed, the store is remounted and the server started again on what
    // survived. powerOff() and powerOn() are its two halves (the scenario keeps the power off for
    // a while). Blocking, main thread; false with *error, and powerCutRefusal() says why beforehand.
    static constexpr char PowerCutMode[] = "power-cut"; // its name in the admin API and the window
    QString powerCutRefusal() const; // empty when a power cut can be simulated
    bool powerCut(QString *error);
    bool powerOff(QString *error);
    bool powerOn(QString *error);
    bool isPoweredOff() const { return m_poweredOff; }
    int powerCuts() const;

    // Switches one endpoint's dispatch policy (index into config().gateway.endpoints) while running:
    // requests from now on use it, those in flight keep theirs. Spool opens the spool (false with
    // *error when it cannot); a policy other than ack starts the loss detector if it is off. Main
    // thread; blocks briefly while the gateway's thread applies it. config() shows the new policy.
    // The switch is saved in the data directory (core/lab/dispatchswitches.h says which wins at the
    // next start); when saving fails, the switch holds anyway and *saveError says why.
    bool setDispatchPolicy(qsizetype endpoint, DispatchPolicy policy, QString *error, QString *saveError = nullptr);
    const DispatchSwitches *dispatchSwitches() const { return m_switches.get(); } // null before start()

    // Confirms the endpoint's pending AWS SNS subscription to topicArn (the topic the person saw) by
    // fetching its SubscribeURL; done runs later on the main thread. Main thread.
    void confirmSnsSubscription(
        qsizetype endpoint, const QString &topicArn, std::function<void(const SnsSubscriptions::Result &)> done);

Q_SIGNALS:
    void stopped();
    void embeddedNatsRunningChanged(bool running);
    void dispatchPolicyChanged(qsizetype endpoint, DispatchPolicy policy);

private:
    void startLossDetector(const QString &stream);
    void finishShutdown();
    bool lockDataDir(QString *error);

    RuntimeConfig m_config;
    std::unique_ptr<QLockFile> m_dataDirLock; // held from start() until the Runtime is destroyed
    std::unique_ptr<DispatchSwitches> m_switches;
    QStringList m_upstreamUrls;
    NatsAccess m_natsAccess;
    std::unique_ptr<LossyStore> m_lossyStore; // outlives the embedded nats-server that uses it
    QString m_lossyStoreProblem; // why --lab-lossy-store could not be honoured
    bool m_poweredOff = false;
    std::unique_ptr<EmbeddedNats> m_embedded;
    std::unique_ptr<FaultProxy> m_proxy;
    std::unique_ptr<FailedEventStore> m_store;
    std::unique_ptr<LossDetector> m_loss; // outlives the gateway: the server thread notes answers to it
    std::unique_ptr<AnswerRecorder> m_recorder; // the webhook server's AnswerObserver; outlives the gateway
    std::unique_ptr<StreamAudit> m_audit; // null until startStreamAudit()
    std::unique_ptr<GatewayHost> m_host;
    std::unique_ptr<SnsSubscriptions> m_snsSubscriptions; // made on the first confirmation; dies before m_host
    ServerInfoProbe *m_serverInfo = nullptr; // the connected server's INFO, read on every connect
    std::unique_ptr<Replayer> m_replayer;
    std::unique_ptr<AdminServer> m_admin;
    QElapsedTimer m_uptime;
    bool m_shuttingDown = false;
};
