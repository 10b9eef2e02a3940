// The failed-event queue end to end: Runtime with a real nats-server, failures through the fault
// proxy, the admin API for listing, replaying and discarding, and restarts on the same data dir.
#include "ackhookprocess.h"
#include "nats/embeddednats.h"
#include "store/failedeventstore.h"
#include "lossymount.h"
#include "runtime.h"
#include "testsupport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QFile>
#include <QJsonDocument>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <csignal>
#include <sys/resource.h>

using namespace TestSupport;

class TestFailedQueue : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void failureIsRecordedOnce();
    void replayAfterNatsReturns();
    void replayOfAnEventTheCallerRetriedIsADuplicate();
    void discardLabLeavesRealSendersEvents();
    void hundredFailuresSurviveRestartsAndReplayOnce();
    void boundKeepsAnswering500AndCounts();
    void adminValidation_data();
    void adminValidation();
    void autoReplayOnReconnect();
    void onlyDispatchFailuresAreQueued_data();
    void onlyDispatchFailuresAreQueued();
    void payloadLimitBoundary_data();
    void payloadLimitBoundary();
    void serverMaxPayloadCountsHeaders();
    void replayPublishesWhatWasFirstPublished();
    void fullDiskNeverCountsUncommittedEventsAsSaved();

private:
    bool startsItsOwnRuntime() const;
    bool isQueued(const QByteArray &key) const;
    void waitUntilNothingInFlight();
    // streamReady: wait until the stream is ready; else only until its first check gave a verdict.
    void startRuntime(RuntimeConfig config = {}, bool streamReady = true);
    void stopRuntime() { m_runtime.reset(); }
    HttpReply post(const QByteArray &key, const QByteArray &body = "{\"n\":1}", const HeaderList &extra = {});
    HttpReply admin(
        const QByteArray &method, const QByteArray &path, const QByteArray &body = {}, int timeoutMs = 15000);
    void setOutage(const char *mode);
    QSet<QByteArray> storedKeys();
    int countStored(const QByteArray &key);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<LossyMount> m_spoolMount; // spool_error: a spool whose disk fails (lossyfs, cut)
    std::unique_ptr<Runtime> m_runtime;
    quint16 m_port = 0;
    quint16 m_adminPort = 0;
};

void TestFailedQueue::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    if (!startsItsOwnRuntime())
        startRuntime();
}

bool TestFailedQueue::startsItsOwnRuntime() const
{
    const QByteArray name = QTest::currentTestFunction();
    return name == "onlyDispatchFailuresAreQueued" || name == "payloadLimitBoundary"
        || name == "serverMaxPayloadCountsHeaders" || name == "fullDiskNeverCountsUncommittedEventsAsSaved";
}

bool TestFailedQueue::isQueued(const QByteArray &key) const
{
    for (const FailedEvent &event : m_runtime->failedEvents()->list(std::nullopt, 100000, 0)) {
        if (event.key == key)
            return true;
    }
    return false;
}

void TestFailedQueue::waitUntilNothingInFlight()
{
    // The ack timeout (1 s) resolves every dispatch; far beyond it means a hang.
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->inFlight(), 0, 10000);
    m_runtime->failedEvents()->flush();
}

void TestFailedQueue::cleanup()
{
    stopRuntime();
    m_spoolMount.reset();
    m_dir.reset();
}

