// Stream placement on a 3-node NATS cluster (issue #17 item 1): ackhook creates its stream with the
// configured replicas, placement cluster and server tags ([stream] placement_cluster,
// placement_tags), and when JetStream cannot place it — tags no server has, an unknown cluster,
// more replicas than servers with the tags — it stays not ready with a reason naming what was asked
// and JetStream's own words, and answers 500 (never 200) to webhooks.
#include "ackhookprocess.h"
#include "natscluster.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <nats/nats.h>

using namespace TestSupport;

namespace {

constexpr int ReadyTimeoutMs = 20000; // ackhook's start, its stream check and JetStream's answer

} // namespace

class TestStreamPlacement : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    // The failures first: they create nothing, so the placed stream (capturing ackhook.>) comes last.
    void tagsNoServerHasAreNotReady();
    void unknownClusterIsNotReady();
    void moreReplicasThanTaggedServersIsNotReady();
    void moreReplicasThanServersIsNotReady();
    void placedReplicatedStreamIsReady();

private:
    // ackhook with a config file holding this [stream] table, straight to the cluster.
    std::unique_ptr<AckhookProcess> startAckhook(const QByteArray &streamTable);
    // Waits until /ready answers 503 with "cannot create stream"; that reason ("" on time-out).
    QString notReadyReason(quint16 port);
    // retriedStream: also count ackhook's creation requests for it, with no webhook coming.
    void expectRefused(const QByteArray &streamTable, const QStringList &named, const QByteArray &retriedStream = {});

    QTemporaryDir m_dir;
    std::unique_ptr<NatsCluster> m_cluster;
    int m_instances = 0;
};

void TestStreamPlacement::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Two "ssd" servers, one "az" tag each.
    m_cluster = std::make_unique<NatsCluster>(m_dir.filePath(QStringLiteral("nats")), 3,
        QList<QStringList> { { QStringLiteral("az:a"), QStringLiteral("ssd") },
            { QStringLiteral("az:b"), QStringLiteral("ssd") }, { QStringLiteral("az:c") } });
    QString error;
    QVERIFY2(m_cluster->start(&error), qPrintable(error));
}

void TestStreamPlacement::cleanupTestCase()
{
    m_cluster.reset();
}

std::unique_ptr<AckhookProcess> TestStreamPlacement::startAckhook(const QByteArray &streamTable)
{
    const int instance = ++m_instances;
    const QString configPath = m_dir.filePath(QStringLiteral("ackhook%1.toml").arg(instance));
    QFile config(configPath);
    if (!config.open(QIODevice::WriteOnly) || config.write("[stream]\n" + streamTable) < 0)
        return nullptr;
    config.close();
    auto ackhook = std::make_unique<AckhookProcess>(QStringList { QStringLiteral("--headless"),
        QStringLiteral("--config"), configPath, QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"),
        QStringLiteral("--nats-url"), m_cluster->urls().join(QLatin1Char(',')), QStringLiteral("--no-fault-proxy"),
        QStringLiteral("--data-dir"), m_dir.filePath(QStringLiteral("ackhook%1").arg(instance)),
        QStringLiteral("--ack-timeout"), QStringLiteral("3000") });
    if (!ackhook->waitUntilListening())
        qWarning("ackhook did not start: %s", ackhook->err().constData());
    return ackhook;
}

QString TestStreamPlacement::notReadyReason(quint16 port)
{
    QByteArray body;
    const QDeadlineTimer deadline(ReadyTimeoutMs);
    while (!deadline.hasExpired()) {
        const std::optional<HttpReply> reply = request(port, "GET", "/ready");
        if (reply && reply->status == 503 && reply->body.contains("cannot create stream"))
            return QString::fromUtf8(reply->body);
        if (reply)
            body = reply->body;
        QTest::qWait(100); // the poll's pace; the deadline bounds it
    }
    qWarning("no placement reason within %d ms; /ready said: %s", ReadyTimeoutMs, body.constData());
    return {};
}

void TestStreamPlacement::expectRefused(
    const QByteArray &streamTable, const QStringList &named, const QByteArray &retriedStream)
{
    const std::unique_ptr<AckhookProcess> ackhook = startAckhook(streamTable);
    QVERIFY(ackhook);
    const quint16 port = ackhook->webhookPort();
    QVERIFY(port != 0);
    const QString reason = notReadyReason(port);
    ackhook->collect();
    QVERIFY2(!reason.isEmpty(), QByteArray(ackhook->out() + ackhook->err()).constData());
    for (const QString &part : named)
        QVERIFY2(reason.contains(part), qPrintable(part + QStringLiteral(" not in: ") + reason));
    // JetStream's own words follow what was asked: something after "): ".
    const qsizetype words = reason.indexOf(QLatin1String("): "));
    QVERIFY2(words > 0 && reason.size() > words + 8, qPrintable(reason));
    qInfo().noquote() << "reason:" << reason.trimmed();

    if (!retriedStream.isEmpty()) {
        // It asks JetStream again on its own (every 2 s while not ready): a cluster that can place
        // the stream later ends the wait without a webhook having to come first.
        natsConnection *connection = nullptr;
        natsSubscription *creates = nullptr;
        const QByteArray seeds = m_cluster->urls().join(QLatin1Char(',')).toUtf8();
        QCOMPARE(natsConnection_ConnectTo(&connection, seeds.constData()), NATS_OK);
        const QByteArray subject = "$JS.API.STREAM.CREATE." + retriedStream;
        QCOMPARE(natsConnection_SubscribeSync(&creates, connection, subject.constData()), NATS_OK);
        int seen = 0;
        const QDeadlineTimer deadline(8000);
        while (seen < 2 && !deadline.hasExpired()) {
            natsMsg *message = nullptr;
            if (natsSubscription_NextMsg(&message, creates, 500) == NATS_OK)
                ++seen;
            natsMsg_Destroy(message);
        }
        natsSubscription_Destroy(creates);
        natsConnection_Destroy(connection);
        QVERIFY2(seen >= 2, qPrintable(QStringLiteral("%1 creation request(s) in 8 s").arg(seen)));
    }

    // Webhooks: 500, never 200, and the same reason in the log.
    for (int i = 0; i < 3; ++i) {
        const std::optional<HttpReply> reply
            = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }, 6000);
        QVERIFY(reply);
        QCOMPARE(reply->status, 500);
    }
    ackhook->collect();
    QVERIFY2(ackhook->err().contains("cannot create stream") || ackhook->out().contains("cannot create stream"),
        ackhook->err().constData());
}

