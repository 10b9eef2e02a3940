// The failed-event queue end to end: Runtime with a real nats-server, failures through the fault
// proxy, the admin API for listing, replaying and discarding, and restarts on the same data dir.
#include "nats/embeddednats.h"
#include "store/failedeventstore.h"
#include "runtime.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace TestSupport;

class TestFailedQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void failureIsRecordedOnce();
    void replayAfterNatsReturns();
    void replayOfAnEventTheCallerRetriedIsADuplicate();
    void hundredFailuresSurviveRestartsAndReplayOnce();
    void boundKeepsAnswering500AndCounts();
    void adminValidation_data();
    void adminValidation();
    void autoReplayOnReconnect();

private:
    void startRuntime(RuntimeConfig config = {});
    void stopRuntime() { m_runtime.reset(); }
    HttpReply post(const QByteArray &key, const QByteArray &body = "{\"n\":1}", const HeaderList &extra = {});
    HttpReply admin(
        const QByteArray &method, const QByteArray &path, const QByteArray &body = {}, int timeoutMs = 15000);
    void setOutage(const char *mode);
    QSet<QByteArray> storedKeys();
    int countStored(const QByteArray &key);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Runtime> m_runtime;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;
};

void TestFailedQueue::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    startRuntime();
}

void TestFailedQueue::cleanup()
{
    stopRuntime();
    m_dir.reset();
}

void TestFailedQueue::startRuntime(RuntimeConfig config)
{
    QString error;
    m_runtime = TestSupport::startRuntime(config, m_dir->path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_port = m_runtime->webhookPort();
    m_adminPort = m_runtime->adminPort();
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
}

HttpReply TestFailedQueue::post(const QByteArray &key, const QByteArray &body, const HeaderList &extra)
{
    HeaderList headers { { "Content-Type", "application/json" }, { "Idempotency-Key", key } };
    headers += extra;
    return request(m_port, "POST", "/webhook", body, headers).value_or(HttpReply {});
}

HttpReply TestFailedQueue::admin(
    const QByteArray &method, const QByteArray &path, const QByteArray &body, int timeoutMs)
{
    return request(m_adminPort, method, path, body, {}, timeoutMs).value_or(HttpReply {});
}

void TestFailedQueue::setOutage(const char *mode)
{
    QVERIFY(setOutageAndWait(m_runtime.get(), *OutageSettings::modeFromName(QString::fromLatin1(mode))));
}

QSet<QByteArray> TestFailedQueue::storedKeys()
{
    StreamReader reader(m_runtime->embeddedNats()->url());
    QSet<QByteArray> keys;
    for (const StoredMessage &message : reader.all("EVENTS"))
        keys.insert(message.header("Nats-Msg-Id"));
    return keys;
}

int TestFailedQueue::countStored(const QByteArray &key)
{
    StreamReader reader(m_runtime->embeddedNats()->url());
    int count = 0;
    for (const StoredMessage &message : reader.all("EVENTS"))
        count += message.header("Nats-Msg-Id") == key;
    return count;
}

void TestFailedQueue::failureIsRecordedOnce()
{
    setOutage("down");
    const QByteArray key = uniqueKey();
    const HttpReply reply
        = post(key, "{\"order\":42}", { { "Authorization", "Bearer s3cret" }, { "X-Hub-Signature-256", "sha256=1" } });
    QCOMPARE(reply.status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 1, 2000);

    const QJsonObject list = admin("GET", "/api/failed?state=pending").json();
    const QJsonArray events = list.value(QLatin1String("events")).toArray();
    QCOMPARE(events.size(), 1);
    const QJsonObject event = events.first().toObject();
    QCOMPARE(event.value(QLatin1String("key")).toString().toLatin1(), key);
    QCOMPARE(event.value(QLatin1String("body")).toString(), QStringLiteral("{\"order\":42}"));
    QCOMPARE(event.value(QLatin1String("reason")).toString(), QStringLiteral("disconnected"));
    QCOMPARE(event.value(QLatin1String("endpoint")).toString(), QStringLiteral("/webhook"));
    const QByteArray headers = QJsonDocument(event.value(QLatin1String("headers")).toArray()).toJson();
    QVERIFY2(!headers.contains("s3cret") && !headers.contains("sha256=1"), headers.constData());
    QVERIFY(headers.contains("\"***\""));
    QCOMPARE(admin("GET", "/api/status")
                 .json()
                 .value(QLatin1String("failed_queue"))
                 .toObject()
                 .value(QLatin1String("pending"))
                 .toInt(),
        1);

    // 429 (back-pressure) and 4xx are the caller's to retry, not queued.
    QCOMPARE(request(m_port, "GET", "/webhook").value_or(HttpReply {}).status, 405);
    m_runtime->failedEvents()->flush();
    QCOMPARE(m_runtime->failedEvents()->stats().total, 1);
}

void TestFailedQueue::replayAfterNatsReturns()
{
    setOutage("down");
    const QByteArray key = uniqueKey();
    QCOMPARE(post(key).status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 1, 2000);
    const qint64 id = m_runtime->failedEvents()->pendingIds(1).value(0);

    // While NATS is still away, a replay fails and the event stays pending.
    HttpReply reply = admin("POST", "/api/failed/replay", "{\"ids\":[" + QByteArray::number(id) + "]}");
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(QLatin1String("failed")).toInt(), 1);
    QCOMPARE(m_runtime->failedEvents()->find(id)->state, FailedEvent::State::Pending);
    QCOMPARE(m_runtime->failedEvents()->find(id)->attempts, 2);

    setOutage("off");
    reply = admin("POST", "/api/failed/replay", "{\"ids\":[" + QByteArray::number(id) + "]}");
    QCOMPARE(reply.status, 200);
    const QJsonObject result = reply.json().value(QLatin1String("results")).toArray().first().toObject();
    QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("replayed"));
    QVERIFY(result.value(QLatin1String("seq")).toInteger() > 0);
    QCOMPARE(result.value(QLatin1String("duplicate")).toBool(), false);
    const auto stored = m_runtime->failedEvents()->find(id);
    QCOMPARE(stored->state, FailedEvent::State::Replayed);
    QCOMPARE(qint64(stored->replaySeq), result.value(QLatin1String("seq")).toInteger());
    QCOMPARE(countStored(key), 1);
}

