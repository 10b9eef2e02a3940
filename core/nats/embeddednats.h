// EmbeddedNats: a nats-server child process with JetStream on disk, on a loopback port.
#pragma once

#include <QObject>
#include <QProcess>

#include <chrono>

class EmbeddedNats : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString dataDir; // JetStream goes to <dataDir>/jetstream, the log to <dataDir>/nats-server.log
        QString executable; // empty: next to this program, then PATH, then /usr/sbin
        quint16 port = 0; // 0: a free loopback port, kept across restarts
        std::chrono::milliseconds startTimeout { 15000 };
        std::chrono::milliseconds stopGrace { 5000 };
    };

    explicit EmbeddedNats(Options options, QObject *parent = nullptr);
    ~EmbeddedNats() override;

    // Starts the server and returns once it accepts connections (or failed, with *error set).
    bool start(QString *error);
    // SIGTERM, then SIGKILL after the grace period.
    void stop();
    // SIGKILL at once (crash simulation); the store stays for the next start().
    void kill();

    bool isRunning() const;
    qint64 pid() const;
    quint16 port() const { return m_port; }
    QString url() const;
    QString storeDir() const;
    QString logFile() const;

    static QString findExecutable(const QString &preferred, QString *error);

Q_SIGNALS:
    void exitedUnexpectedly(int exitCode);

private:
    QString logTail() const;

    Options m_options;
    quint16 m_port = 0;
    QProcess *m_process = nullptr;
    bool m_stopping = false;
};
