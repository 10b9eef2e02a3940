// SystemdNotifier: tells systemd how ackhook is doing through sd_notify(3) — READY=1 once it serves,
// STOPPING=1 when it begins to shut down, WATCHDOG=1 while its main loop runs (when the unit sets
// WatchdogSec=) — for a Type=notify unit. Without NOTIFY_SOCKET, or built without libsystemd, it
// does nothing.
#pragma once

#include <QObject>
#include <QTimer>

class SystemdNotifier : public QObject {
    Q_OBJECT
public:
    // Starts the watchdog pings at half the interval systemd asks for in WATCHDOG_USEC.
    explicit SystemdNotifier(QObject *parent = nullptr);

    static bool isBuiltIn(); // linked with libsystemd
    void ready(const QString &status);
    void stopping(const QString &status);

    int watchdogIntervalMs() const { return m_watchdog.isActive() ? m_watchdog.interval() : 0; }

private:
    void notify(const QByteArray &state);
    QTimer m_watchdog { this };
};