void TestFailedQueue::startRuntime(RuntimeConfig config, bool streamReady)
{
    QString error;
    m_runtime = TestSupport::startRuntime(config, m_dir->path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_port = m_runtime->webhookPort();
    m_adminPort = m_runtime->adminPort();
    const NatsBus *bus = m_runtime->gateway()->bus();
    if (streamReady)
        QTRY_VERIFY_WITH_TIMEOUT(bus->isStreamReady(), 10000);
    else
        QTRY_VERIFY_WITH_TIMEOUT(bus->isStreamReady() || !bus->status().streamError.isEmpty(), 10000);
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
    // State-changing calls need application/json (AdminRequestGuard); GETs carry it harmlessly.
    return request(m_adminPort, method, path, body, { { "Content-Type", "application/json" } }, timeoutMs)
        .value_or(HttpReply {});
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
        keys.insert(message.keyOn("/webhook"));
    return keys;
}

int TestFailedQueue::countStored(const QByteArray &key)
{
    StreamReader reader(m_runtime->embeddedNats()->url());
    int count = 0;
    for (const StoredMessage &message : reader.all("EVENTS"))
        count += message.header("Nats-Msg-Id") == scopedMsgId("/webhook", key);
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

// The scenario runner's traffic (keys FailedEvent::LabKeyPrefix...) is discarded apart from a
// real sender's failed event, which stays pending; replayed events are left as they are.
void TestFailedQueue::discardLabLeavesRealSendersEvents()
{
    setOutage("down");
    const QByteArray labKeys[] = { FailedEvent::LabKeyPrefix + uniqueKey(), FailedEvent::LabKeyPrefix + uniqueKey() };
    const QByteArray realKey = uniqueKey();
    for (const QByteArray &key : labKeys)
        QCOMPARE(post(key).status, 500);
    QCOMPARE(post(realKey).status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 3, 2000);
    m_runtime->failedEvents()->flush();

    QCOMPARE(m_runtime->failedEvents()->discardLab(), 2);
    m_runtime->failedEvents()->flush();
    const QList<FailedEvent> all = m_runtime->failedEvents()->list(std::nullopt, 10);
    QCOMPARE(all.size(), 3);
    for (const FailedEvent &event : all) {
        const bool lab = event.key != realKey;
        QCOMPARE(event.isLab(), lab);
        QCOMPARE(event.state, lab ? FailedEvent::State::Discarded : FailedEvent::State::Pending);
    }
    QCOMPARE(m_runtime->failedEvents()->stats().pending, 1);
    QCOMPARE(m_runtime->failedEvents()->discardLab(), 0); // nothing left to discard
    // A generated key never counts as lab traffic, whatever it looks like.
    FailedEvent generated;
    generated.key = FailedEvent::LabKeyPrefix + QByteArray("x");
    generated.keyGenerated = true;
    QVERIFY(!generated.isLab());
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
    // Bodies large enough that keeping unrecorded ones could not hide in the allowance below. The
    // first 100 fill the queue (20 recorded) and bring the allocator and SQLite's cache to their
    // working size; the next 200 (50 MiB, all unrecorded) must leave resident memory where it was.
    constexpr qsizetype BodyBytes = 256 * 1024;
    for (int i = 0; i < 100; ++i)
        QCOMPARE(post(uniqueKey(), QByteArray(BodyBytes, char('a' + i % 26))).status, 500);
    m_runtime->failedEvents()->flush();
    QCOMPARE(m_runtime->failedEvents()->stats().unrecorded, quint64(80));
    const qint64 rssBefore = residentKiB();
    for (int i = 100; i < 300; ++i)
        QCOMPARE(post(uniqueKey(), QByteArray(BodyBytes, char('a' + i % 26))).status, 500);
    m_runtime->failedEvents()->flush();
    const FailedQueueStats stats = m_runtime->failedEvents()->stats();
    QCOMPARE(stats.total, 20);
    QCOMPARE(stats.unrecorded, quint64(280));
    QCOMPARE(admin("GET", "/api/status")
                 .json()
                 .value(QLatin1String("failed_queue"))
                 .toObject()
                 .value(QLatin1String("unrecorded"))
                 .toInt(),
        280);
    const qint64 growthKiB = residentKiB() - rssBefore;
    qInfo("200 more unrecorded failures of %lld KiB: resident memory grew by %lld KiB", qint64(BodyBytes / 1024),
        growthKiB);
    QVERIFY2(growthKiB < 16 * 1024, "memory grew with unrecorded failures");
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

namespace {
const QByteArray Token = "t0k";
constexpr int QueueRuleMaxInFlight = 1;
constexpr qint64 QueueRuleMaxPayload = 4096;
} // namespace

// The queue rule (README "The failed-event queue"): an answer that is the caller's to act on (4xx,
// 429, 503) leaves the queue as it was; each failure of the dispatch itself adds exactly one
// pending record, with its reason.
void TestFailedQueue::onlyDispatchFailuresAreQueued_data()
{
    QTest::addColumn<QByteArray>("situation"); // how the answer comes about, beyond the request itself
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<HeaderList>("headers"); // besides Authorization and Idempotency-Key
    QTest::addColumn<bool>("authorized");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason"); // the JSON "reason" (dispatch failures) or empty
    QTest::addColumn<bool>("queued");

    const HeaderList none;
    const QByteArray json = "{\"n\":1}";
    // Answers that are not a dispatch failure: nothing queued.
    QTest::addRow("400 idempotency key too long")
        << QByteArray() << QByteArray("POST") << QByteArray("/webhook") << json
        << HeaderList { { "Idempotency-Key", QByteArray(300, 'k') } } << true << 400 << QString() << false;
    QTest::addRow("400 malformed CloudEvent")
        << QByteArray() << QByteArray("POST") << QByteArray("/webhook") << QByteArray("{\"specversion\":1}")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } } << true << 400 << QString() << false;
    QTest::addRow("401 no token") << QByteArray() << QByteArray("POST") << QByteArray("/webhook") << json << none
                                  << false << 401 << QString() << false;
    QTest::addRow("404 unknown path") << QByteArray() << QByteArray("POST") << QByteArray("/nowhere") << json << none
                                      << true << 404 << QString() << false;
    QTest::addRow("405 GET") << QByteArray() << QByteArray("GET") << QByteArray("/webhook") << QByteArray() << none
                             << true << 405 << QString() << false;
    QTest::addRow("413 over --max-payload")
        << QByteArray() << QByteArray("POST") << QByteArray("/webhook") << QByteArray(QueueRuleMaxPayload + 1, 'x')
        << none << true << 413 << QString() << false;
    QTest::addRow("429 beyond --max-inflight")
        << QByteArray("overloaded") << QByteArray("POST") << QByteArray("/webhook") << json << none << true << 429
        << QStringLiteral("overloaded") << false;
    // ackhook has a 503 for "shutting down", but a webhook caller cannot get it: once shutdown
    // begins, every connection takes no more requests and closes after its answers in flight. A
    // request sent then gets no answer at all (status 0 here) and is not queued.
    QTest::addRow("shutting down: closed, no answer")
        << QByteArray("shutting-down") << QByteArray("POST") << QByteArray("/webhook") << json << none << true << 0
        << QString() << false;
    // Dispatch failures: exactly one record each.
    QTest::addRow("500 disconnected") << QByteArray("down") << QByteArray("POST") << QByteArray("/webhook") << json
                                      << none << true << 500 << QStringLiteral("disconnected") << true;
    QTest::addRow("500 timeout") << QByteArray("ack-loss") << QByteArray("POST") << QByteArray("/webhook") << json
                                 << none << true << 500 << QStringLiteral("timeout") << true;
    QTest::addRow("500 nack") << QByteArray() << QByteArray("POST") << QByteArray("/small") << QByteArray(2000, 'n')
                              << none << true << 500 << QStringLiteral("nack") << true;
    QTest::addRow("500 no_stream") << QByteArray() << QByteArray("POST") << QByteArray("/unrouted") << json << none
                                   << true << 500 << QStringLiteral("no_stream") << true;
    // The spool policy (endpoint /spooled, a spool bounded to 1 record): full is 503 and not queued
    // (a retry will do), a spool that cannot commit is a 500 like any dispatch failure, queued.
    QTest::addRow("503 spool_full") << QByteArray("spool-full") << QByteArray("POST") << QByteArray("/spooled")
                                    << json << none << true << 503 << QStringLiteral("spool_full") << false;
    QTest::addRow("500 spool_error") << QByteArray("spool-error") << QByteArray("POST") << QByteArray("/spooled")
                                     << json << none << true << 500 << QStringLiteral("spool_error") << true;
    // No row for 500 publish_error: it is failureReasonFor()'s answer to a natsStatus none of the
    // others covers, and no request reaches one through a working cnats (tst_dispatcher maps it).
    // And the control: a 200 is not queued either.
    QTest::addRow("200 stored") << QByteArray() << QByteArray("POST") << QByteArray("/webhook") << json << none << true
                                << 200 << QString() << false;
}

void TestFailedQueue::onlyDispatchFailuresAreQueued()
{
    QFETCH(QByteArray, situation);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);
    QFETCH(HeaderList, headers);
    QFETCH(bool, authorized);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(bool, queued);

    RuntimeConfig config;
    config.gateway.auth.bearerToken = Token;
    config.gateway.maxInFlight = QueueRuleMaxInFlight;
    config.gateway.maxPayload = QueueRuleMaxPayload;
    config.gateway.endpoints = { { "/webhook", "ackhook.webhook" },
        { "/small", "small.events" }, // the stream refuses messages over 1 KiB: a nack
        { "/unrouted", "unrouted.events" }, // no stream captures it: no responders
        { "/spooled", "ackhook.webhook" } };
    config.gateway.endpoints.last().dispatch = DispatchPolicy::Spool;
    config.gateway.spool.maxRecords = 1;
    if (situation == "spool-error") {
        // The spool on a disk that fails on command: every write after the cut is EIO.
        const QString reason = fuseUnusableReason();
        if (!reason.isEmpty() && qEnvironmentVariableIsSet("ACKHOOK_ALLOW_NO_FUSE"))
            QSKIP(qPrintable(reason));
        QVERIFY2(reason.isEmpty(), qPrintable(reason + QStringLiteral(" (ACKHOOK_ALLOW_NO_FUSE=1 skips)")));
        QDir work(m_dir->path());
        QVERIFY(work.mkpath(QStringLiteral("spool-backing")) && work.mkpath(QStringLiteral("spool-mount")));
        m_spoolMount = std::make_unique<LossyMount>(
            work.filePath(QStringLiteral("spool-backing")), work.filePath(QStringLiteral("spool-mount")));
        QString error;
        QVERIFY2(m_spoolMount->mount(&error), qPrintable(error));
        config.gateway.spool.path = m_spoolMount->filePath(QStringLiteral("spool.sqlite"));
    }
    // The test makes the stream (ackhook would make one without a message size limit), so ackhook
    // finds it missing first, then sees it and reports that it does not capture unrouted.events.
    config.gateway.createStream = false;
    startRuntime(config, false);
    QVERIFY(StreamReader(m_runtime->embeddedNats()->url())
                .addStream("EVENTS", { "ackhook.webhook", "small.events" }, 1024));
    QTRY_VERIFY_WITH_TIMEOUT(
        m_runtime->gateway()->bus()->status().streamError.contains(QLatin1String("unrouted.events")), 10000);
    const HeaderList authorization { { "Authorization", "Bearer " + Token } };
    QCOMPARE(post(uniqueKey(), "{}", authorization).status, 200); // the path works

    m_runtime->failedEvents()->flush();
    const FailedQueueStats before = m_runtime->failedEvents()->stats();
    QCOMPARE(before.total, 0);

    QByteArray key = uniqueKey();
    HeaderList all = authorized ? authorization : HeaderList {};
    if (headerValue(headers, "Idempotency-Key").isNull())
        all.append({ "Idempotency-Key", key });
    else
        key = headerValue(headers, "Idempotency-Key");
    all += headers;

    qint64 expectedRecords = queued ? 1 : 0;
    QByteArray blockerKey;
    std::unique_ptr<HttpClient> blocker;
    if (situation == "down") {
        setOutage("down");
    } else if (situation == "spool-full") {
        setOutage("down"); // nothing leaves the spool
        const HeaderList filler = authorization + HeaderList { { "Idempotency-Key", uniqueKey() } };
        // The one record it has room for.
        QCOMPARE(request(m_port, "POST", "/spooled", "{}", filler).value_or(HttpReply {}).status, 202);
    } else if (situation == "spool-error") {
        QVERIFY(m_spoolMount->cut());
    } else if (situation == "ack-loss") {
        OutageSettings ackLoss;
        ackLoss.mode = OutageSettings::Mode::AckLoss;
        m_runtime->faultProxy()->setSettings(ackLoss);
    } else if (situation == "overloaded" || situation == "shutting-down") {
        // One dispatch that stays in flight (its PubAck dropped) until the ack timeout; it is
        // itself a dispatch failure and queued, as the count below expects.
        OutageSettings ackLoss;
        ackLoss.mode = OutageSettings::Mode::AckLoss;
        m_runtime->faultProxy()->setSettings(ackLoss);
        blockerKey = uniqueKey();
        blocker = std::make_unique<HttpClient>(m_port);
        blocker->send(rawRequest("POST", "/webhook", "{}", authorization + HeaderList { { "Idempotency-Key", blockerKey } }));
        QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->inFlight(), 1, 5000);
        expectedRecords += 1;
    }

    std::optional<HttpReply> reply;
    if (situation == "shutting-down") {
        // Shutdown waits for the blocker; a request pipelined behind it on the same connection
        // arrives while ackhook no longer takes new work.
        m_runtime->shutdown();
        blocker->send(rawRequest(method, path, body, all));
        const auto first = blocker->readReply(10000);
        QVERIFY(first);
        QCOMPARE(first->status, 500);
        reply = blocker->readReply(5000);
    } else {
        reply = request(m_port, method, path, body, all);
    }
    if (status == 0) {
        QVERIFY2(!reply, reply ? reply->body.constData() : "");
        QVERIFY(blocker->waitForClose(10000));
    } else {
        QVERIFY2(reply, "no answer");
        QCOMPARE(reply->status, status);
        QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), reason);
    }

    if (situation == "shutting-down") {
        // The store closes with the runtime: count on a runtime started again on the same data.
        QTRY_VERIFY_WITH_TIMEOUT(m_runtime->failedEvents() == nullptr, 10000); // closed: finishShutdown ran
        stopRuntime();
        startRuntime(config, false);
    } else {
        if (blocker) {
            const auto blocked = blocker->readReply(10000);
            QVERIFY(blocked);
            QCOMPARE(blocked->status, 500);
        }
        waitUntilNothingInFlight();
    }
    const FailedQueueStats after = m_runtime->failedEvents()->stats();
    QCOMPARE(after.total - before.total, expectedRecords);
    QCOMPARE(after.pending - before.pending, expectedRecords);
    QCOMPARE(after.unrecorded, before.unrecorded);
    QCOMPARE(isQueued(key), queued);
    if (!blockerKey.isEmpty())
        QVERIFY(isQueued(blockerKey));
    if (queued) {
        const QList<FailedEvent> events = m_runtime->failedEvents()->list(FailedEvent::State::Pending, 10);
        const auto it = std::find_if(events.begin(), events.end(), [&](const FailedEvent &e) { return e.key == key; });
        QVERIFY(it != events.end());
        QCOMPARE(it->reason, reason);
        QCOMPARE(it->body, body);
        QCOMPARE(it->endpoint, path);
    }
}

