// The stream contract (docs/DESIGN.md §7): ackhook against a real nats-server started by the test,
// with streams the test makes, edits and deletes behind its back. A stream that does not capture an
// endpoint's subject, or is gone, makes ackhook not ready with a reason and every publish 500
// no_stream (never 200); the stream ackhook creates is bounded; every publish carries
// Nats-Expected-Stream, and the 413 limit counts it.
#include "nats/embeddednats.h"
#include "nats/streamsettings.h"
#include "runtime.h"
#include "store/failedeventstore.h"
#include "testsupport.h"

#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <nats/nats.h>

using namespace TestSupport;

namespace {

constexpr auto AckTimeout = std::chrono::milliseconds(2000);

// The stream's configuration as the server reports it.
std::optional<StreamSettings> streamConfig(const QString &url, const QByteArray &stream)
{
    natsConnection *connection = nullptr;
    jsCtx *js = nullptr;
    std::optional<StreamSettings> result;
    const QByteArray urlBytes = url.toUtf8();
    if (natsConnection_ConnectTo(&connection, urlBytes.constData()) == NATS_OK
        && natsConnection_JetStream(&js, connection, nullptr) == NATS_OK) {
        jsStreamInfo *info = nullptr;
        if (js_GetStreamInfo(&info, js, stream.constData(), nullptr, nullptr) == NATS_OK && info && info->Config)
            result = StreamSettings::fromConfig(*info->Config);
        jsStreamInfo_Destroy(info);
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    return result;
}

} // namespace

class TestStreamContract : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void streamNotCapturingTheSubjectIsNotReady_data();
    void streamNotCapturingTheSubjectIsNotReady();
    void createdStreamHasTheConfiguredBounds_data();
    void createdStreamHasTheConfiguredBounds();
    void moreReplicasThanServersIsNotReady();
    void differingStreamIsWarnedAboutNotChanged();
    void deletedWhileRunning_data();
    void deletedWhileRunning();
    void expectedStreamHeaderIsStored();
    void bodyAtTheLimitCountsTheExpectedStreamHeader();

private:
    void startNats(qint64 maxPayload = 0);
    void startAckhook(RuntimeConfig config, bool waitUntilReady = true);
    HttpReply post(const QByteArray &key, const QByteArray &body = "{\"n\":1}");
    HttpReply get(quint16 port, const QByteArray &path);
    NatsBus::Status busStatus() const { return m_runtime->gateway()->bus()->status(); }

    std::unique_ptr<QTemporaryDir> m_natsDir;
    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<LogCapture> m_log; // every message logged while a test runs (cnats callbacks and the server thread log too)
    std::unique_ptr<EmbeddedNats> m_nats;
    std::unique_ptr<Runtime> m_runtime;
};

void TestStreamContract::initTestCase()
{
    m_log = std::make_unique<LogCapture>();
}

void TestStreamContract::init()
{
    m_log->clear();
}

void TestStreamContract::cleanup()
{
    m_runtime.reset(); // before the nats-server it talks to
    m_nats.reset();
    m_natsDir.reset();
    m_dataDir.reset();
}

void TestStreamContract::startNats(qint64 maxPayload)
{
    m_natsDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_natsDir->isValid());
    EmbeddedNats::Options options;
    options.dataDir = m_natsDir->path();
    options.maxPayload = maxPayload;
    m_nats = std::make_unique<EmbeddedNats>(options);
    QString error;
    QVERIFY2(m_nats->start(&error), qPrintable(error));
}

void TestStreamContract::startAckhook(RuntimeConfig config, bool waitUntilReady)
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dataDir->isValid());
    config.gateway.natsUrls = { m_nats->url() };
    QString error;
    m_runtime = startRuntime(config, m_dataDir->path(), AckTimeout, &error);
    QVERIFY2(m_runtime, qPrintable(error));
    const NatsBus *bus = m_runtime->gateway()->bus();
    if (waitUntilReady)
        QTRY_VERIFY_WITH_TIMEOUT(bus->isStreamReady(), 10000);
    else // until the first look-up gave its verdict
        QTRY_VERIFY_WITH_TIMEOUT(bus->isStreamReady() || !bus->status().streamError.isEmpty(), 10000);
}

HttpReply TestStreamContract::post(const QByteArray &key, const QByteArray &body)
{
    return request(m_runtime->webhookPort(), "POST", "/webhook", body,
        { { "Content-Type", "application/json" }, { "Idempotency-Key", key } })
        .value_or(HttpReply {});
}

HttpReply TestStreamContract::get(quint16 port, const QByteArray &path)
{
    return request(port, "GET", path).value_or(HttpReply {});
}