void TestFailedQueue::replayOfAnEventTheCallerRetriedIsADuplicate()
{
    setOutage("down");
    const QByteArray key = uniqueKey();
    QCOMPARE(post(key).status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 1, 2000);
    setOutage("off");
    QCOMPARE(post(key).status, 200); // the caller retried on its own

    const HttpReply reply = admin("POST", "/api/failed/replay", R"({"all":true})");
    QCOMPARE(reply.status, 200);
    const QJsonObject result = reply.json().value(QLatin1String("results")).toArray().first().toObject();
    QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("replayed"));
    QCOMPARE(result.value(QLatin1String("duplicate")).toBool(), true);
    QCOMPARE(countStored(key), 1);
}

void TestFailedQueue::hundredFailuresSurviveRestartsAndReplayOnce()
{
    setOutage("down");
    QList<QByteArray> keys;
    for (int i = 0; i < 100; ++i) {
        keys.append(uniqueKey());
        QCOMPARE(post(keys.last(), "{\"i\":" + QByteArray::number(i) + "}").status, 500);
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 100, 5000);

    // Restart ackhook on the same data directory: the queue is still there.
    stopRuntime();
    startRuntime();
    HttpReply list = admin("GET", "/api/failed?limit=1000");
    QCOMPARE(list.json().value(QLatin1String("events")).toArray().size(), 100);

    const HttpReply reply = admin("POST", "/api/failed/replay", R"({"all":true})", 60000);
    QCOMPARE(reply.status, 200);
    QCOMPARE(reply.json().value(QLatin1String("replayed")).toInt(), 100);
    const QSet<QByteArray> stored = storedKeys();
    for (const QByteArray &key : std::as_const(keys))
        QCOMPARE(countStored(key), 1);
    QVERIFY(stored.size() >= 100);

    stopRuntime();
    startRuntime();
    const QJsonObject stats = admin("GET", "/api/status").json().value(QLatin1String("failed_queue")).toObject();
    QCOMPARE(stats.value(QLatin1String("replayed")).toInt(), 100);
    QCOMPARE(stats.value(QLatin1String("pending")).toInt(), 0);
    // A second "replay all" has nothing left to publish.
    QCOMPARE(
        admin("POST", "/api/failed/replay", R"({"all":true})").json().value(QLatin1String("results")).toArray().size(),
        0);
}