// The body limit at its edge: --max-payload − 1, exactly, + 1, with small headers and with 4 KiB of
// headers that are published (ce-* attributes). The right answer is 200 and stored when NATS can
// take the message, else 413 before anything is published, and never a queued record that no
// replay can ever deliver. The embedded nats-server gets a max_payload with room for the body limit
// plus ackhook's NATS headers (issue #13), so a body at exactly --max-payload is stored.
void TestFailedQueue::payloadLimitBoundary_data()
{
    QTest::addColumn<qint64>("limit"); // --max-payload
    QTest::addColumn<qint64>("size"); // body bytes
    QTest::addColumn<bool>("largeHeaders");
    QTest::addColumn<int>("status"); // the right answer

    constexpr qint64 Small = 64 * 1024; // well under NATS' max_payload
    constexpr qint64 Default = 1024 * 1024; // ackhook's default, nats-server's default max_payload
    for (const bool large : { false, true }) {
        const char *headers = large ? "4 KiB published headers" : "small headers";
        QTest::addRow("64 KiB limit - 1, %s", headers) << Small << Small - 1 << large << 200;
        QTest::addRow("64 KiB limit, %s", headers) << Small << Small << large << 200;
        QTest::addRow("64 KiB limit + 1, %s", headers) << Small << Small + 1 << large << 413;
        QTest::addRow("1 MiB limit - 1, %s", headers) << Default << Default - 1 << large << 200;
        QTest::addRow("1 MiB limit, %s", headers) << Default << Default << large << 200;
        QTest::addRow("1 MiB limit + 1, %s", headers) << Default << Default + 1 << large << 413;
    }
}

