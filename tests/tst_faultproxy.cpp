// Simulated outages end to end: Runtime (embedded nats-server, FaultProxy, gateway, admin API)
// in this process, switched through the real admin API, observed as a webhook client.
#include "admin/adminserver.h"
#include "nats/embeddednats.h"
#include "runtime.h"
#include "testsupport.h"
#include "webhookcaller.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace TestSupport;

namespace {
constexpr int AckTimeoutMs = 1000;
} // namespace

class TestFaultProxy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();

    void modes_data();
    void modes();
    void ackLossStoresButAnswers500ThenDuplicate();
    void flapAlternates();
    void recordsAndStatusShowTheSimulatedOutage();
    void admin_data();
    void admin();
    void embeddedNatsStopAndStartKeepTheStore();
    void cyclingModesLosesNothing();
    void offKeepsTheProxyOutOfThePath();
    void movingOnAndOffTheProxyFailsNothing();

private:
    HttpReply post(const QByteArray &key, int timeoutMs = 10000);
    HttpReply admin(const QByteArray &method, const QByteArray &path, const QByteArray &body = {});
    void setOutage(const QByteArray &json);
    bool busConnected() const { return m_runtime->gateway()->bus()->isConnected(); }
    QString connectedUrl() const { return m_runtime->gateway()->bus()->status().connectedUrl; }

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;
};

HttpReply TestFaultProxy::post(const QByteArray &key, int timeoutMs)
{
    return request(m_port, "POST", "/webhook", "{\"k\":1}", { { "X-Event-Id", key } }, timeoutMs)
        .value_or(HttpReply {});
}

HttpReply TestFaultProxy::admin(const QByteArray &method, const QByteArray &path, const QByteArray &body)
{
    return request(m_adminPort, method, path, body, { { "Content-Type", "application/json" } }).value_or(HttpReply {});
}

void TestFaultProxy::setOutage(const QByteArray &json)
{
    const HttpReply reply = admin("PUT", "/api/outage", json);
    QVERIFY2(reply.status == 200, reply.body.constData());
}

void TestFaultProxy::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QString error;
    m_runtime = startRuntime({}, m_dir.path(), std::chrono::milliseconds(AckTimeoutMs), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_port = m_runtime->webhookPort();
    m_adminPort = m_runtime->adminPort();
    QVERIFY(m_port && m_adminPort);
    QTRY_COMPARE_WITH_TIMEOUT(post(uniqueKey()).status, 200, 10000);
}

void TestFaultProxy::cleanupTestCase()
{
    m_runtime.reset();
}

void TestFaultProxy::init()
{
    // Every test starts from a working link.
    m_runtime->faultProxy()->setSettings({});
    QTRY_VERIFY_WITH_TIMEOUT(busConnected(), 5000);
}

void TestFaultProxy::modes_data()
{
    QTest::addColumn<QByteArray>("outage");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("minMs"); // causal: the answer cannot come sooner

    // No upper bound per mode: "at once" shows in the reason (disconnected, not timeout); the only
    // wall-clock limit is the hang bound below, which a working build on a busy machine never nears.
    QTest::addRow("off") << QByteArray(R"({"mode":"off"})") << 200 << QString() << 0;
    QTest::addRow("down") << QByteArray(R"({"mode":"down"})") << 500 << QStringLiteral("disconnected") << 0;
    QTest::addRow("blackhole") << QByteArray(R"({"mode":"blackhole"})") << 500 << QStringLiteral("timeout")
                               << AckTimeoutMs;
    // The proxy delays each direction: request and PubAck each wait latency_ms (less jitter, less
    // a millisecond of rounding each way).
    QTest::addRow("latency 100 ms") << QByteArray(R"({"mode":"latency","latency_ms":100})") << 200 << QString()
                                    << 198;
    QTest::addRow("latency with jitter") << QByteArray(R"({"mode":"latency","latency_ms":60,"jitter_ms":30})") << 200
                                         << QString() << 55;
    QTest::addRow("ack-loss") << QByteArray(R"({"mode":"ack-loss"})") << 500 << QStringLiteral("timeout")
                              << AckTimeoutMs;
}

