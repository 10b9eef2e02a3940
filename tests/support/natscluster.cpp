// NatsCluster: the nodes are EmbeddedNats processes with a cluster block in their configuration.
#include "natscluster.h"

#include "nats/embeddednats.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QTest>

#include <nats/nats.h>

namespace TestSupport {

namespace {

    QByteArray clusterConfig(int node, quint16 routePort, const QList<quint16> &routePorts, const QStringList &tags)
    {
        QByteArray serverTags;
        for (const QString &tag : tags)
            serverTags += (serverTags.isEmpty() ? "" : ", ") + QByteArray("\"") + tag.toUtf8() + '"';
        QByteArray routes;
        for (quint16 port : routePorts)
            routes += (routes.isEmpty() ? "" : ", ") + QByteArray("nats-route://127.0.0.1:") + QByteArray::number(port);
        return "server_name: " + NatsCluster::nodeName(node).toUtf8() + "\nserver_tags: [" + serverTags + "]\n"
            + "cluster {\n  name: " + NatsCluster::clusterName().toUtf8() + "\n"
            + "  listen: 127.0.0.1:" + QByteArray::number(routePort) + "\n  routes: [" + routes + "]\n}\n";
    }

} // namespace

NatsCluster::NatsCluster(const QString &dir, int size, const QList<QStringList> &tags)
{
    QList<quint16> routePorts;
    for (int i = 0; i < size; ++i)
        routePorts.append(freePort());
    for (int i = 0; i < size; ++i) {
        EmbeddedNats::Options options;
        options.dataDir = QDir(dir).filePath(nodeName(i));
        options.port = freePort(); // fixed: the other nodes and the clients know it across restarts
        options.extraConfig = clusterConfig(i, routePorts.at(i), routePorts, tags.value(i));
        m_nodes.push_back(std::make_unique<EmbeddedNats>(options));
    }
}

NatsCluster::~NatsCluster()
{
    m_reader.reset();
    for (auto &node : m_nodes)
        node->stop();
}

QString NatsCluster::clusterName()
{
    return QStringLiteral("ackhook-test");
}

QString NatsCluster::nodeName(int node)
{
    return QStringLiteral("n%1").arg(node);
}

bool NatsCluster::start(QString *error, int timeoutMs)
{
    for (int i = 0; i < size(); ++i) {
        QString message;
        if (!m_nodes[i]->start(&message)) {
            if (error)
                *error = nodeName(i) + QStringLiteral(": ") + message;
            return false;
        }
    }
    return waitForMetaLeader(timeoutMs, error);
}

bool NatsCluster::waitForMetaLeader(int timeoutMs, QString *error)
{
    const QDeadlineTimer deadline(timeoutMs);
    QString last;
    while (!deadline.hasExpired()) {
        natsConnection *connection = nullptr;
        jsCtx *js = nullptr;
        jsAccountInfo *account = nullptr;
        const QByteArray seeds = urls().join(QLatin1Char(',')).toUtf8();
        natsStatus s = natsConnection_ConnectTo(&connection, seeds.constData());
        if (s == NATS_OK)
            s = natsConnection_JetStream(&js, connection, nullptr);
        if (s == NATS_OK) {
            jsOptions options;
            jsOptions_Init(&options);
            options.Wait = 1000;
            // Answered only once JetStream has a meta leader ("temporarily unavailable" before).
            s = js_GetAccountInfo(&account, js, &options, nullptr);
        }
        last = QString::fromUtf8(natsStatus_GetText(s)) + QStringLiteral(": ")
            + QString::fromUtf8(nats_GetLastError(nullptr));
        jsAccountInfo_Destroy(account);
        jsCtx_Destroy(js);
        natsConnection_Destroy(connection);
        if (s == NATS_OK)
            return true;
        QTest::qWait(100); // the poll's pace; the deadline bounds it
    }
    if (error) {
        QStringList logs;
        for (int i = 0; i < size(); ++i)
            logs.append(logFile(i));
        *error = QStringLiteral("no JetStream meta leader within %1 ms (%2); logs: %3")
                     .arg(timeoutMs)
                     .arg(last, logs.join(QStringLiteral(", ")));
    }
    return false;
}

int NatsCluster::nodeNamed(const QString &name) const
{
    for (int i = 0; i < size(); ++i) {
        if (nodeName(i) == name)
            return i;
    }
    return -1;
}

int NatsCluster::nodeWithUrl(const QString &url) const
{
    for (int i = 0; i < size(); ++i) {
        if (this->url(i) == url)
            return i;
    }
    return -1;
}

QString NatsCluster::url(int node) const
{
    return m_nodes.at(node)->url();
}

QStringList NatsCluster::urls() const
{
    QStringList list;
    for (int i = 0; i < size(); ++i)
        list.append(url(i));
    return list;
}

qint64 NatsCluster::pid(int node) const
{
    return m_nodes.at(node)->pid();
}

bool NatsCluster::isRunning(int node) const
{
    return m_nodes.at(node)->isRunning();
}

QString NatsCluster::logFile(int node) const
{
    return m_nodes.at(node)->logFile();
}

void NatsCluster::kill(int node)
{
    m_nodes.at(node)->kill();
}

bool NatsCluster::restart(int node, QString *error)
{
    return m_nodes.at(node)->start(error);
}

StreamReader &NatsCluster::reader()
{
    if (!m_reader)
        m_reader = std::make_unique<StreamReader>(urls().join(QLatin1Char(',')));
    return *m_reader;
}

NatsBus::Cluster NatsCluster::stream(const QByteArray &name)
{
    return reader().cluster(name);
}

NatsBus::Cluster NatsCluster::waitForStream(
    const QByteArray &name, const std::function<bool(const NatsBus::Cluster &)> &healthy, int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    NatsBus::Cluster cluster = stream(name);
    while (!healthy(cluster) && !deadline.hasExpired()) {
        QTest::qWait(100);
        cluster = stream(name);
    }
    return cluster;
}

bool NatsCluster::allCurrent(const NatsBus::Cluster &cluster, int replicas)
{
    return !cluster.leader.isEmpty() && cluster.peers.size() == replicas && cluster.currentReplicas() == replicas;
}

bool NatsCluster::stepDown(const QByteArray &name, QString *error)
{
    natsConnection *connection = reader().connection();
    natsMsg *reply = nullptr;
    const QByteArray subject = "$JS.API.STREAM.LEADER.STEPDOWN." + name;
    const natsStatus s = connection ? natsConnection_RequestString(&reply, connection, subject.constData(), "", 5000)
                                    : NATS_CONNECTION_CLOSED;
    const QByteArray answer = reply ? QByteArray(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)) : QByteArray();
    natsMsg_Destroy(reply);
    const bool ok = s == NATS_OK && answer.contains("\"success\":true");
    if (!ok && error)
        *error = QString::fromUtf8(natsStatus_GetText(s)) + QStringLiteral(": ") + QString::fromUtf8(answer);
    return ok;
}

bool NatsCluster::addStream(
    const QByteArray &name, const QByteArray &subject, int replicas, QString *error, int timeoutMs)
{
    // Just after the meta leader is elected it may not know every peer yet ("no suitable peers for
    // placement"): asked again until the time is up.
    const QDeadlineTimer deadline(timeoutMs);
    for (;;) {
        QString message;
        if (reader().addStream(name, { subject }, -1, replicas, &message))
            return true;
        if (deadline.hasExpired()) {
            if (error)
                *error = message;
            return false;
        }
        QTest::qWait(100);
    }
}

QHash<QByteArray, int> NatsCluster::storedIds(const QByteArray &name, quint64 *messages)
{
    QHash<QByteArray, int> stored;
    if (messages)
        *messages = reader().messageCount(name);
    for (const StoredMessage &message : reader().all(name))
        ++stored[message.callerKey()];
    return stored;
}

} // namespace TestSupport