void TestFailedQueue::payloadLimitBoundary()
{
    QFETCH(qint64, limit);
    QFETCH(qint64, size);
    QFETCH(bool, largeHeaders);
    QFETCH(int, status);

    RuntimeConfig config;
    config.gateway.maxPayload = limit;
    startRuntime(config);
    QCOMPARE(post(uniqueKey()).status, 200);
    m_runtime->failedEvents()->flush();
    const FailedQueueStats before = m_runtime->failedEvents()->stats();

    const QByteArray id = uniqueKey();
    HeaderList headers { { "Content-Type", "application/octet-stream" } };
    QByteArray key = id;
    if (largeHeaders) {
        headers += HeaderList { { "ce-specversion", "1.0" }, { "ce-source", "/boundary" }, { "ce-id", id },
            { "ce-type", "test.boundary" }, { "ce-padding", QByteArray(4096, 'h') } };
        key = "/boundary " + id;
    } else {
        headers.append({ "Idempotency-Key", id });
    }
    QByteArray body(size, 'b');
    body[0] = '<';
    body[size - 1] = '>';
    HttpClient connection(m_port);
    connection.send(rawRequest("POST", "/webhook", body, headers));
    const auto reply = connection.readReply(20000);
    QVERIFY2(reply, "no answer");
    waitUntilNothingInFlight();
    const FailedQueueStats after = m_runtime->failedEvents()->stats();
    qInfo("%lld-byte body, --max-payload %lld: %d %s", size, limit, reply->status,
        reply->json().value(QLatin1String("reason")).toString().toUtf8().constData());

    QVERIFY2(reply->status != 200 || status == 200, "200 for a body NATS cannot take"); // never a false 200
    QCOMPARE(reply->status, status);
    QCOMPARE(after.total, before.total); // no record either way: stored, or refused up front
    if (status == 200) {
        StreamReader reader(m_runtime->embeddedNats()->url());
        const auto stored = reader.message("EVENTS", reply->json().value(QLatin1String("seq")).toInteger());
        QVERIFY(stored);
        QCOMPARE(stored->data, body);
        QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", key, largeHeaders)); // a CloudEvent's key
    }
    if (reply->status == 413) {
        QVERIFY(reply->json().value(QLatin1String("error")).toString().contains(QLatin1String("limit")));
        QCOMPARE(reply->header("Connection"), QByteArray("close"));
        QVERIFY(connection.waitForClose(5000));
    }
}

