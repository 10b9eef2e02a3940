// SystemdNotifier: sd_notify and sd_watchdog_enabled from libsystemd (ACKHOOK_HAVE_SYSTEMD).
#include "systemdnotifier.h"

#ifdef ACKHOOK_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <algorithm>

SystemdNotifier::SystemdNotifier(QObject *parent)
    : QObject(parent)
{
#ifdef ACKHOOK_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
        // Twice per interval, as sd_watchdog_enabled(3) recommends: one late tick does not kill us.
        m_watchdog.setInterval(static_cast<int>(std::clamp<uint64_t>(usec / 2000, 1, 3600000)));
        connect(&m_watchdog, &QTimer::timeout, this, [this] { notify("WATCHDOG=1"); });
        m_watchdog.start();
    }
#endif
}

bool SystemdNotifier::isBuiltIn()
{
#ifdef ACKHOOK_HAVE_SYSTEMD
    return true;
#else
    return false;
#endif
}

void SystemdNotifier::ready(const QString &status)
{
    notify("READY=1\nSTATUS=" + status.toUtf8());
}

void SystemdNotifier::stopping(const QString &status)
{
    notify("STOPPING=1\nSTATUS=" + status.toUtf8());
}

void SystemdNotifier::notify(const QByteArray &state)
{
#ifdef ACKHOOK_HAVE_SYSTEMD
    sd_notify(0, state.constData()); // fails quietly without NOTIFY_SOCKET: not under systemd
#else
    Q_UNUSED(state);
#endif
}
