// ServerInfoProbe: reads the INFO line a nats-server sends first on every connection (its version,
// name, JetStream), over a connection of its own. cnats 3.4.1 reads INFO too but keeps the
// version to itself; the durability line needs it.
#pragma once

#include <QObject>
#include <QString>
#include <QTcpSocket>
#include <QTimer>

struct NatsServerInfo {
    QString version; // e.g. "2.9.10"; empty when not read
    QString serverName;
    bool jetStream = false;
    QString url; // where it was read
    QString error; // why it could not be read; empty when it was

    bool isKnown() const { return !version.isEmpty(); }
    // The INFO protocol line ("INFO {json}\r\n"), parsed; error set when it is not one.
    static NatsServerInfo fromInfoLine(const QByteArray &line);
};

class ServerInfoProbe : public QObject {
    Q_OBJECT
public:
    explicit ServerInfoProbe(QObject *parent = nullptr);

    // Connects to url (nats://, tls:// or host:port; the INFO line comes before any TLS), reads
    // INFO and closes. A probe in progress is abandoned for the new one. Never blocks.
    void probe(const QString &url);
    const NatsServerInfo &last() const { return m_last; }

    static constexpr int TimeoutMs = 3000;
    static constexpr qsizetype MaxInfoBytes = 64 * 1024;

Q_SIGNALS:
    void finished(const NatsServerInfo &info);

private:
    void finish(NatsServerInfo info);

    QTcpSocket m_socket { this };
    QTimer m_timeout { this };
    QByteArray m_buffer;
    QString m_url;
    NatsServerInfo m_last;
};