// An external nats-server with a max_payload (4096) far under --max-payload (64 KiB): the limit that
// tells the truth is max_payload minus the NATS headers ackhook publishes for the event. A body
// exactly at it is stored; one byte more is 413 naming the limit, never published, never queued.
void TestFailedQueue::serverMaxPayloadCountsHeaders()
{
    constexpr qint64 MaxPayload = 4096;
    QTemporaryDir natsDir;
    QVERIFY(natsDir.isValid());
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = natsDir.path();
    natsOptions.maxPayload = MaxPayload; // written to a config file: nats-server has no flag for it
    EmbeddedNats nats(natsOptions);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    QVERIFY(QFile::exists(nats.configFile()));

    RuntimeConfig config;
    config.gateway.natsUrls = { nats.url() };
    config.gateway.maxPayload = 64 * 1024;
    startRuntime(config);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->bus()->maxPayload(), MaxPayload, 5000);
    QCOMPARE(m_runtime->gateway()->bus()->status().maxPayload, MaxPayload);
    QCOMPARE(post(uniqueKey()).status, 200);
    m_runtime->failedEvents()->flush();
    const FailedQueueStats before = m_runtime->failedEvents()->stats();

    // Same header lengths for every request (keys of one length): the limit is the same for each.
    const auto send = [&](qint64 size) {
        HttpClient connection(m_port);
        QByteArray body(size, 'b');
        connection.send(rawRequest("POST", "/webhook", body,
            { { "Content-Type", "application/octet-stream" }, { "Idempotency-Key", uniqueKey() } }));
        auto reply = connection.readReply(20000);
        if (reply && reply->status == 413)
            (void)connection.waitForClose(5000);
        return reply;
    };

    // Under --max-payload, over max_payload with the headers: 413 with the limit in the body.
    const auto refused = send(MaxPayload);
    QVERIFY2(refused, "no answer");
    QCOMPARE(refused->status, 413);
    const QJsonObject answer = refused->json();
    QCOMPARE(answer.value(QLatin1String("reason")).toString(), QStringLiteral("too_large"));
    QCOMPARE(answer.value(QLatin1String("max_payload")).toInteger(), MaxPayload);
    const qint64 headerBytes = answer.value(QLatin1String("header_bytes")).toInteger();
    QVERIFY2(headerBytes > 100, qPrintable(QString::number(headerBytes))); // Nats-Msg-Id and ackhook's own
    const qint64 limit = answer.value(QLatin1String("limit")).toInteger();
    QCOMPARE(limit, MaxPayload - headerBytes);
    const QString message = answer.value(QLatin1String("error")).toString();
    QVERIFY2(message.contains(QLatin1String("max_payload of 4096 bytes")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("plus %1 bytes of NATS headers").arg(headerBytes)), qPrintable(message));
    QCOMPARE(refused->header("Connection"), QByteArray("close"));

    // Exactly at the limit: the header bytes are counted as cnats encodes them, not one byte too few.
    const auto fits = send(limit);
    QVERIFY2(fits, "no answer");
    QCOMPARE(fits->status, 200);
    StreamReader reader(nats.url());
    const auto stored = reader.message("EVENTS", fits->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->data.size(), limit);

    const auto oneOver = send(limit + 1);
    QVERIFY2(oneOver, "no answer");
    QCOMPARE(oneOver->status, 413);
    QCOMPARE(oneOver->json().value(QLatin1String("limit")).toInteger(), limit);

    // A CloudEvents batch with one event NATS cannot take is refused whole: its small event is not
    // published either.
    const qsizetype storedBefore = reader.all("EVENTS").size();
    const QByteArray small = R"({"specversion":"1.0","id":")" + uniqueKey() + R"(","source":"/b","type":"t","data":"s"})";
    const QByteArray large = R"({"specversion":"1.0","id":")" + uniqueKey() + R"(","source":"/b","type":"t","data":")"
        + QByteArray(MaxPayload, 'x') + R"("})";
    const auto batch = request(m_port, "POST", "/webhook", "[" + small + "," + large + "]",
        { { "Content-Type", "application/cloudevents-batch+json" } });
    QVERIFY2(batch, "no answer");
    QCOMPARE(batch->status, 413);
    QCOMPARE(batch->json().value(QLatin1String("reason")).toString(), QStringLiteral("too_large"));
    QCOMPARE(reader.all("EVENTS").size(), storedBefore);

    waitUntilNothingInFlight();
    const FailedQueueStats after = m_runtime->failedEvents()->stats();
    QCOMPARE(after.total, before.total); // a 413 is a refusal, not a dispatch failure: nothing queued
    QCOMPARE(after.pending, before.pending);
    stopRuntime(); // before the nats-server it publishes to
}