void TestFaultProxy::modes()
{
    QFETCH(QByteArray, outage);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(int, minMs);
    constexpr int HangMs = AckTimeoutMs + 10000;

    setOutage(outage);
    if (outage.contains("down"))
        QTRY_VERIFY_WITH_TIMEOUT(!busConnected(), 2000);

    QElapsedTimer clock;
    clock.start();
    const HttpReply reply = post(uniqueKey(), HangMs);
    const qint64 elapsed = clock.elapsed();
    QVERIFY2(reply.status != 0, "no answer within the hang bound");
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.json().value(QLatin1String("reason")).toString(), reason);
    QVERIFY2(elapsed >= minMs, qPrintable(QStringLiteral("answered after %1 ms, before %2 ms").arg(elapsed).arg(minMs)));
    qInfo("answered %d after %lld ms", reply.status, elapsed);

    // Back to off: 200 again (the README's "within ~300 ms" is this line's measured figure).
    setOutage(R"({"mode":"off"})");
    QElapsedTimer recovery;
    recovery.start();
    int lastStatus = 0;
    while (recovery.elapsed() < HangMs && (lastStatus = post(uniqueKey(), HangMs).status) != 200) {
        QTRY_VERIFY_WITH_TIMEOUT(busConnected(), qMax<qint64>(1, HangMs - recovery.elapsed()));
    }
    QCOMPARE(lastStatus, 200);
    qInfo("200 again %lld ms after switching back to off", recovery.elapsed());
}