void TestStreamContract::streamNotCapturingTheSubjectIsNotReady_data()
{
    QTest::addColumn<bool>("otherStreamCaptures");
    // Nothing captures ackhook.webhook: the publish finds no responder.
    QTest::addRow("no stream captures the subject") << false;
    // Another stream does: without Nats-Expected-Stream the event would be stored there and answered 200.
    QTest::addRow("another stream captures it") << true;
}

void TestStreamContract::streamNotCapturingTheSubjectIsNotReady()
{
    QFETCH(bool, otherStreamCaptures);
    startNats();
    StreamReader reader(m_nats->url());
    QVERIFY(reader.isValid());
    QVERIFY(reader.addStream("EVENTS", { "other.>" }));
    if (otherStreamCaptures)
        QVERIFY(reader.addStream("ELSEWHERE", { "ackhook.>" }));

    startAckhook({}, false);
    const QString reason = busStatus().streamError;
    QVERIFY2(!busStatus().streamReady, qPrintable(reason));
    // Names the stream, its subjects and the subject it does not capture.
    QVERIFY2(reason.contains(QLatin1String("stream EVENTS captures [other.>] but not the subject ackhook.webhook")),
        qPrintable(reason));

    const HttpReply ready = get(m_runtime->webhookPort(), "/ready");
    QCOMPARE(ready.status, 503);
    QVERIFY2(ready.body.contains("ackhook.webhook"), ready.body.constData());
    const HttpReply adminReady = get(m_runtime->adminPort(), "/ready");
    QCOMPARE(adminReady.status, 503);
    const QJsonObject status = get(m_runtime->adminPort(), "/api/status").json();
    QCOMPARE(status.value(QLatin1String("ready")).toBool(), false);
    QVERIFY(status.value(QLatin1String("not_ready")).toArray().first().toString().contains(QLatin1String("other.>")));
    QCOMPARE(status.value(QLatin1String("nats")).toObject().value(QLatin1String("stream_error")).toString(), reason);

    for (int i = 0; i < 3; ++i) {
        const HttpReply reply = post(uniqueKey());
        QCOMPARE(reply.status, 500);
        QCOMPARE(reply.json().value(QLatin1String("reason")).toString(), QStringLiteral("no_stream"));
    }
    QCOMPARE(reader.messageCount("EVENTS"), quint64(0));
    if (otherStreamCaptures)
        QCOMPARE(reader.messageCount("ELSEWHERE"), quint64(0));
    m_runtime->failedEvents()->flush();
    const QList<FailedEvent> failed = m_runtime->failedEvents()->list(std::nullopt, 10, 0);
    QCOMPARE(failed.size(), 3);
    QCOMPARE(failed.first().reason, QStringLiteral("no_stream"));
}

void TestStreamContract::createdStreamHasTheConfiguredBounds_data()
{
    QTest::addColumn<bool>("defaults");
    QTest::addRow("defaults: 7d, 1 GiB, 2m, R1, file") << true;
    QTest::addRow("configured") << false;
}

void TestStreamContract::createdStreamHasTheConfiguredBounds()
{
    QFETCH(bool, defaults);
    startNats();
    RuntimeConfig config;
    StreamSettings wanted;
    if (!defaults) {
        wanted.storage = StreamSettings::Storage::Memory;
        wanted.maxAge = std::chrono::hours(1);
        wanted.maxBytes = 10 * 1024 * 1024;
        wanted.maxMsgs = 1000;
        wanted.duplicateWindow = std::chrono::seconds(30);
        config.gateway.stream = QStringLiteral("BOUNDED");
        config.gateway.streamSubjects = { QStringLiteral("ackhook.webhook"), QStringLiteral("ackhook.other.*") };
        wanted.name = config.gateway.stream;
        wanted.subjects = config.gateway.streamSubjects;
        config.gateway.streamSettings = wanted;
    }
    startAckhook(config);

    const auto found = streamConfig(m_nats->url(), wanted.name.toUtf8());
    QVERIFY(found);
    QCOMPARE(found->subjects, wanted.subjects);
    QCOMPARE(found->storage, wanted.storage);
    QCOMPARE(found->maxAge, wanted.maxAge);
    QCOMPARE(found->maxBytes, wanted.maxBytes);
    QCOMPARE(found->maxMsgs, wanted.maxMsgs);
    QCOMPARE(found->duplicateWindow, wanted.duplicateWindow);
    QCOMPARE(found->replicas, 1);
    if (defaults) {
        QCOMPARE(found->maxAge, std::chrono::milliseconds(std::chrono::hours(24 * 7)));
        QCOMPARE(found->maxBytes, qint64(1) << 30);
        QCOMPARE(found->duplicateWindow, std::chrono::milliseconds(std::chrono::minutes(2)));
        QCOMPARE(found->storage, StreamSettings::Storage::File);
    }
    QVERIFY(wanted.differencesFrom(*found).isEmpty());
    QCOMPARE(post(uniqueKey()).status, 200);
    // Created by ackhook: no difference to warn about.
    for (const QString &line : m_log->lines())
        QVERIFY2(!line.contains(QLatin1String("differs from the configuration")), qPrintable(line));
}

