// FaultProxy: the thread-safe facade; the work happens in ProxyWorker and ProxyPipe on the proxy thread.
#include "outage/faultproxy.h"
#include "outage/proxyworker.h"

#include <QLoggingCategory>
#include <QUrl>

Q_LOGGING_CATEGORY(lcProxy, "ackhook.proxy")

FaultProxy::FaultProxy(QObject *parent)
    : QObject(parent)
{
    m_thread.setObjectName(QStringLiteral("ackhook-proxy"));
}

FaultProxy::~FaultProxy()
{
    stop();
}

std::optional<ProxyUpstream> FaultProxy::upstreamFromUrl(const QString &text, QString *error)
{
    const QUrl url(text.contains(QLatin1String("://")) ? text : QStringLiteral("nats://") + text);
    if (!url.isValid() || url.host().isEmpty()) {
        if (error)
            *error = QStringLiteral("invalid NATS URL '%1'").arg(text);
        return std::nullopt;
    }
    return ProxyUpstream { url.host(), static_cast<quint16>(url.port(4222)) };
}

bool FaultProxy::start(const QList<ProxyUpstream> &upstreams, const OutageSettings &settings, QString *error)
{
    if (m_worker)
        return true;
    if (const QString why = refusal(settings.mode); !why.isEmpty()) {
        if (error)
            *error = QStringLiteral("--outage: ") + why;
        return false;
    }
    {
        QMutexLocker lock(&m_mutex);
        m_settings = settings;
    }
    m_mode.store(settings.mode);
    m_worker = std::make_unique<ProxyWorker>(&m_state, upstreams, settings);
    m_worker->moveToThread(&m_thread);
    m_thread.start();
    bool ok = false;
    QString message;
    QMetaObject::invokeMethod(
        m_worker.get(), [&] { ok = m_worker->listen(&message, &m_port); }, Qt::BlockingQueuedConnection);
    if (!ok) {
        if (error)
            *error = message;
        stop();
        return false;
    }
    qCInfo(lcProxy).noquote() << "fault proxy on" << url() << "mode" << OutageSettings::modeName(settings.mode);
    return true;
}

void FaultProxy::stop()
{
    if (!m_worker)
        return;
    QMetaObject::invokeMethod(
        m_worker.get(), [this] { m_worker->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
    m_worker.reset(); // its thread has finished: safe from here
}

QString FaultProxy::refusal(OutageSettings::Mode mode) const
{
    if (mode == OutageSettings::Mode::AckLoss && m_encrypted)
        return QStringLiteral("ack-loss reads the NATS protocol to find the PubAcks, and the link to NATS is TLS "
                              "(encrypted): it cannot be simulated here; down, blackhole, latency and flap can");
    return {};
}

void FaultProxy::setPathSwitch(PathSwitch moveThrough, bool throughNow)
{
    QMutexLocker switchLock(&m_switchMutex);
    m_pathSwitch = std::move(moveThrough);
    QMutexLocker lock(&m_mutex);
    m_inPath = throughNow || !m_pathSwitch;
}

bool FaultProxy::isInPath() const
{
    QMutexLocker lock(&m_mutex);
    return m_inPath;
}

bool FaultProxy::setSettings(const OutageSettings &settings, QString *error)
{
    auto refuse = [&](const QString &why) {
        if (error)
            *error = why;
        qCWarning(lcProxy).noquote() << "simulated outage refused:" << why;
        return false;
    };
    if (const QString why = refusal(settings.mode); !why.isEmpty())
        return refuse(why);
    QMutexLocker switchLock(&m_switchMutex);
    const bool fault = settings.mode != OutageSettings::Mode::Off;
    if (fault && m_pathSwitch && !isInPath()) {
        // Onto the proxy first, still in mode off: the move loses nothing, and the fault then
        // applies to the connection the client publishes on.
        if (QString why; !m_pathSwitch(true, &why))
            return refuse(QStringLiteral("cannot move the NATS connection onto the fault proxy: ") + why);
        QMutexLocker lock(&m_mutex);
        m_inPath = true;
    }
    if (!applySettings(settings))
        return true; // unchanged
    if (!fault && m_pathSwitch && isInPath()) {
        // Off the proxy again once it forwards everything: the client reconnects straight to NATS
        // (at once, while the proxied connection may still be waiting out a reconnect delay).
        if (QString why; !m_pathSwitch(false, &why))
            qCWarning(lcProxy).noquote() << "the NATS connection stays on the fault proxy:" << why;
        else {
            QMutexLocker lock(&m_mutex);
            m_inPath = false;
        }
    }
    Q_EMIT settingsChanged(settings);
    return true;
}

bool FaultProxy::applySettings(const OutageSettings &settings)
{
    {
        QMutexLocker lock(&m_mutex);
        if (m_settings == settings)
            return false;
        m_settings = settings;
    }
    m_mode.store(settings.mode);
    if (settings.mode == OutageSettings::Mode::Down)
        m_state.refusing.store(true); // visible at once to whoever asks, before the worker catches up
    if (m_worker)
        QMetaObject::invokeMethod(
            m_worker.get(), [this, settings] { m_worker->apply(settings); }, Qt::QueuedConnection);
    qCInfo(lcProxy).noquote() << "simulated outage:" << OutageSettings::modeName(settings.mode);
    return true;
}

OutageSettings FaultProxy::settings() const
{
    QMutexLocker lock(&m_mutex);
    return m_settings;
}

QString FaultProxy::url() const
{
    return QStringLiteral("nats://127.0.0.1:%1").arg(m_port);
}
