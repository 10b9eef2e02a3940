// UnixSignalWatcher: turns SIGINT, SIGTERM and SIGHUP into a Qt signal on the thread that created it.
#pragma once

#include <QObject>

class QSocketNotifier;

class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    // Installs handlers for SIGINT, SIGTERM and SIGHUP. One instance per process.
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

Q_SIGNALS:
    void signalReceived(int signalNumber);

private:
    QSocketNotifier *m_notifier = nullptr;
};
