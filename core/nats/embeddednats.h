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
        QString storeDir; // where JetStream goes instead (the lab's lossy store); empty: <dataDir>/jetstream
        QString executable; // empty: next to this program, then PATH, then /usr/sbin
        quint16 port = 0; // 0: a free loopback port, kept across restarts
        std::chrono::milliseconds startTimeout { 15000 };
        std::chrono::milliseconds stopGrace { 5000 };
        // The server's max_payload (NATS headers + body of one message); 0: nats-server's default
        // (1 MiB). Written to <dataDir>/nats-server.conf; nats-server refuses more than 64 MiB.
        qint64 maxPayload = 0;
        // More nats-server configuration, appended to that file: authorization, tls, an operator,
        // server_name and a cluster block (the tests run secured servers and clusters this way).
        QByteArray extraConfig;
    };

    static constexpr qint64 MaxPayloadCeiling = 64 * 1024 * 1024;
    // The max_payload for a body limit: the body plus room for the NATS headers ackhook publishes
    // (at most the HTTP request head it accepts, plus its own headers), never under nats-server's
    // default and never over its ceiling.
    static qint64 maxPayloadFor(qint64 maxBodyBytes, qint64 maxRequestHeadBytes);

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
    QString configFile() const;

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