void TestFaultProxy::ackLossStoresButAnswers500ThenDuplicate()
{
    const quint64 droppedBefore = m_runtime->faultProxy()->droppedAcks();
    setOutage(R"({"mode":"ack-loss"})");
    const QByteArray key = uniqueKey();
    const HttpReply lost = post(key);
    QCOMPARE(lost.status, 500);
    QCOMPARE(lost.json().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
    QVERIFY(m_runtime->faultProxy()->droppedAcks() > droppedBefore);

    // The event is stored: read it straight from nats-server, not through the proxy.
    StreamReader reader(m_runtime->embeddedNats()->url());
    bool stored = false;
    const quint64 last = reader.lastSeq("EVENTS");
    for (quint64 seq = last; seq > 0 && seq + 5 > last && !stored; --seq)
        stored = reader.message("EVENTS", seq).value_or(StoredMessage {}).header("Nats-Msg-Id") == scopedMsgId("/webhook", key);
    QVERIFY2(stored, "the event whose ack was lost must be in the stream");

    setOutage(R"({"mode":"off"})");
    const HttpReply retry = post(key);
    QCOMPARE(retry.status, 200);
    QCOMPARE(retry.json().value(QLatin1String("duplicate")).toBool(), true);
}

void TestFaultProxy::flapAlternates()
{
    setOutage(R"({"mode":"flap","period_ms":300})");
    // Follow the link through the flap: while it is down a request gets 500, while it is up 200;
    // then wait for the flap to turn it the other way. Two full turns, each far within the bound.
    QList<int> statuses;
    for (int turn = 0; turn < 4; ++turn) {
        const bool up = turn % 2 == 0;
        QTRY_VERIFY_WITH_TIMEOUT(busConnected() == up, 10000);
        HttpReply reply = post(uniqueKey(), AckTimeoutMs + 10000);
        // The flap may turn between the check and the request: then the link is already the other way.
        if (reply.status != (up ? 200 : 500)) {
            QTRY_VERIFY_WITH_TIMEOUT(busConnected() == up, 10000);
            reply = post(uniqueKey(), AckTimeoutMs + 10000);
        }
        QVERIFY2(reply.status == 200 || reply.status == 500, reply.body.constData());
        statuses.append(reply.status);
    }
    QVERIFY2(statuses.contains(200) && statuses.contains(500), "a flap shows both 200 and 500");
}

void TestFaultProxy::recordsAndStatusShowTheSimulatedOutage()
{
    QSignalSpy batches(m_runtime->gatewayHost(), &GatewayHost::recordsReady);
    setOutage(R"({"mode":"down"})");
    QTRY_VERIFY_WITH_TIMEOUT(!busConnected(), 2000);
    const QJsonObject status = admin("GET", "/api/status").json();
    QCOMPARE(status.value(QLatin1String("connectivity")).toString(), QStringLiteral("simulated outage (down)"));
    QCOMPARE(status.value(QLatin1String("outage")).toObject().value(QLatin1String("mode")).toString(),
        QStringLiteral("down"));
    QCOMPARE(post(uniqueKey()).status, 500);

    // The same on /metrics, in Prometheus' text format.
    const HttpReply metrics = admin("GET", "/metrics");
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.header("Content-Type").startsWith("text/plain; version=0.0.4"));
    QVERIFY2(metrics.body.contains("\nackhook_simulated_outage{mode=\"down\"} 1\n"), metrics.body.constData());
    QVERIFY(metrics.body.contains("\nackhook_simulated_outage{mode=\"off\"} 0\n"));
    QVERIFY(metrics.body.contains("\nackhook_nats_connected 0\n"));
    QVERIFY(metrics.body.contains("# TYPE ackhook_requests_total counter\n"));
    QVERIFY(metrics.body.contains("\nackhook_failed_events{state=\"pending\"} "));
    const QByteArray fiveHundreds = "ackhook_requests_total{class=\"5xx\"} ";
    const qsizetype at = metrics.body.indexOf(fiveHundreds);
    QVERIFY(at >= 0);
    const qsizetype valueAt = at + fiveHundreds.size(); // (was at + 37: the first digit was cut off)
    QVERIFY2(metrics.body.mid(valueAt, metrics.body.indexOf('\n', at) - valueAt).toLongLong() >= 1,
        metrics.body.constData());

    bool labelled = false;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const QList<QVariant> &arguments : std::as_const(batches)) {
                for (const RequestRecord &record : arguments.at(0).value<RequestRecordBatch>())
                    labelled = labelled || (record.status == 500 && record.outage == QLatin1String("down"));
            }
            return labelled;
        }(),
        2000);
}

