// A 3-node NATS cluster with an R3 stream in front of the ackhook executable (issue #17):
// - the cluster view (connected server, known servers, the stream's leader and replicas) in
//   /api/status and /metrics, and reconnection to another server when ackhook's own one dies;
// - the stream's leader SIGKILLed under steady load, restarted, then a follower SIGKILLed: every id
//   answered 2xx is stored and readable after the cluster heals (lost = 0), no caller waited beyond
//   the ack timeout + 1 s (hung = 0), and the failover gap (the time with non-2xx answers) is printed.
#include "ackhookprocess.h"
#include "natscluster.h"
#include "testsupport.h"
#include "webhookcaller.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <csignal>

using namespace TestSupport;

namespace {

constexpr int AckTimeoutMs = 2000;
constexpr qint64 HungAfterMs = AckTimeoutMs + 1000;
const QByteArray Stream = "EVENTS";
constexpr int ClusterTimeoutMs = 30000; // elections and catch-up on a loaded 2-core box

QJsonObject clusterStatus(quint16 admin)
{
    const std::optional<HttpReply> reply = request(admin, "GET", "/api/status");
    return reply && reply->status == 200
        ? reply->json().value(QLatin1String("nats")).toObject().value(QLatin1String("cluster")).toObject()
        : QJsonObject();
}

QByteArray metrics(quint16 admin)
{
    const std::optional<HttpReply> reply = request(admin, "GET", "/metrics");
    return reply && reply->status == 200 ? reply->body : QByteArray();
}

// The value of one "series value" line of a Prometheus exposition; -1 when absent.
double metric(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

QStringList ackhookArguments(const QTemporaryDir &dir, quint16 port, const NatsCluster &cluster)
{
    return { QStringLiteral("--headless"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
        QStringLiteral("--nats-url"), cluster.urls().join(QLatin1Char(',')), QStringLiteral("--no-fault-proxy"),
        QStringLiteral("--stream"), QString::fromLatin1(Stream), QStringLiteral("--data-dir"),
        dir.filePath(QStringLiteral("ackhook")), QStringLiteral("--ack-timeout"), QString::number(AckTimeoutMs),
        QStringLiteral("--failed-max-records"), QStringLiteral("10000000") };
}

int post(quint16 port)
{
    return request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }, HungAfterMs + 1000)
        .value_or(HttpReply {})
        .status;
}

// One fault of the schedule and the answers that came while it lasted.
struct Phase {
    QString name;
    qint64 startMs = 0; // the kill
    qint64 endMs = -1; // the next phase's start
    qint64 firstFailureMs = -1, lastFailureMs = -1; // answers other than 2xx, since the kill
    qint64 failures = 0, ok = 0;

    QString report() const
    {
        if (failures == 0)
            return QStringLiteral("%1: no non-2xx answer (%2 × 2xx)").arg(name).arg(ok);
        return QStringLiteral(
            "%1: failover gap %2 ms (%3 non-2xx answers from +%4 ms to +%5 ms after the kill; %6 × 2xx)")
            .arg(name)
            .arg(lastFailureMs - firstFailureMs)
            .arg(failures)
            .arg(firstFailureMs - startMs)
            .arg(lastFailureMs - startMs)
            .arg(ok);
    }
};

} // namespace

class TestCluster : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clusterViewAndReconnectAcrossServers();
    void leaderFailoverUnderLoad();
};

