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
#include <functional>
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
    // Keeps the proxy out of the path while no fault is simulated (issue #18: it cost ~10 % of the
    // throughput in mode off). moveThrough(true) is called before a mode other than off is applied,
    // moveThrough(false) after off is applied; each moves the NATS client onto the proxy or off it
    // and returns false with *error when it cannot (the mode is then refused). throughNow: whether
    // the client starts on the proxy (a mode given at start). Without one the proxy is always in
    // the path (a client pointed at url() by hand, as some tests do).
    using PathSwitch = std::function<bool(bool throughProxy, QString *error)>;
    void setPathSwitch(PathSwitch moveThrough, bool throughNow);
    bool isInPath() const; // true without a path switch
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
    bool applySettings(const OutageSettings &settings); // false when unchanged
    QThread m_thread;
    std::unique_ptr<ProxyWorker> m_worker;
    QMutex m_switchMutex; // one settings change (and path move) at a time, in order
    PathSwitch m_pathSwitch;
    bool m_inPath = true;
    mutable QMutex m_mutex;
    OutageSettings m_settings;
    std::atomic<OutageSettings::Mode> m_mode { OutageSettings::Mode::Off };
    ProxyState m_state;
    quint16 m_port = 0;
    bool m_encrypted = false;
};