// A replay republishes the message as it was first published: its Nats-Msg-Id, its query string
// and ackhook's Ackhook-* headers (the time it was received, not the time of the replay), not only
// the key and Content-Type.
void TestFailedQueue::replayPublishesWhatWasFirstPublished()
{
    setOutage("down");
    const QByteArray key = uniqueKey();
    const qint64 sentMs = QDateTime::currentMSecsSinceEpoch();
    const auto failed = request(m_port, "POST", "/webhook?source=shop&n=7", "{\"order\":7}",
        { { "Content-Type", "application/json" }, { "Idempotency-Key", key } });
    QVERIFY(failed);
    QCOMPARE(failed->status, 500);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 1, 2000);
    const QJsonObject queued = admin("GET", "/api/failed").json().value(QLatin1String("events")).toArray().first().toObject();
    QCOMPARE(queued.value(QLatin1String("target")).toString(), QStringLiteral("/webhook?source=shop&n=7"));
    QCOMPARE(queued.value(QLatin1String("key")).toString(), QString::fromLatin1(key));
    QCOMPARE(queued.value(QLatin1String("msg_id")).toString(), QString::fromLatin1(scopedMsgId("/webhook", key)));

    setOutage("off");
    QTest::qWait(20); // the replay's time stamp must be able to differ from the first attempt's
    const qint64 replayMs = QDateTime::currentMSecsSinceEpoch();
    const HttpReply reply = admin("POST", "/api/failed/replay", R"({"all":true})");
    QCOMPARE(reply.status, 200);
    const QJsonObject result = reply.json().value(QLatin1String("results")).toArray().first().toObject();
    QCOMPARE(result.value(QLatin1String("status")).toString(), QStringLiteral("replayed"));

    StreamReader reader(m_runtime->embeddedNats()->url());
    const auto stored = reader.message("EVENTS", result.value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->data, QByteArray("{\"order\":7}"));
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", key));
    QCOMPARE(stored->header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(stored->header("Ackhook-Query"), QByteArray("source=shop&n=7"));
    QCOMPARE(stored->header("Ackhook-Endpoint"), QByteArray("webhook"));
    QCOMPARE(stored->header("Ackhook-Remote-Addr"), QByteArray("127.0.0.1"));
    const QDateTime received = QDateTime::fromString(QString::fromLatin1(stored->header("Ackhook-Received")), Qt::ISODateWithMs);
    QVERIFY2(received.isValid(), stored->header("Ackhook-Received").constData());
    QVERIFY2(received.toMSecsSinceEpoch() >= sentMs - 1 && received.toMSecsSinceEpoch() < replayMs,
        "Ackhook-Received must be when the webhook came, not when it was replayed");
}

