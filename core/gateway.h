// Gateway: NatsBus + Dispatcher + WebhookServer + RequestLog, living together on the server thread.
#pragma once

#include "gatewayconfig.h"
#include "nats/natsbus.h"
#include "webhook/requestlog.h"

#include <QObject>
#include <QThread>

#include <functional>
#include <memory>

class Dispatcher;
class EndpointCounters;
class Spool;
class SpoolForwarder;
class WebhookServer;

class Gateway : public QObject {
    Q_OBJECT
public:
    explicit Gateway(GatewayConfig config, ServerLinks links = {}, QObject *parent = nullptr);
    ~Gateway() override;

    // Call on the gateway's own thread.
    bool start(QString *error);
    // Graceful: stop accepting, answer everything in flight, close NATS; stopped() follows.
    void shutdown();
    // Destroys the parts (on the gateway's thread); the Gateway itself may then die on any thread.
    void teardown();

    const GatewayConfig &config() const { return m_config; }
    quint16 port() const;
    NatsBus *bus() const { return m_bus.get(); }
    Dispatcher *dispatcher() const { return m_dispatcher.get(); }
    RequestLog *requestLog() const { return m_log.get(); }
    int inFlight() const; // safe from any thread
    const EndpointCounters *endpointCounters() const; // safe from any thread while the gateway runs
    EndpointCounters *endpointCounters(); // the same; its setters are thread-safe too
    // Null unless an endpoint uses (or used) the spool policy. Set on the gateway's thread, at start or
    // by setDispatchPolicy() (its caller waits for it), so other threads read it after either.
    Spool *spool() const { return m_spool.get(); }
    WebhookServer *webhookServer() const { return m_server.get(); }

    // Gateway thread: switch one endpoint's dispatch policy (index into config().endpoints). The spool
    // policy opens the spool and starts its forwarder if none runs yet (false with *error when it
    // cannot: no data directory, unwritable). lossDetector (may be null) is noted from now on.
    // atSwitch: run on this thread once the switch cannot fail any more, right before it (the
    // Runtime hands its answer recorder a loss detector there, so the new policy's first answer is noted).
    bool setDispatchPolicy(
        qsizetype endpoint, DispatchPolicy policy, QString *error, const std::function<void()> &atSwitch = {});

Q_SIGNALS:
    void stopped();

private:
    void finishShutdown();
    bool openSpool(QString *error);

    GatewayConfig m_config;
    ServerLinks m_links;
    // unique_ptr rather than QObject children: teardown order matters (the server's pending
    // answers reference the dispatcher, whose completions reference the server), so it is explicit.
    std::unique_ptr<RequestLog> m_log;
    std::unique_ptr<NatsBus> m_bus;
    std::unique_ptr<Dispatcher> m_dispatcher;
    std::unique_ptr<WebhookServer> m_server;
    std::unique_ptr<Spool> m_spool;
    std::unique_ptr<SpoolForwarder> m_forwarder;
    bool m_shuttingDown = false;
};

// GatewayHost: owns a Gateway running in its own QThread, from the thread that creates it.
class GatewayHost : public QObject {
    Q_OBJECT
public:
    explicit GatewayHost(GatewayConfig config, ServerLinks links = {}, QObject *parent = nullptr);
    ~GatewayHost() override; // shuts down and waits if still running

    // Blocks until the gateway listens (true) or failed to start (false, *error set).
    bool start(QString *error);
    // Asynchronous graceful shutdown; stopped() follows on this thread.
    void shutdown();
    // Blocking shutdown (for destructors and tests).
    void shutdownAndWait();
    // Blocks until the gateway's thread has switched the policy (Gateway::setDispatchPolicy).
    bool setDispatchPolicy(
        qsizetype endpoint, DispatchPolicy policy, QString *error, const std::function<void()> &atSwitch = {});
    // Blocks until the gateway's thread has moved its NATS connection (NatsBus::moveTo). From any
    // thread, the gateway's own included.
    bool moveNats(const QStringList &urls, bool ignoreDiscoveredServers, QString *error);

    bool isRunning() const { return m_thread.isRunning(); }
    quint16 port() const { return m_port; }
    // For queued connections to its signals and for thread-safe reads (counters, inFlight).
    Gateway *gateway() const { return m_gateway.get(); }

Q_SIGNALS:
    void stopped();
    void recordsReady(const RequestRecordBatch &batch);
    void waitingReady(const RequestRecordBatch &batch); // requests waiting for their PubAck
    void natsStateChanged(NatsBus::State state);

private:
    void onGatewayStopped();

    QThread m_thread;
    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;
};