void TestStreamContract::moreReplicasThanServersIsNotReady()
{
    startNats();
    RuntimeConfig config;
    config.gateway.streamSettings.replicas = 3; // one server
    startAckhook(config, false);
    const QString reason = busStatus().streamError;
    QVERIFY2(reason.contains(QLatin1String("cannot create stream EVENTS")), qPrintable(reason));
    QVERIFY2(reason.contains(QLatin1String("3 replica(s)")), qPrintable(reason));
    // The JetStream API's own words follow (replicas > 1 need a cluster).
    QVERIFY2(reason.contains(QLatin1String("replicas"), Qt::CaseInsensitive), qPrintable(reason));
    QCOMPARE(get(m_runtime->webhookPort(), "/ready").status, 503);
    const HttpReply reply = post(uniqueKey());
    QCOMPARE(reply.status, 500);
    QCOMPARE(reply.json().value(QLatin1String("reason")).toString(), QStringLiteral("no_stream"));
}

void TestStreamContract::differingStreamIsWarnedAboutNotChanged()
{
    startNats();
    StreamReader reader(m_nats->url());
    QVERIFY(reader.addStream("EVENTS", { "ackhook.>" })); // unbounded: max_age 0, max_bytes -1
    startAckhook({});

    const QStringList lines = m_log->lines();
    const auto warned = [&](QLatin1String text) {
        return std::any_of(lines.cbegin(), lines.cend(), [&](const QString &line) {
            return line.contains(QLatin1String("JetStream stream EVENTS differs from the configuration"))
                && line.contains(text);
        });
    };
    QVERIFY2(warned(QLatin1String("max_age: configured 7d, stream has 0 (unlimited)")),
        qPrintable(lines.join(QLatin1Char('\n'))));
    QVERIFY2(warned(QLatin1String("max_bytes: configured 1073741824, stream has -1 (unlimited)")),
        qPrintable(lines.join(QLatin1Char('\n'))));
    QVERIFY(!warned(QLatin1String("subjects")));
    QVERIFY(!warned(QLatin1String("duplicate_window")));
    QVERIFY(!warned(QLatin1String("replicas")));

    // Someone else's stream: used as it is, not changed.
    const auto found = streamConfig(m_nats->url(), "EVENTS");
    QVERIFY(found);
    QCOMPARE(found->maxAge, std::chrono::milliseconds(0));
    QCOMPARE(found->maxBytes, qint64(-1));
    QCOMPARE(post(uniqueKey()).status, 200);
    QCOMPARE(get(m_runtime->webhookPort(), "/ready").status, 200);
}

void TestStreamContract::deletedWhileRunning_data()
{
    QTest::addColumn<bool>("create");
    QTest::addRow("create = false: stays missing until someone makes it") << false;
    QTest::addRow("create = true: ackhook makes it again") << true;
}

