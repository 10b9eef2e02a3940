// ClusterView: the cluster as one NATS connection and its stream's info see it (monitor, /api/status).
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

struct __natsConnection;
struct jsStreamInfo;

struct ClusterView {
    // One server holding a copy of the stream, as its JetStream stream info reports it.
    struct Replica {
        QString name; // the server's name
        bool leader = false;
        bool current = false; // caught up with the leader
        bool offline = false;
        qint64 activeMs = -1; // since the leader last heard from it; -1 for the leader itself
        quint64 lag = 0; // operations behind the leader
    };

    // Read every 2 s with the RTT.
    QString serverId; // the server the connection is on
    QStringList knownServers; // every server cnats may reconnect to: the seeds and those discovered
    int discoveredServers = 0; // of knownServers, how many the cluster advertised
    QString name; // the JetStream cluster's name; empty for a single server
    int replicas = 0; // the stream's configured replicas; 0 until read
    QString leader; // the stream's leader; empty while none is elected (or not read yet)
    QList<Replica> peers; // the leader first, then the followers
    quint64 leaderChanges = 0; // a different leader seen since start
    QString lastLeader; // the last leader seen, kept while none is elected
    QString infoError; // why the last stream info failed; empty when it was read
    int currentReplicas() const; // peers caught up and online, the leader included
    // The stream's part of a JetStream stream info (name, replicas, leader, peers); null: empty.
    // A server without clustering reports none: then standaloneServer (its id) is the leader.
    static ClusterView fromStreamInfo(const jsStreamInfo *info, const QString &standaloneServer = {});

    // Read from the connection (its server, the servers it knows) and the stream info (null when it
    // could not be read, infoError says why). Blocks on nothing: cnats keeps these values locally.
    static ClusterView read(__natsConnection *connection, const jsStreamInfo *info, const QString &infoError);
};