// A full disk, for real and without root: ackhook runs under a file-size limit (RLIMIT_FSIZE), so a
// commit past it fails as on a full disk. The queue must never report as saved what is not on disk:
// the batch stays in memory (uncommitted), /ready says why, and once there is room again it is
// committed; what /api/status called pending is exactly what a restart finds.
void TestFailedQueue::fullDiskNeverCountsUncommittedEventsAsSaved()
{
    QTemporaryDir natsDir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = natsDir.path();
    EmbeddedNats nats(natsOptions); // outside the limit: the test's own nats-server
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    const rlim_t limit = 1536 * 1024;
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    const QStringList arguments { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--nats-url"), nats.url(), QStringLiteral("--outage"), QStringLiteral("down") };
    auto ackhook = std::make_unique<AckhookProcess>(arguments, QProcessEnvironment::systemEnvironment(), [limit] {
        const rlimit fileSize { limit, limit };
        ::setrlimit(RLIMIT_FSIZE, &fileSize);
    });
    QVERIFY2(ackhook->waitUntilListening(),
        qPrintable(QString::fromUtf8(ackhook->err() + ackhook->out()) + ackhook->process().errorString()));
    const auto queueStatus = [&] {
        const auto reply = request(ackhook->adminPort(), "GET", "/api/status");
        return reply ? reply->json().value(QLatin1String("failed_queue")).toObject() : QJsonObject();
    };

    // 300 KB bodies: four or five fit, then every commit fails. Each is still answered 500.
    const QByteArray body = "{\"pad\":\"" + QByteArray(300 * 1000, 'x') + "\"}";
    constexpr int Failures = 8;
    for (int i = 0; i < Failures; ++i) {
        const auto reply = request(port, "POST", "/webhook", body, { { "Idempotency-Key", uniqueKey() } });
        QVERIFY2(reply, "no answer: did ackhook crash?");
        QCOMPARE(reply->status, 500);
    }
    QTRY_VERIFY_WITH_TIMEOUT(!queueStatus().value(QLatin1String("commit_error")).toString().isEmpty(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(queueStatus().value(QLatin1String("pending")).toInteger()
            + queueStatus().value(QLatin1String("uncommitted")).toInteger(),
        qint64(Failures), 10000);
    const QJsonObject full = queueStatus();
    const qint64 pending = full.value(QLatin1String("pending")).toInteger();
    qInfo() << pending << "committed," << full.value(QLatin1String("uncommitted")).toInteger() << "held:"
            << full.value(QLatin1String("commit_error")).toString();
    QVERIFY(pending < Failures);
    QVERIFY(full.value(QLatin1String("uncommitted")).toInteger() > 0);
    QCOMPARE(full.value(QLatin1String("unrecorded")).toInteger(), 0);
    const auto ready = request(port, "GET", "/ready");
    QVERIFY(ready);
    QCOMPARE(ready->status, 503);
    QVERIFY2(ready->body.contains("failed-event queue cannot commit"), ready->body.constData());
    const auto metrics = request(ackhook->adminPort(), "GET", "/metrics");
    QVERIFY(metrics);
    QVERIFY2(metrics->body.contains(QByteArray("\nackhook_failed_events_uncommitted " + QByteArray::number(Failures - pending))),
        metrics->body.constData());
    QVERIFY2(metrics->body.contains(QByteArray("\nackhook_failed_events{state=\"pending\"} " + QByteArray::number(pending))),
        metrics->body.constData());

    // What /api/status calls pending is on disk: a kill -9 now keeps exactly those.
    {
        ::kill(static_cast<pid_t>(ackhook->pid()), SIGKILL);
        QVERIFY(ackhook->process().waitForFinished(10000));
        AckhookProcess again(arguments);
        QVERIFY2(again.waitUntilListening(), again.err().constData());
        const auto list = request(again.adminPort(), "GET", "/api/failed?limit=100");
        QVERIFY(list);
        QCOMPARE(list->json().value(QLatin1String("events")).toArray().size(), pending);
        ::kill(static_cast<pid_t>(again.pid()), SIGTERM);
        QVERIFY(again.process().waitForFinished(15000));
    }

    // Room again (the limit of the running process raised): the held batch is committed by the retry.
    ackhook = std::make_unique<AckhookProcess>(arguments, QProcessEnvironment::systemEnvironment(), [limit] {
        const rlimit fileSize { limit, RLIM_INFINITY }; // a soft limit: this test may raise it later
        ::setrlimit(RLIMIT_FSIZE, &fileSize);
    });
    QVERIFY2(ackhook->waitUntilListening(), ackhook->err().constData());
    for (int i = 0; i < Failures; ++i)
        QCOMPARE(request(port, "POST", "/webhook", body, { { "Idempotency-Key", uniqueKey() } })->status, 500);
    QTRY_VERIFY_WITH_TIMEOUT(queueStatus().value(QLatin1String("uncommitted")).toInteger() > 0, 10000);
    const rlimit unlimited { RLIM_INFINITY, RLIM_INFINITY };
    QCOMPARE(::prlimit(static_cast<pid_t>(ackhook->pid()), RLIMIT_FSIZE, &unlimited, nullptr), 0);
    QTRY_COMPARE_WITH_TIMEOUT(queueStatus().value(QLatin1String("uncommitted")).toInteger(), qint64(0), 10000);
    QVERIFY(queueStatus().value(QLatin1String("commit_error")).isNull());
    const qint64 total = pending + Failures;
    QCOMPARE(queueStatus().value(QLatin1String("pending")).toInteger(), total);
    const auto readyAgain = request(port, "GET", "/ready");
    QVERIFY(readyAgain);
    QVERIFY2(!readyAgain->body.contains("failed-event queue"), readyAgain->body.constData()); // only the outage

    ::kill(static_cast<pid_t>(ackhook->pid()), SIGTERM);
    QVERIFY(ackhook->process().waitForFinished(15000));
    ackhook->collect();
    QCOMPARE(ackhook->process().exitCode(), 0);
    QVERIFY2(ackhook->err().contains("committed again"), ackhook->err().right(3000).constData());
    const QByteArray reports = ackhook->sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
    AckhookProcess last(arguments);
    QVERIFY2(last.waitUntilListening(), last.err().constData());
    const auto list = request(last.adminPort(), "GET", "/api/failed?limit=100");
    QVERIFY(list);
    QCOMPARE(list->json().value(QLatin1String("events")).toArray().size(), total);
}

QTEST_GUILESS_MAIN(TestFailedQueue)
#include "tst_failedqueue.moc"