void TestStreamContract::deletedWhileRunning()
{
    QFETCH(bool, create);
    startNats();
    StreamReader reader(m_nats->url());
    if (!create)
        QVERIFY(reader.addStream("EVENTS", { "ackhook.>" }));
    RuntimeConfig config;
    config.gateway.createStream = create;
    startAckhook(config);
    QCOMPARE(post(uniqueKey()).status, 200);
    QCOMPARE(get(m_runtime->webhookPort(), "/ready").status, 200);

    QVERIFY(reader.deleteStream("EVENTS"));
    const QByteArray key = uniqueKey();
    const HttpReply first = post(key);
    if (create && first.status == 200) {
        // The 2 s stream poll re-created the stream between the deletion and this request: the
        // 200 must then name an event that really is in the new stream.
        const auto stored = reader.message("EVENTS", first.json().value(QLatin1String("seq")).toInteger());
        QVERIFY(stored);
        QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", key));
    } else {
        QCOMPARE(first.status, 500);
        QCOMPARE(first.json().value(QLatin1String("reason")).toString(), QStringLiteral("no_stream"));
        m_runtime->failedEvents()->flush();
        const QList<FailedEvent> failed = m_runtime->failedEvents()->list(std::nullopt, 10, 0);
        QCOMPARE(failed.size(), 1);
        QCOMPARE(failed.first().key, key);
        QCOMPARE(failed.first().reason, QStringLiteral("no_stream"));
    }

    if (!create) {
        // Noticed (the failed publish asks at once; the poll would within 2 s): not ready, with why.
        QVERIFY(!busStatus().streamReady);
        QTRY_VERIFY2_WITH_TIMEOUT(busStatus().streamError.contains(QLatin1String("stream EVENTS does not exist")),
            qPrintable(busStatus().streamError), 5000);
        const HttpReply ready = get(m_runtime->webhookPort(), "/ready");
        QCOMPARE(ready.status, 503);
        QVERIFY2(ready.body.contains("stream EVENTS does not exist"), ready.body.constData());
        const QJsonObject status = get(m_runtime->adminPort(), "/api/status").json();
        QCOMPARE(status.value(QLatin1String("ready")).toBool(), false);
        QCOMPARE(status.value(QLatin1String("nats")).toObject().value(QLatin1String("stream_ready")).toBool(), false);
        const HttpReply again = post(uniqueKey());
        QCOMPARE(again.status, 500);
        QCOMPARE(again.json().value(QLatin1String("reason")).toString(), QStringLiteral("no_stream"));
        QVERIFY(!reader.message("EVENTS", 1)); // nothing re-created it
        // Recovery: the operator makes the stream again; the poll finds it.
        QVERIFY(reader.addStream("EVENTS", { "ackhook.>" }));
    } else {
        QTRY_VERIFY_WITH_TIMEOUT(
            m_log->contains({ QStringLiteral("JetStream stream EVENTS was deleted while ackhook ran; created it again") }),
            5000);
    }
    QTRY_VERIFY_WITH_TIMEOUT(busStatus().streamReady, 10000);
    QVERIFY(busStatus().streamError.isEmpty());
    QCOMPARE(get(m_runtime->webhookPort(), "/ready").status, 200);
    const QByteArray after = uniqueKey();
    const HttpReply recovered = post(after);
    QCOMPARE(recovered.status, 200);
    const auto stored = reader.message("EVENTS", recovered.json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", after));
}

void TestStreamContract::expectedStreamHeaderIsStored()
{
    startNats();
    RuntimeConfig config;
    config.gateway.stream = QStringLiteral("HOOKS");
    startAckhook(config);
    const HttpReply reply = post(uniqueKey());
    QCOMPARE(reply.status, 200);
    StreamReader reader(m_nats->url());
    const auto stored = reader.message("HOOKS", reply.json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->header("Nats-Expected-Stream"), QByteArray("HOOKS"));
}

// A server max_payload (4096) far under the body limit, and a long stream name: the limit ackhook
// states counts the Nats-Expected-Stream header it adds; a body at it is stored, one byte more is 413.
void TestStreamContract::bodyAtTheLimitCountsTheExpectedStreamHeader()
{
    constexpr qint64 MaxPayload = 4096;
    const QByteArray name = "A_STREAM_NAME_LONG_ENOUGH_TO_MATTER_IN_THE_HEADER_BYTES";
    startNats(MaxPayload);
    RuntimeConfig config;
    config.gateway.stream = QString::fromLatin1(name);
    config.gateway.maxPayload = 64 * 1024;
    startAckhook(config);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->bus()->maxPayload(), MaxPayload, 5000);

    const auto send = [&](qint64 size) {
        HttpClient connection(m_runtime->webhookPort());
        connection.send(rawRequest("POST", "/webhook", QByteArray(size, 'b'),
            { { "Content-Type", "application/octet-stream" }, { "Idempotency-Key", uniqueKey() } }));
        return connection.readReply(20000).value_or(HttpReply {});
    };
    const HttpReply refused = send(MaxPayload);
    QCOMPARE(refused.status, 413);
    const qint64 headerBytes = refused.json().value(QLatin1String("header_bytes")).toInteger();
    const qint64 limit = refused.json().value(QLatin1String("limit")).toInteger();
    QCOMPARE(limit, MaxPayload - headerBytes);
    const qint64 expectedStreamLine = qsizetype(sizeof "Nats-Expected-Stream: \r\n") - 1 + name.size();
    QVERIFY2(headerBytes > expectedStreamLine, qPrintable(QString::number(headerBytes)));

    const HttpReply fits = send(limit);
    QCOMPARE(fits.status, 200);
    StreamReader reader(m_nats->url());
    const auto stored = reader.message(name, fits.json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->data.size(), limit);
    QCOMPARE(stored->header("Nats-Expected-Stream"), name);

    const HttpReply oneOver = send(limit + 1);
    QCOMPARE(oneOver.status, 413);
    QCOMPARE(oneOver.json().value(QLatin1String("limit")).toInteger(), limit);
}

QTEST_GUILESS_MAIN(TestStreamContract)
#include "tst_streamcontract.moc"
