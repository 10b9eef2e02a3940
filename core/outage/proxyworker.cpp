// ProxyWorker: accepting, flapping and applying a new outage to every pipe, on the proxy thread.
#include "outage/proxyworker.h"
#include "outage/proxypipe.h"
#include "outage/proxyserver.h"

#include <QRandomGenerator>

#include <unistd.h>

ProxyWorker::ProxyWorker(ProxyState *state, QList<ProxyUpstream> upstreams, OutageSettings settings)
    : m_state(state)
    , m_upstreams(std::move(upstreams))
    , m_settings(settings)
{
    m_flapTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_flapTimer, &QTimer::timeout, this, [this] {
        m_flapDown = !m_flapDown;
        updateRefusing();
        if (m_flapDown)
            closeAll();
    });
}

bool ProxyWorker::listen(QString *error, quint16 *port)
{
    m_server = new ProxyServer(this);
    if (!m_server->listen(QHostAddress::LocalHost, 0)) {
        *error = QStringLiteral("fault proxy cannot listen: %1").arg(m_server->errorString());
        return false;
    }
    *port = m_server->serverPort();
    apply(m_settings);
    return true;
}

void ProxyWorker::apply(const OutageSettings &settings)
{
    const bool modeChanged = settings.mode != m_settings.mode || !m_applied;
    m_applied = true;
    m_settings = settings;
    if (settings.mode == OutageSettings::Mode::Flap) {
        if (modeChanged || m_flapTimer.interval() != settings.flapPeriodMs) {
            m_flapDown = true; // a flap starts with an outage, so switching it on shows at once
            m_flapTimer.start(qMax(50, settings.flapPeriodMs));
        }
    } else {
        m_flapTimer.stop();
        m_flapDown = false;
    }
    updateRefusing();
    if (isRefusing()) {
        closeAll();
        return;
    }
    const auto pipes = m_pipes; // a pipe may finish while we iterate
    for (ProxyPipe *pipe : pipes)
        pipe->settingsChanged();
}

void ProxyWorker::shutdown()
{
    if (m_server)
        m_server->close();
    m_flapTimer.stop();
    closeAll();
    const auto pipes = m_pipes;
    qDeleteAll(pipes);
}

void ProxyWorker::accept(int fd)
{
    if (isRefusing()) {
        ::close(fd); // the client sees its connection closed before any INFO
        return;
    }
    new ProxyPipe(fd, this);
}

OutageSettings::Mode ProxyWorker::effectiveMode() const
{
    if (m_settings.mode == OutageSettings::Mode::Flap)
        return m_flapDown ? OutageSettings::Mode::Down : OutageSettings::Mode::Off;
    return m_settings.mode;
}

qint64 ProxyWorker::delayMs()
{
    const int jitter = m_settings.jitterMs > 0
        ? QRandomGenerator::global()->bounded(-m_settings.jitterMs, m_settings.jitterMs + 1)
        : 0;
    return qMax(0, m_settings.latencyMs + jitter);
}

void ProxyWorker::closeAll()
{
    const auto pipes = m_pipes;
    for (ProxyPipe *pipe : pipes)
        pipe->abort();
}
