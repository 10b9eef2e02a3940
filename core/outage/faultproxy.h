// FaultProxy: a TCP proxy between NatsBus and nats-server that simulates outages the real client
// library lives through (docs/DESIGN.md §5). Runs in its own thread; this facade is thread-safe.
#pragma once

#include "outage/outagesettings.h"
#include "outage/proxystate.h"

#include <QMutex>
#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>

class ProxyWorker;

class FaultProxy : public QObject {
    Q_OBJECT
public:
    explicit FaultProxy(QObject *parent = nullptr);
    ~FaultProxy() override;

    // Listens on a free loopback port; each accepted connection is forwarded to the first
    // upstream that accepts it. Blocks until listening.
    bool start(const QList<ProxyUpstream> &upstreams, const OutageSettings &settings, QString *error);
    void stop();

    // False (nothing changes) with *error when the mode cannot be simulated on this link: see refusal().
    bool setSettings(const OutageSettings &settings, QString *error = nullptr);
    // The link to NATS is TLS: the proxy still forwards the bytes (every byte-level mode works) but
    // cannot read the NATS protocol inside them, so ack-loss is refused. Set before start().
    void setEncrypted(bool encrypted) { m_encrypted = encrypted; }
    bool isEncrypted() const { return m_encrypted; }
    // Why mode cannot be simulated on this link; empty when it can.
    QString refusal(OutageSettings::Mode mode) const;
    OutageSettings settings() const;
    OutageSettings::Mode mode() const { return m_mode.load(std::memory_order_relaxed); }
    // True while connections are being refused: mode down, or flap in its down half.
    bool isRefusing() const { return m_state.refusing.load(std::memory_order_relaxed); }

    quint16 port() const { return m_port; }
    QString url() const;
    int connectionCount() const { return m_state.connections.load(std::memory_order_relaxed); }
    quint64 droppedAcks() const { return m_state.droppedAcks.load(std::memory_order_relaxed); }

    static std::optional<ProxyUpstream> upstreamFromUrl(const QString &url, QString *error);

Q_SIGNALS:
    void settingsChanged(const OutageSettings &settings);

private:
    QThread m_thread;
    std::unique_ptr<ProxyWorker> m_worker;
    mutable QMutex m_mutex;
    OutageSettings m_settings;
    std::atomic<OutageSettings::Mode> m_mode { OutageSettings::Mode::Off };
    ProxyState m_state;
    quint16 m_port = 0;
    bool m_encrypted = false;
};