void TestFaultProxy::admin_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("field"); // a key of the JSON answer
    QTest::addColumn<QByteArray>("allow");

    QTest::addRow("status") << QByteArray("GET") << QByteArray("/api/status") << QByteArray() << 200
                            << QStringLiteral("counters") << QByteArray();
    QTest::addRow("status wrong method") << QByteArray("POST") << QByteArray("/api/status") << QByteArray() << 405
                                         << QStringLiteral("error") << QByteArray("GET");
    QTest::addRow("metrics wrong method") << QByteArray("POST") << QByteArray("/metrics") << QByteArray() << 405
                                          << QStringLiteral("error") << QByteArray("GET");
    QTest::addRow("read outage") << QByteArray("GET") << QByteArray("/api/outage") << QByteArray() << 200
                                 << QStringLiteral("modes") << QByteArray();
    QTest::addRow("set outage") << QByteArray("PUT") << QByteArray("/api/outage") << QByteArray(R"({"mode":"off"})")
                                << 200 << QStringLiteral("mode") << QByteArray();
    QTest::addRow("not JSON") << QByteArray("PUT") << QByteArray("/api/outage") << QByteArray("mode=down") << 400
                              << QStringLiteral("error") << QByteArray();
    QTest::addRow("JSON array") << QByteArray("PUT") << QByteArray("/api/outage") << QByteArray("[]") << 400
                                << QStringLiteral("error") << QByteArray();
    QTest::addRow("unknown mode") << QByteArray("PUT") << QByteArray("/api/outage")
                                  << QByteArray(R"({"mode":"meteor"})") << 400 << QStringLiteral("error")
                                  << QByteArray();
    QTest::addRow("mode missing") << QByteArray("PUT") << QByteArray("/api/outage") << QByteArray(R"({"latency_ms":5})")
                                  << 400 << QStringLiteral("error") << QByteArray();
    QTest::addRow("negative latency") << QByteArray("PUT") << QByteArray("/api/outage")
                                      << QByteArray(R"({"mode":"latency","latency_ms":-5})") << 400
                                      << QStringLiteral("error") << QByteArray();
    QTest::addRow("latency as text") << QByteArray("PUT") << QByteArray("/api/outage")
                                     << QByteArray(R"({"mode":"latency","latency_ms":"5"})") << 400
                                     << QStringLiteral("error") << QByteArray();
    QTest::addRow("outage wrong method") << QByteArray("DELETE") << QByteArray("/api/outage") << QByteArray() << 405
                                         << QStringLiteral("error") << QByteArray("GET, PUT");
    QTest::addRow("nats stop wrong method") << QByteArray("GET") << QByteArray("/api/nats/stop") << QByteArray() << 405
                                            << QStringLiteral("error") << QByteArray("POST");
    QTest::addRow("unknown path") << QByteArray("GET") << QByteArray("/api/nope") << QByteArray() << 404
                                  << QStringLiteral("error") << QByteArray();
    QTest::addRow("root") << QByteArray("GET") << QByteArray("/") << QByteArray() << 404 << QStringLiteral("error")
                          << QByteArray();
}

void TestFaultProxy::admin()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, field);
    QFETCH(QByteArray, allow);

    const HttpReply reply = admin(method, path, body);
    QCOMPARE(reply.status, status);
    QVERIFY2(reply.json().contains(field), reply.body.constData());
    QCOMPARE(reply.header("Allow"), allow);
    QCOMPARE(m_runtime->faultProxy()->mode(), OutageSettings::Mode::Off); // rejected requests changed nothing
}

void TestFaultProxy::embeddedNatsStopAndStartKeepTheStore()
{
    const QByteArray before = uniqueKey();
    const HttpReply stored = post(before);
    QCOMPARE(stored.status, 200);
    const qint64 port = m_runtime->embeddedNats()->port();

    HttpReply reply = admin("POST", "/api/nats/stop");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(QLatin1String("running")).toBool(), false);
    QTRY_VERIFY_WITH_TIMEOUT(!busConnected(), 3000);
    const HttpReply down = post(uniqueKey());
    QCOMPARE(down.status, 500);
    QCOMPARE(down.json().value(QLatin1String("reason")).toString(), QStringLiteral("disconnected"));
    QCOMPARE(admin("GET", "/api/status").json().value(QLatin1String("connectivity")).toString(),
        QStringLiteral("reconnecting"));

    reply = admin("POST", "/api/nats/start");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(QLatin1String("running")).toBool(), true);
    QCOMPARE(m_runtime->embeddedNats()->port(), port);
    QTRY_VERIFY_WITH_TIMEOUT(busConnected(), 3000);
    QCOMPARE(post(uniqueKey()).status, 200);

    StreamReader reader(m_runtime->embeddedNats()->url());
    const auto message = reader.message("EVENTS", stored.json().value(QLatin1String("seq")).toInteger());
    QVERIFY(message);
    QCOMPARE(message->header("Nats-Msg-Id"), scopedMsgId("/webhook", before));
}

