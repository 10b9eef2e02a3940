// ClusterView: the stream's leader and replicas and the servers the connection knows.
#include "nats/clusterview.h"
#include "nats/natsaccess.h"

#include <nats/nats.h>

#include <algorithm>

namespace {

QStringList takeServerList(char **servers, int count)
{
    QStringList list;
    for (int i = 0; i < count; ++i) {
        list.append(NatsAccess::redact(QString::fromUtf8(servers[i])));
        free(servers[i]);
    }
    free(static_cast<void *>(servers));
    return list;
}

} // namespace

ClusterView ClusterView::fromStreamInfo(const jsStreamInfo *info, const QString &standaloneServer)
{
    ClusterView cluster;
    if (!info)
        return cluster;
    if (info->Config)
        cluster.replicas = static_cast<int>(info->Config->Replicas);
    if (!info->Cluster && !standaloneServer.isEmpty()) {
        // A server without clustering reports no cluster part: it holds the only copy, and leads it.
        cluster.leader = standaloneServer;
        cluster.peers.append({ standaloneServer, true, true, false, -1, 0 });
    } else if (const jsClusterInfo *c = info->Cluster) {
        cluster.name = QString::fromUtf8(c->Name);
        cluster.leader = QString::fromUtf8(c->Leader);
        if (!cluster.leader.isEmpty())
            cluster.peers.append({ cluster.leader, true, true, false, -1, 0 });
        for (int i = 0; i < c->ReplicasLen; ++i) {
            const jsPeerInfo *peer = c->Replicas[i];
            if (peer)
                cluster.peers.append({ QString::fromUtf8(peer->Name), false, peer->Current, peer->Offline,
                    peer->Active / 1000000, peer->Lag });
        }
    }
    return cluster;
}

int ClusterView::currentReplicas() const
{
    return static_cast<int>(
        std::count_if(peers.cbegin(), peers.cend(), [](const Replica &r) { return r.current && !r.offline; }));
}

ClusterView ClusterView::read(natsConnection *connection, const jsStreamInfo *info, const QString &infoError)
{
    char id[128] = {};
    const QString serverId
        = natsConnection_GetConnectedServerId(connection, id, sizeof id) == NATS_OK ? QString::fromUtf8(id) : QString();
    ClusterView cluster = fromStreamInfo(info, serverId);
    cluster.serverId = serverId;
    char **servers = nullptr;
    int count = 0;
    if (natsConnection_GetServers(connection, &servers, &count) == NATS_OK)
        cluster.knownServers = takeServerList(servers, count);
    servers = nullptr;
    count = 0;
    if (natsConnection_GetDiscoveredServers(connection, &servers, &count) == NATS_OK)
        cluster.discoveredServers = takeServerList(servers, count).size();
    cluster.infoError = infoError;
    return cluster;
}
