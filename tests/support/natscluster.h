// NatsCluster: a NATS cluster for tests — nats-server processes on free loopback ports with
// JetStream (each its own store) and cluster routes; a node is killed by PID and restarted on its store.
#pragma once

#include "nats/natsbus.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <vector>

class EmbeddedNats;

namespace TestSupport {

class StreamReader;

class NatsCluster {
public:
    // The nodes keep their stores and logs in dir/n0, dir/n1, ... (dir must outlive the cluster).
    // tags: each node's server_tags (for stream placement), by node index; missing: none.
    explicit NatsCluster(const QString &dir, int size = 3, const QList<QStringList> &tags = {});
    static QString clusterName(); // the cluster's name (cluster { name })
    ~NatsCluster(); // stops every node still running (by PID, SIGTERM then SIGKILL)
    NatsCluster(const NatsCluster &) = delete;
    NatsCluster &operator=(const NatsCluster &) = delete;

    // Starts every node, then waits (bounded) until JetStream has a meta leader. False with *error.
    bool start(QString *error, int timeoutMs = 30000);
    // Polls until the JetStream API answers through any node (there is a meta leader).
    bool waitForMetaLeader(int timeoutMs, QString *error);

    int size() const { return static_cast<int>(m_nodes.size()); }
    static QString nodeName(int node); // its server_name: n0, n1, ...
    int nodeNamed(const QString &name) const; // -1 when no node has that name
    int nodeWithUrl(const QString &url) const; // by its client URL; -1 when none
    QString url(int node) const;
    QStringList urls() const; // every node's client URL: the seeds for a client
    qint64 pid(int node) const; // 0 when it is not running
    bool isRunning(int node) const;
    QString logFile(int node) const;

    void kill(int node); // SIGKILL; its store stays for restart()
    bool restart(int node, QString *error); // same ports, same store

    // The stream's leader and replicas as its info says (empty leader when the info does not come),
    // read through a connection to every node.
    NatsBus::Cluster stream(const QByteArray &name);
    // Polls the stream's info until healthy(cluster) or the time is up; the last one read.
    NatsBus::Cluster waitForStream(
        const QByteArray &name, const std::function<bool(const NatsBus::Cluster &)> &healthy, int timeoutMs);
    // All replicas there and current, under a leader.
    static bool allCurrent(const NatsBus::Cluster &cluster, int replicas);
    // Asks the stream's leader to step down (JetStream elects another); false when it refused.
    bool stepDown(const QByteArray &name, QString *error);
    // Creates a file stream capturing subject with this many replicas, asking until the cluster can
    // place them. False with *error.
    bool addStream(
        const QByteArray &name, const QByteArray &subject, int replicas, QString *error, int timeoutMs = 30000);
    // Every message's Nats-Msg-Id in the stream and how often each is stored; *messages: how many
    // the stream says it holds (the ids read back must add up to it).
    QHash<QByteArray, int> storedIds(const QByteArray &name, quint64 *messages = nullptr);

private:
    StreamReader &reader();

    std::vector<std::unique_ptr<EmbeddedNats>> m_nodes;
    std::unique_ptr<StreamReader> m_reader;
};

} // namespace TestSupport
