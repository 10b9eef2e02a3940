// ProxyWorker: the fault proxy's state on its own thread — the listening server, the flap timer,
// the outage in force, and every ProxyPipe.
#pragma once

#include "outage/outagesettings.h"
#include "outage/proxystate.h"

#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

class ProxyPipe;
class ProxyServer;

class ProxyWorker : public QObject {
public:
    ProxyWorker(ProxyState *state, QList<ProxyUpstream> upstreams, OutageSettings settings);

    bool listen(QString *error, quint16 *port);
    void apply(const OutageSettings &settings);
    void shutdown();

    // From ProxyServer, for each accepted connection.
    void accept(int fd);
    // From each ProxyPipe as it is made and destroyed.
    void add(ProxyPipe *pipe) { m_pipes.insert(pipe); }
    void remove(ProxyPipe *pipe) { m_pipes.remove(pipe); }

    // The mode pipes act on: a flap is "down" or "off" depending on its phase.
    OutageSettings::Mode effectiveMode() const;
    bool isRefusing() const { return effectiveMode() == OutageSettings::Mode::Down; }
    const OutageSettings &settings() const { return m_settings; }
    const QList<ProxyUpstream> &upstreams() const { return m_upstreams; }
    ProxyState *state() const { return m_state; }
    qint64 delayMs(); // the latency mode's delay for the next chunk, jitter included
    bool upstreamDownLogged = false;

private:
    void updateRefusing() { m_state->refusing.store(isRefusing(), std::memory_order_relaxed); }
    void closeAll();

    ProxyState *m_state;
    QList<ProxyUpstream> m_upstreams;
    OutageSettings m_settings;
    bool m_applied = false;
    ProxyServer *m_server = nullptr;
    QTimer m_flapTimer { this }; // a child: moves with its owner to another thread
    bool m_flapDown = false;
    QSet<ProxyPipe *> m_pipes; // owned as QObject children; this set is the typed view
};
