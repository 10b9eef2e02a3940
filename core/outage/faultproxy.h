// FaultProxy: a TCP proxy between NatsBus and nats-server that simulates outages the real client
// library lives through (DESIGN.md section 5). Runs in its own thread; this facade is thread-safe.
#pragma once

#include <QMutex>
#include <QObject>
#include <QString>
#include <QThread>

#include <atomic>
#include <memory>

class ProxyWorker;

struct OutageSettings {
    enum class Mode { Off, Down, Blackhole, Latency, AckLoss, Flap };

    Mode mode = Mode::Off;
    int latencyMs = 100; // latency: added to each direction
    int jitterMs = 0; // latency: ± this much, byte order preserved
    int flapPeriodMs = 2000; // flap: down for a period, then off for a period

    static QString modeName(Mode mode);
    static std::optional<Mode> modeFromName(QStringView name);
    static QStringList modeNames();
    bool operator==(const OutageSettings &) const = default;
};

struct ProxyUpstream {
    QString host;
    quint16 port = 4222;
};

class FaultProxy : public QObject {
    Q_OBJECT
public:
    explicit FaultProxy(QObject *parent = nullptr);
    ~FaultProxy() override;

    // Listens on a free loopback port; each accepted connection is forwarded to the first
    // upstream that accepts it. Blocks until listening.
    bool start(const QList<ProxyUpstream> &upstreams, const OutageSettings &settings, QString *error);
    void stop();

    void setSettings(const OutageSettings &settings);
    OutageSettings settings() const;
    OutageSettings::Mode mode() const { return m_mode.load(std::memory_order_relaxed); }
    // True while connections are being refused: mode down, or flap in its down half.
    bool isRefusing() const { return m_refusing.load(std::memory_order_relaxed); }

    quint16 port() const { return m_port; }
    QString url() const;
    int connectionCount() const { return m_connections.load(std::memory_order_relaxed); }
    quint64 droppedAcks() const { return m_droppedAcks.load(std::memory_order_relaxed); }

    static std::optional<ProxyUpstream> upstreamFromUrl(const QString &url, QString *error);

Q_SIGNALS:
    void settingsChanged(const OutageSettings &settings);

private:
    friend class ProxyWorker;
    friend class ProxyPipe;

    QThread m_thread;
    std::unique_ptr<ProxyWorker> m_worker;
    mutable QMutex m_mutex;
    OutageSettings m_settings;
    std::atomic<OutageSettings::Mode> m_mode { OutageSettings::Mode::Off };
    std::atomic<bool> m_refusing { false };
    std::atomic<int> m_connections { 0 };
    std::atomic<quint64> m_droppedAcks { 0 };
    quint16 m_port = 0;
};

Q_DECLARE_METATYPE(OutageSettings)
