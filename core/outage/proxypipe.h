// ProxyPipe: one proxied connection between NatsBus and nats-server, on the proxy thread.
#pragma once

#include "nats/natsprotocolfilter.h"

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <deque>

class ProxyWorker;
class QSocketNotifier;

// One proxied connection. Raw non-blocking descriptors with QSocketNotifiers rather than
// QTcpSocket: a QTcpSocket read costs an extra ioctl(FIONREAD) and a copy through Qt's buffer, and
// every hop through this proxy is paid twice per NATS message (docs/BENCHMARKS.md).
class ProxyPipe : public QObject {
public:
    ProxyPipe(int clientFd, ProxyWorker *worker);
    ~ProxyPipe() override;
    void abort();
    void settingsChanged(); // resume reading, flush or start delaying

private:
    struct Delayed {
        qint64 dueMs;
        QByteArray bytes;
    };
    struct Side {
        int fd = -1;
        QSocketNotifier *readable = nullptr;
        QSocketNotifier *writable = nullptr;
        QByteArray pending; // what the kernel did not take yet
    };

    void connectUpstream();
    void onUpstreamConnected();
    void onReadable(bool fromClient);
    void onWritable(bool toClient);
    void send(Side &to, QByteArrayView bytes);
    void updateReading();
    void forward(QByteArray bytes, bool toServer);
    void flushDelayed(bool all);
    void armDelayTimer();
    void finish();
    static void closeSide(Side &side);

    ProxyWorker *m_worker;
    Side m_client;
    Side m_upstream;
    int m_upstreamIndex = 0;
    QList<QHostAddress> m_addresses; // of the current upstream, each tried in turn (a name may give ::1 and 127.0.0.1)
    bool m_upstreamReady = false;
    bool m_finished = false;
    QByteArray m_readBuffer;
    NatsProtocolFilter m_clientFilter { NatsProtocolFilter::Direction::FromClient };
    NatsProtocolFilter m_serverFilter { NatsProtocolFilter::Direction::FromServer };
    QSet<QByteArray> m_ackInboxes; // reply subjects of publishes whose answer is a PubAck
    std::deque<QByteArray> m_ackInboxOrder;
    std::deque<Delayed> m_delayedToServer, m_delayedToClient;
    qint64 m_lastDueToServer = 0, m_lastDueToClient = 0;
    QTimer m_delayTimer { this }; // a child: moves with its owner to another thread
};
