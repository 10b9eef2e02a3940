// The cluster view in its three readers (issue #17): against a real 3-node cluster with an R3 stream,
// the window's header, /api/status and /metrics name the same stream leader and the same replica
// states, and all three follow a follower that dies and comes back.
#include "monitorwindow.h"
#include "natscluster.h"
#include "runtime.h"
#include "statusheader.h"
#include "testsupport.h"

#include <QApplication>
#include <QJsonArray>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

constexpr int ClusterTimeoutMs = 30000;

double metric(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

} // namespace

class TestClusterView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void threeReadersShowOneClusterView();
};

void TestClusterView::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests"));
}

void TestClusterView::threeReadersShowOneClusterView()
{
    QTemporaryDir dir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.filePath(QStringLiteral("settings")));
    NatsCluster cluster(dir.filePath(QStringLiteral("cluster")));
    QString error;
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY2(cluster.addStream("EVENTS", "ackhook.>", 3, &error), qPrintable(error));
    const auto allThree = [](const NatsBus::Cluster &c) { return NatsCluster::allCurrent(c, 3); };
    QVERIFY(allThree(cluster.waitForStream("EVENTS", allThree, ClusterTimeoutMs)));

    RuntimeConfig config;
    config.gateway.natsUrls = cluster.urls();
    config.faultProxyEnabled = false; // straight to the cluster, as headless against an external NATS
    std::unique_ptr<Runtime> runtime
        = startRuntime(config, dir.filePath(QStringLiteral("ackhook")), std::chrono::milliseconds(2000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(runtime->status().nats.cluster.currentReplicas(), 3, ClusterTimeoutMs);

    MonitorWindow window(runtime.get());
    window.show();
    const auto admin = runtime->adminPort();
    const auto json = [&] {
        return request(admin, "GET", "/api/status")
            ->json()
            .value(QLatin1String("nats"))
            .toObject()
            .value(QLatin1String("cluster"))
            .toObject();
    };

    // All three name the same leader and 3 of 3 replicas current, and the server the connection is on.
    const QString leader = cluster.stream("EVENTS").leader;
    QVERIFY(!leader.isEmpty());
    QTRY_VERIFY2_WITH_TIMEOUT(window.statusHeader()->natsDetailsText().contains(
                                  QStringLiteral("leader %1 · replicas 3/3 current").arg(leader)),
        qPrintable(window.statusHeader()->natsDetailsText()), 10000);
    qInfo("header: %s", qPrintable(window.statusHeader()->natsDetailsText()));
    const QString connectedUrl = runtime->status().nats.connectedUrl;
    QVERIFY(cluster.nodeWithUrl(connectedUrl) >= 0);
    QVERIFY2(window.statusHeader()->natsDetailsText().contains(QStringLiteral("on %1 of 3 servers").arg(connectedUrl)),
        qPrintable(window.statusHeader()->natsDetailsText()));
    QCOMPARE(json().value(QLatin1String("stream_leader")).toString(), leader);
    QCOMPARE(json().value(QLatin1String("stream_replicas_current")).toInt(), 3);
    QCOMPARE(json().value(QLatin1String("connected_url")).toString(), connectedUrl);
    const QByteArray before = request(admin, "GET", "/metrics")->body;
    QCOMPARE(metric(before, "ackhook_stream_leader_info{server=\"" + leader.toUtf8() + "\"}"), 1.0);
    QCOMPARE(metric(before, "ackhook_stream_replicas_current"), 3.0);

    // A follower dies (not the connection's server, so that only the replica view changes).
    int follower = -1;
    for (int i = 0; i < cluster.size() && follower < 0; ++i) {
        if (NatsCluster::nodeName(i) != leader && cluster.url(i) != connectedUrl)
            follower = i;
    }
    QVERIFY(follower >= 0);
    const QString name = NatsCluster::nodeName(follower);
    cluster.kill(follower);
    QTRY_VERIFY2_WITH_TIMEOUT(window.statusHeader()->natsDetailsText().contains(QStringLiteral("replicas 2/3 current")),
        qPrintable(window.statusHeader()->natsDetailsText()), ClusterTimeoutMs);
    qInfo("header: %s", qPrintable(window.statusHeader()->natsDetailsText()));
    QVERIFY2(window.statusHeader()->natsDetailsText().contains(QStringLiteral(", %1 ").arg(name)),
        qPrintable(window.statusHeader()->natsDetailsText()));
    QTRY_COMPARE_WITH_TIMEOUT(json().value(QLatin1String("stream_replicas_current")).toInt(), 2, 5000);
    bool listed = false;
    for (const QJsonValue &peer : json().value(QLatin1String("peers")).toArray()) {
        if (peer.toObject().value(QLatin1String("name")).toString() == name) {
            listed = true;
            const QJsonObject p = peer.toObject();
            QVERIFY(!p.value(QLatin1String("current")).toBool() || p.value(QLatin1String("offline")).toBool());
        }
    }
    QVERIFY(listed);
    const QByteArray during = request(admin, "GET", "/metrics")->body;
    QCOMPARE(metric(during, "ackhook_stream_replica_current{replica=\"" + name.toUtf8() + "\"}"), 0.0);
    QCOMPARE(metric(during, "ackhook_stream_replicas_current"), 2.0);

    // Back and caught up: 3 of 3 everywhere.
    QVERIFY2(cluster.restart(follower, &error), qPrintable(error));
    QTRY_VERIFY2_WITH_TIMEOUT(window.statusHeader()->natsDetailsText().contains(QStringLiteral("replicas 3/3 current")),
        qPrintable(window.statusHeader()->natsDetailsText()), ClusterTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(json().value(QLatin1String("stream_replicas_current")).toInt(), 3, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(
        metric(request(admin, "GET", "/metrics")->body, "ackhook_stream_replicas_current"), 3.0, 5000);
    window.close();
    runtime.reset();
}

QTEST_MAIN(TestClusterView)
#include "tst_clusterview.moc"