void TestFailedQueue::boundKeepsAnswering500AndCounts()
{
    stopRuntime();
    RuntimeConfig config;
    config.failedQueue.maxRecords = 20;
    startRuntime(config);
    setOutage("down");
    const qint64 rssBefore = residentKiB();
    for (int i = 0; i < 200; ++i)
        QCOMPARE(post(uniqueKey(), QByteArray(4096, 'x')).status, 500);
    m_runtime->failedEvents()->flush();
    const FailedQueueStats stats = m_runtime->failedEvents()->stats();
    QCOMPARE(stats.total, 20);
    QCOMPARE(stats.unrecorded, quint64(180));
    QCOMPARE(admin("GET", "/api/status")
                 .json()
                 .value(QLatin1String("failed_queue"))
                 .toObject()
                 .value(QLatin1String("unrecorded"))
                 .toInt(),
        180);
    QVERIFY2(residentKiB() - rssBefore < 32 * 1024, "memory grew with unrecorded failures");
}

void TestFailedQueue::adminValidation_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addRow("bad state") << QByteArray("GET") << QByteArray("/api/failed?state=lost") << QByteArray() << 400;
    QTest::addRow("bad limit") << QByteArray("GET") << QByteArray("/api/failed?limit=0") << QByteArray() << 400;
    QTest::addRow("replay without body") << QByteArray("POST") << QByteArray("/api/failed/replay") << QByteArray()
                                         << 400;
    QTest::addRow("replay empty ids") << QByteArray("POST") << QByteArray("/api/failed/replay")
                                      << QByteArray(R"({"ids":[]})") << 400;
    QTest::addRow("replay ids not numbers")
        << QByteArray("POST") << QByteArray("/api/failed/replay") << QByteArray(R"({"ids":["a"]})") << 400;
    QTest::addRow("replay unknown id") << QByteArray("POST") << QByteArray("/api/failed/replay")
                                       << QByteArray(R"({"ids":[424242]})") << 200;
    QTest::addRow("replay wrong method") << QByteArray("GET") << QByteArray("/api/failed/replay") << QByteArray()
                                         << 405;
    QTest::addRow("discard unknown") << QByteArray("DELETE") << QByteArray("/api/failed/424242") << QByteArray() << 404;
    QTest::addRow("discard not a number")
        << QByteArray("DELETE") << QByteArray("/api/failed/abc") << QByteArray() << 404;
    QTest::addRow("export bad format") << QByteArray("GET") << QByteArray("/api/failed/export?format=xml")
                                       << QByteArray() << 400;
    QTest::addRow("export jsonl") << QByteArray("GET") << QByteArray("/api/failed/export?format=jsonl&state=all")
                                  << QByteArray() << 200;
}

void TestFailedQueue::adminValidation()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QCOMPARE(admin(method, path, body).status, status);
}

void TestFailedQueue::autoReplayOnReconnect()
{
    stopRuntime();
    RuntimeConfig config;
    config.autoReplay = true;
    startRuntime(config);
    setOutage("down");
    const QByteArray key = uniqueKey();
    QCOMPARE(post(key).status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 1, 2000);
    setOutage("off");
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().replayed, 1, 10000);
    QCOMPARE(countStored(key), 1);
}

QTEST_GUILESS_MAIN(TestFailedQueue)
#include "tst_failedqueue.moc"