void TestFaultProxy::cyclingModesLosesNothing()
{
    // Concurrent keep-alive clients send unique ids while the mode cycles through every outage.
    // Bounded by count and time. Afterwards every id answered 200 must be in the stream.
    constexpr int Clients = 8;
    constexpr int MaxRequests = 30000;
    constexpr qint64 PhaseMs = 250;
    const QList<QByteArray> schedule { R"({"mode":"off"})", R"({"mode":"down"})", R"({"mode":"off"})",
        R"({"mode":"blackhole"})", R"({"mode":"off"})", R"({"mode":"ack-loss"})", R"({"mode":"off"})",
        R"({"mode":"latency","latency_ms":20,"jitter_ms":10})", R"({"mode":"off"})",
        R"({"mode":"flap","period_ms":150})" };
    const int Phases = 2 * int(schedule.size()); // every mode twice

    struct Client {
        std::unique_ptr<HttpClient> connection;
        QByteArray key;
        QElapsedTimer started;
    };
    std::vector<Client> clients(Clients);
    QList<QByteArray> acked;
    QMap<int, int> statuses;
    int sent = 0;
    qint64 slowestMs = 0;
    QElapsedTimer clock;
    clock.start();
    // Phases follow each other every PhaseMs; on a machine too busy to keep the pace a phase starts
    // late, never is skipped. The only wall-clock limit is the hang bound once sending stopped.
    int applied = 0;
    qint64 nextPhaseAtMs = 0;
    QSet<int> phasesSeen;
    int busy = 0;
    const auto sending = [&] { return (applied < Phases || clock.elapsed() < nextPhaseAtMs) && sent < MaxRequests; };
    QDeadlineTimer finishBy(QDeadlineTimer::Forever);
    while (sending() || busy > 0) {
        if (applied < Phases && clock.elapsed() >= nextPhaseAtMs) {
            const int phase = applied++ % int(schedule.size());
            setOutage(schedule.at(phase));
            phasesSeen.insert(phase);
            nextPhaseAtMs = clock.elapsed() + PhaseMs;
        }
        if (!sending() && finishBy.isForever())
            finishBy.setRemainingTime(AckTimeoutMs + 10000);
        QVERIFY2(!finishBy.hasExpired(), "requests did not finish");
        for (Client &client : clients) {
            if (client.key.isEmpty()) {
                if (!sending())
                    continue;
                if (!client.connection || !client.connection->isConnected())
                    client.connection = std::make_unique<HttpClient>(m_port);
                client.key = uniqueKey();
                client.started.start();
                client.connection->send(rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", client.key } }));
                ++sent;
                ++busy;
                continue;
            }
            const auto reply = client.connection->readReply(1);
            if (!reply)
                continue;
            slowestMs = qMax(slowestMs, client.started.elapsed());
            ++statuses[reply->status];
            QVERIFY2(reply->status == 200 || reply->status == 500, reply->body.constData());
            if (reply->status == 200)
                acked.append(client.key);
            client.key.clear();
            --busy;
        }
    }
    setOutage(R"({"mode":"off"})");
    qInfo("sent %d: %d answered 200, %d answered 500; slowest answer %lld ms", sent, statuses.value(200),
        statuses.value(500), slowestMs);
    QCOMPARE(statuses.value(200) + statuses.value(500), sent);
    QCOMPARE(phasesSeen.size(), schedule.size()); // every mode had its turn under load
    QVERIFY2(slowestMs <= AckTimeoutMs + 1000, "a request waited longer than the ack timeout + 1 s");
    QVERIFY(statuses.value(200) > 0 && statuses.value(500) > 0);

    StreamReader reader(m_runtime->embeddedNats()->url());
    QSet<QByteArray> stored;
    for (const StoredMessage &message : reader.all("EVENTS"))
        stored.insert(message.keyOn("/webhook"));
    int lost = 0;
    for (const QByteArray &key : std::as_const(acked))
        lost += stored.contains(key) ? 0 : 1;
    qInfo("stored %lld distinct ids; lost %d", static_cast<long long>(stored.size()), lost);
    QCOMPARE(lost, 0);
}

void TestFaultProxy::offKeepsTheProxyOutOfThePath()
{
    // Issue #18: in mode off the client talks to nats-server directly (the proxy cost ~10 % of the
    // throughput); the first fault moves it onto the proxy, off moves it back.
    FaultProxy *proxy = m_runtime->faultProxy();
    const QString natsUrl = m_runtime->embeddedNats()->url();
    QTRY_COMPARE_WITH_TIMEOUT(proxy->connectionCount(), 0, 5000);
    QVERIFY(!proxy->isInPath());
    QCOMPARE(connectedUrl(), natsUrl);
    QCOMPARE(post(uniqueKey()).status, 200);

    setOutage(R"({"mode":"latency","latency_ms":50})");
    // Moved before the mode applied: the very next webhook goes through it and waits for it.
    QVERIFY(proxy->isInPath());
    QCOMPARE(proxy->connectionCount(), 1);
    QCOMPARE(connectedUrl(), proxy->url());
    QElapsedTimer clock;
    clock.start();
    QCOMPARE(post(uniqueKey()).status, 200);
    QVERIFY2(clock.elapsed() >= 98, qPrintable(QString::number(clock.elapsed())));

    setOutage(R"({"mode":"down"})"); // one fault to another: no move, the proxy severs its link
    QVERIFY(proxy->isInPath());
    QCOMPARE(post(uniqueKey()).status, 500);

    setOutage(R"({"mode":"off"})");
    QVERIFY(!proxy->isInPath());
    QCOMPARE(connectedUrl(), natsUrl);
    QCOMPARE(post(uniqueKey()).status, 200); // at once: no reconnect delay to wait out
    QTRY_COMPARE_WITH_TIMEOUT(proxy->connectionCount(), 0, 5000); // the proxied connection closed
    const QJsonObject nats = admin("GET", "/api/status").json().value(QLatin1String("nats")).toObject();
    QCOMPARE(nats.value(QLatin1String("cluster")).toObject().value(QLatin1String("connected_url")).toString(), natsUrl);
    QCOMPARE(nats.value(QLatin1String("proxy_in_path")).toBool(), false);
    QCOMPARE(nats.value(QLatin1String("via_proxy")).toString(), proxy->url()); // ready for the next fault
}

void TestFaultProxy::movingOnAndOffTheProxyFailsNothing()
{
    // Make before break: PubAcks in flight on the connection being left still arrive, so a move
    // fails no webhook. Callers send without pause while latency is switched on and off; none of
    // them may see anything but 200, and every id is stored. Bounded by count and time.
    constexpr int Switches = 16;
    QSet<QByteArray> acked;
    {
        CallerCrowd crowd(m_port, 6, 0);
        QTRY_VERIFY_WITH_TIMEOUT(crowd.answers().size() >= 20, 10000);
        for (int i = 0; i < Switches; ++i) {
            setOutage(i % 2 == 0 ? R"({"mode":"latency","latency_ms":3})" : R"({"mode":"off"})");
            const qsizetype before = crowd.answers().size();
            QTRY_VERIFY_WITH_TIMEOUT(crowd.answers().size() >= before + 20, 10000); // traffic on each side
        }
        setOutage(R"({"mode":"off"})");
        QVERIFY2(crowd.stop(AckTimeoutMs + 10000), "requests did not finish");
        QMap<int, int> statuses;
        for (const CallerCrowd::Answer &answer : crowd.answers()) {
            ++statuses[answer.outcome.status];
            if (answer.outcome.status == 200)
                acked.insert(answer.outcome.id);
        }
        qInfo("%d switches: %d answered 200, other answers: %d", Switches, statuses.value(200),
            int(crowd.answers().size()) - statuses.value(200));
        QCOMPARE(statuses.value(200), crowd.answers().size());
    }
    StreamReader reader(m_runtime->embeddedNats()->url());
    QSet<QByteArray> stored;
    for (const StoredMessage &message : reader.all("EVENTS"))
        stored.insert(message.keyOn("/webhook"));
    QCOMPARE((acked - stored).size(), 0);
}

QTEST_GUILESS_MAIN(TestFaultProxy)
#include "tst_faultproxy.moc"