void TestStreamPlacement::tagsNoServerHasAreNotReady()
{
    expectRefused("name = \"GPU\"\nreplicas = 1\nplacement_tags = [\"gpu\"]\n",
        { QStringLiteral("stream GPU"), QStringLiteral("tags [gpu]"), QStringLiteral("1 replica(s)") }, "GPU");
}

void TestStreamPlacement::unknownClusterIsNotReady()
{
    expectRefused("name = \"ELSEWHERE\"\nreplicas = 1\nplacement_cluster = \"elsewhere\"\n",
        { QStringLiteral("stream ELSEWHERE"), QStringLiteral("placement cluster elsewhere"),
            QStringLiteral("in cluster elsewhere") });
}

void TestStreamPlacement::moreReplicasThanTaggedServersIsNotReady()
{
    // Only n0 and n1 have "ssd".
    expectRefused("name = \"SSD3\"\nreplicas = 3\nplacement_tags = [\"ssd\"]\n",
        { QStringLiteral("stream SSD3"), QStringLiteral("3 replica(s)"), QStringLiteral("tags [ssd]"),
            QStringLiteral("takes 3 running server(s) tagged ssd") });
}

void TestStreamPlacement::moreReplicasThanServersIsNotReady()
{
    // No placement: R5 on a 3-server cluster.
    expectRefused("name = \"R5\"\nreplicas = 5\n",
        { QStringLiteral("stream R5"), QStringLiteral("5 replica(s), placement any"),
            QStringLiteral("takes 5 running server(s)") });
}

void TestStreamPlacement::placedReplicatedStreamIsReady()
{
    const std::unique_ptr<AckhookProcess> ackhook = startAckhook("name = \"PLACED\"\nreplicas = 3\nplacement_cluster = \""
        + NatsCluster::clusterName().toUtf8() + "\"\n");
    QVERIFY(ackhook);
    const quint16 port = ackhook->webhookPort();
    QVERIFY(port != 0);
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/ready").value_or(HttpReply {}).status, 200, ReadyTimeoutMs);

    QList<QByteArray> keys;
    for (int i = 0; i < 5; ++i) {
        keys.append(uniqueKey());
        const std::optional<HttpReply> reply
            = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", keys.last() } }, 6000);
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }
    // Three replicas on the named cluster, every 200 stored.
    const NatsBus::Cluster stream = m_cluster->waitForStream(
        "PLACED", [](const NatsBus::Cluster &c) { return NatsCluster::allCurrent(c, 3); }, ReadyTimeoutMs);
    QCOMPARE(stream.replicas, 3);
    QCOMPARE(stream.name, NatsCluster::clusterName());
    const QHash<QByteArray, int> stored = m_cluster->storedIds("PLACED");
    for (const QByteArray &key : keys)
        QVERIFY2(stored.value(key) == 1, key.constData());
    // The log says what it created, placement included; nothing differs.
    ackhook->collect();
    const QByteArray log = ackhook->out() + ackhook->err();
    QVERIFY2(log.contains(QByteArray("placement cluster " + NatsCluster::clusterName().toUtf8())), log.constData());
    QVERIFY2(!log.contains("differs from the configuration"), log.constData());

    // Another configuration finds the stream placed otherwise: used as it is, one warning.
    const std::unique_ptr<AckhookProcess> other = startAckhook("name = \"PLACED\"\nreplicas = 3\nplacement_cluster = \""
        + NatsCluster::clusterName().toUtf8() + "\"\nplacement_tags = [\"az:a\"]\n");
    QVERIFY(other);
    const quint16 otherPort = other->webhookPort();
    QTRY_COMPARE_WITH_TIMEOUT(request(otherPort, "GET", "/ready").value_or(HttpReply {}).status, 200, ReadyTimeoutMs);
    QByteArray otherLog;
    QTRY_VERIFY_WITH_TIMEOUT(
        (other->collect(), otherLog = other->out() + other->err()).contains("differs from the configuration"),
        ReadyTimeoutMs);
    QVERIFY2(otherLog.contains("placement_tags: configured [az:a], stream has []"), otherLog.constData());
    QVERIFY2(!otherLog.contains("placement_cluster:"), otherLog.constData()); // the server keeps the cluster
    QCOMPARE(request(otherPort, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }, 6000)
                 .value_or(HttpReply {})
                 .status,
        200);
}

QTEST_GUILESS_MAIN(TestStreamPlacement)
#include "tst_streamplacement.moc"