// What ackhook shows of the cluster, and its connection moving to another server when its own dies.
void TestCluster::clusterViewAndReconnectAcrossServers()
{
    QTemporaryDir dir;
    NatsCluster cluster(dir.path());
    QString error;
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY2(cluster.addStream(Stream, "ackhook.>", 3, &error), qPrintable(error));
    QVERIFY(NatsCluster::allCurrent(
        cluster.waitForStream(
            Stream, [](const auto &c) { return NatsCluster::allCurrent(c, 3); }, ClusterTimeoutMs),
        3));

    const quint16 port = freePort();
    AckhookProcess ackhook(ackhookArguments(dir, port, cluster));
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const quint16 admin = ackhook.adminPort();
    QTRY_COMPARE_WITH_TIMEOUT(post(port), 200, 15000);

    // /api/status: the server it is on, every server it knows, the stream's leader and 3 current replicas.
    QJsonObject view;
    QTRY_VERIFY_WITH_TIMEOUT(
        (view = clusterStatus(admin)).value(QLatin1String("stream_replicas_current")).toInt() == 3, 15000);
    const QString connectedUrl = view.value(QLatin1String("connected_url")).toString();
    const int connectedNode = cluster.nodeWithUrl(connectedUrl);
    QVERIFY2(connectedNode >= 0, qPrintable(connectedUrl));
    QVERIFY(!view.value(QLatin1String("server_id")).toString().isEmpty());
    QCOMPARE(view.value(QLatin1String("name")).toString(), QStringLiteral("ackhook-test"));
    QCOMPARE(view.value(QLatin1String("stream_replicas")).toInt(), 3);
    QStringList known;
    for (const QJsonValue &url : view.value(QLatin1String("known_servers")).toArray())
        known.append(url.toString());
    for (const QString &url : cluster.urls())
        QVERIFY2(known.contains(url), qPrintable(known.join(QLatin1Char(','))));
    const QString leader = view.value(QLatin1String("stream_leader")).toString();
    QCOMPARE(leader, cluster.stream(Stream).leader);
    QStringList peers;
    for (const QJsonValue &peer : view.value(QLatin1String("peers")).toArray()) {
        const QJsonObject p = peer.toObject();
        peers.append(p.value(QLatin1String("name")).toString());
        QVERIFY(p.value(QLatin1String("current")).toBool());
        QCOMPARE(p.value(QLatin1String("leader")).toBool(), peers.last() == leader);
    }
    peers.sort();
    QCOMPARE(peers, QStringList({ QStringLiteral("n0"), QStringLiteral("n1"), QStringLiteral("n2") }));

    // /metrics: the same figures.
    QByteArray exposition = metrics(admin);
    QCOMPARE(metric(exposition, "ackhook_stream_replicas"), 3.0);
    QCOMPARE(metric(exposition, "ackhook_stream_replicas_current"), 3.0);
    QCOMPARE(metric(exposition, "ackhook_stream_has_leader"), 1.0);
    QCOMPARE(metric(exposition, "ackhook_stream_leader_info{server=\"" + leader.toUtf8() + "\"}"), 1.0);
    QCOMPARE(metric(exposition, "ackhook_nats_known_servers"), double(known.size()));
    for (const QString &peer : std::as_const(peers))
        QCOMPARE(metric(exposition, "ackhook_stream_replica_current{replica=\"" + peer.toUtf8() + "\"}"), 1.0);
    QVERIFY2(exposition.contains("ackhook_nats_server_info{server_id=\""), exposition.constData());

    // Its own server dies: it reconnects to another one and answers 200 again; the view follows.
    cluster.kill(connectedNode);
    QTRY_VERIFY_WITH_TIMEOUT(clusterStatus(admin).value(QLatin1String("connected_url")).toString() != connectedUrl
            && !clusterStatus(admin).value(QLatin1String("connected_url")).toString().isEmpty(),
        ClusterTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(post(port), 200, ClusterTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/ready").value_or(HttpReply {}).status, 200, 15000);
    const QJsonObject status = request(admin, "GET", "/api/status")->json();
    QVERIFY(status.value(QLatin1String("nats")).toObject().value(QLatin1String("reconnects")).toInt() >= 1);
    // The dead node shows as a replica that is not current, in the status and in the metrics.
    const QString dead = NatsCluster::nodeName(connectedNode);
    QTRY_VERIFY_WITH_TIMEOUT(
        clusterStatus(admin).value(QLatin1String("stream_replicas_current")).toInt() == 2, ClusterTimeoutMs);
    exposition = metrics(admin);
    QCOMPARE(metric(exposition, "ackhook_stream_replicas_current"), 2.0);
    QCOMPARE(metric(exposition, "ackhook_stream_replica_current{replica=\"" + dead.toUtf8() + "\"}"), 0.0);

    // Back: all three current again.
    QVERIFY2(cluster.restart(connectedNode, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(
        clusterStatus(admin).value(QLatin1String("stream_replicas_current")).toInt() == 3, ClusterTimeoutMs);

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

void TestCluster::leaderFailoverUnderLoad()
{
    QTemporaryDir dir;
    NatsCluster cluster(dir.path());
    QString error;
    QVERIFY2(cluster.start(&error), qPrintable(error));
    QVERIFY2(cluster.addStream(Stream, "ackhook.>", 3, &error), qPrintable(error));
    const auto allThree = [](const NatsBus::Cluster &c) { return NatsCluster::allCurrent(c, 3); };
    QVERIFY(allThree(cluster.waitForStream(Stream, allThree, ClusterTimeoutMs)));

    const quint16 port = freePort();
    AckhookProcess ackhook(ackhookArguments(dir, port, cluster));
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const quint16 admin = ackhook.adminPort();
    QTRY_COMPARE_WITH_TIMEOUT(post(port), 200, 15000);

    // The hardest case first: the leader that dies is the server ackhook is connected to, so the
    // connection moves while the stream elects. Move the leadership there (bounded tries).
    const auto connectedNode
        = [&] { return cluster.nodeWithUrl(clusterStatus(admin).value(QLatin1String("connected_url")).toString()); };
    QTRY_VERIFY_WITH_TIMEOUT(connectedNode() >= 0, 15000);
    for (int attempt = 0; attempt < 6; ++attempt) {
        const NatsBus::Cluster c = cluster.waitForStream(Stream, allThree, ClusterTimeoutMs);
        if (cluster.nodeNamed(c.leader) == connectedNode())
            break;
        if (!cluster.stepDown(Stream, &error))
            qInfo("step down refused: %s", qPrintable(error));
        cluster.waitForStream(
            Stream, [&](const NatsBus::Cluster &now) { return now.leader != c.leader && allThree(now); },
            ClusterTimeoutMs);
    }

    // Steady load on a thread of its own: this thread blocks in cnats calls while no leader answers.
    CallerCrowd crowd(port, 8, 5);
    std::vector<Phase> phases;
    const auto beginPhase = [&](const QString &name) {
        if (!phases.empty())
            phases.back().endMs = crowd.elapsedMs();
        phases.push_back({ name, crowd.elapsedMs() });
    };
    const auto steady = [&](int ms, const char *what) {
        const qint64 since = crowd.elapsedMs();
        QTest::qWait(ms); // the callers keep sending: this is the schedule's clock
        QVERIFY2(crowd.okSince(since) > 0, what); // and the service answers 2xx meanwhile
    };
    const auto okInPhase = [&](qint64 count) { return crowd.okSince(phases.back().startMs) >= count; };

    steady(4000, "before any fault");
    if (QTest::currentTestFailed())
        return;

    // 1. SIGKILL the stream's leader.
    const NatsBus::Cluster before = cluster.waitForStream(Stream, allThree, ClusterTimeoutMs);
    const int leader = cluster.nodeNamed(before.leader);
    QVERIFY2(leader >= 0, qPrintable(before.leader));
    beginPhase(QStringLiteral("leader %1 SIGKILL%2")
                   .arg(before.leader, leader == connectedNode() ? QStringLiteral(" (ackhook's server)") : QString()));
    cluster.kill(leader);
    const NatsBus::Cluster elected = cluster.waitForStream(
        Stream, [&](const NatsBus::Cluster &c) { return !c.leader.isEmpty() && c.leader != before.leader; },
        ClusterTimeoutMs);
    QVERIFY2(!elected.leader.isEmpty() && elected.leader != before.leader, "no new stream leader");
    QTRY_VERIFY_WITH_TIMEOUT(okInPhase(200), ClusterTimeoutMs); // 2xx again, from the new leader
    steady(3000, "after the leader's failover");
    if (QTest::currentTestFailed())
        return;

    // 2. The old leader comes back and catches up.
    beginPhase(QStringLiteral("old leader %1 restarted").arg(before.leader));
    QVERIFY2(cluster.restart(leader, &error), qPrintable(error));
    QVERIFY(allThree(cluster.waitForStream(Stream, allThree, ClusterTimeoutMs)));
    steady(3000, "after the old leader caught up");
    if (QTest::currentTestFailed())
        return;

    // 3. SIGKILL a follower: ackhook's own server when it is one (its connection moves again).
    const NatsBus::Cluster now = cluster.waitForStream(Stream, allThree, ClusterTimeoutMs);
    int follower = connectedNode();
    if (follower < 0 || NatsCluster::nodeName(follower) == now.leader)
        follower = (cluster.nodeNamed(now.leader) + 1) % cluster.size();
    beginPhase(QStringLiteral("follower %1 SIGKILL%2")
                   .arg(NatsCluster::nodeName(follower),
                       follower == connectedNode() ? QStringLiteral(" (ackhook's server)") : QString()));
    cluster.kill(follower);
    QTRY_VERIFY_WITH_TIMEOUT(okInPhase(200), ClusterTimeoutMs); // R3 with 2 of 3 still takes writes
    steady(3000, "with one follower down");
    if (QTest::currentTestFailed())
        return;

    // 4. Healed: all three current.
    beginPhase(QStringLiteral("follower %1 restarted").arg(NatsCluster::nodeName(follower)));
    QVERIFY2(cluster.restart(follower, &error), qPrintable(error));
    QVERIFY(allThree(cluster.waitForStream(Stream, allThree, ClusterTimeoutMs)));
    steady(2000, "after the cluster healed");
    if (QTest::currentTestFailed())
        return;
    QVERIFY(crowd.stop(HungAfterMs + 2000));
    phases.back().endMs = crowd.elapsedMs();

    // Every answer: the figures, and per phase the time with non-2xx answers.
    CallFigures figures(HungAfterMs);
    for (const CallerCrowd::Answer &answer : crowd.answers()) {
        figures.add(answer.outcome);
        for (Phase &phase : phases) {
            if (answer.atMs < phase.startMs || answer.atMs >= phase.endMs)
                continue;
            if (answer.outcome.status / 100 == 2) {
                ++phase.ok;
            } else {
                ++phase.failures;
                if (phase.firstFailureMs < 0)
                    phase.firstFailureMs = answer.atMs;
                phase.lastFailureMs = answer.atMs;
            }
        }
    }

    // ackhook saw the leader change, shows the healed cluster, and is ready again (a stream lookup
    // that timed out while no leader was elected does not leave it not-ready).
    QTRY_VERIFY_WITH_TIMEOUT(clusterStatus(admin).value(QLatin1String("stream_replicas_current")).toInt() == 3, 15000);
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/ready").value_or(HttpReply {}).status, 200, 15000);
    QVERIFY(clusterStatus(admin).value(QLatin1String("leader_changes")).toInt() >= 1);

    // Read back every message of the stream.
    quint64 messages = 0;
    QElapsedTimer readClock;
    readClock.start();
    const QHash<QByteArray, int> stored = cluster.storedIds(Stream, &messages);
    qint64 read = 0;
    for (int copies : stored)
        read += copies;
    const StreamAccount account = accountStream(figures, stored);

    qInfo("cluster: %lld requests (%lld ids), 2xx %lld, 5xx %lld, other %lld, unanswered %lld, hung %lld, "
          "longest wait %lld ms (bound %lld); stream holds %llu, read back %lld in %lld ms: lost %lld, duplicates "
          "%lld, stored-after-500 %lld",
        figures.sent, qint64(figures.bestStatus.size()), figures.ok, figures.failed, figures.other, figures.unanswered,
        figures.hung, crowd.longestWaitMs(), HungAfterMs, messages, read, qint64(readClock.elapsed()), account.lost,
        account.duplicates, account.storedAfter500);
    for (const Phase &phase : phases)
        qInfo("cluster: %s", qPrintable(phase.report()));

    QCOMPARE(quint64(read), messages); // every stored message was read back
    QVERIFY2(account.lost == 0, account.lostIds.mid(0, 10).join(' ').constData());
    QCOMPARE(figures.hung, 0);
    QVERIFY(crowd.longestWaitMs() <= HungAfterMs);
    QCOMPARE(figures.unanswered, 0);
    QCOMPARE(figures.other, 0);
    QCOMPARE(account.duplicates, 0); // retries with the same id were deduplicated across the failover

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
