// NatsBus in event-loop mode (ACKHOOK_NATS_EVENT_LOOP=1): cnats driven by this thread, PubAcks read
// from the inbox subscription here; every publish resolved exactly once, whatever NATS does.
#include "dispatch/dispatcher.h"
#include "nats/embeddednats.h"
#include "nats/inboxpublisher.h"
#include "nats/natsbus.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>

using namespace TestSupport;
using namespace std::chrono_literals;

class TestNatsLoop : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void parsePubAck_data();
    void parsePubAck();
    void burstIsAckedOnThisThread();
    void uncoveredSubjectFailsAsNoStream();
    void frozenServerTimesOutOnce();
    void killedServerFailsEachPendingOnce();
    void moveKeepsEveryPublish();
    void cleanup();

private:
    struct Outcomes {
        QList<PublishResult> results;
        QMultiHash<int, int> byIndex; // dispatch index -> how many times resolved
        Dispatcher::Completion recorder(int index)
        {
            return [this, index](const PublishResult &r) {
                results.append(r);
                byIndex.insert(index, 1);
            };
        }
    };
    std::unique_ptr<NatsBus> startBus(const QString &url, std::chrono::milliseconds pingInterval = 2000ms);
    // An embedded nats-server of its own and a bus on it whose stream is ready (m_nats, m_bus);
    // the test returns when it fails. cleanup() stops both.
    void startServed(std::chrono::milliseconds pingInterval = 2000ms);
    static OutgoingEvent event(const QByteArray &subject = "ackhook.webhook");

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<EmbeddedNats> m_nats;
    std::unique_ptr<NatsBus> m_bus;
};

void TestNatsLoop::initTestCase()
{
    qputenv("ACKHOOK_NATS_EVENT_LOOP", "1");
}

void TestNatsLoop::parsePubAck_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<bool>("acked");
    QTest::addColumn<QString>("stream");
    QTest::addColumn<quint64>("seq");
    QTest::addColumn<bool>("duplicate");
    QTest::addColumn<FailureReason>("reason");
    QTest::addRow("ack") << QByteArray(R"({"stream":"EVENTS","seq":42})") << true << "EVENTS" << quint64(42) << false
                         << FailureReason::None;
    QTest::addRow("duplicate") << QByteArray(R"({"stream":"EVENTS", "seq":7,"duplicate":true})") << true << "EVENTS"
                               << quint64(7) << true << FailureReason::None;
    QTest::addRow("duplicate, nats-server 2.9") << QByteArray(R"({"stream":"EVENTS", "seq":7,"duplicate": true})")
                                                << true << "EVENTS" << quint64(7) << true << FailureReason::None;
    QTest::addRow("not duplicate") << QByteArray(R"({"stream":"EVENTS", "seq":7,"duplicate": false})") << true
                                   << "EVENTS" << quint64(7) << false << FailureReason::None;
    QTest::addRow("domain") << QByteArray(R"({"stream":"S","domain":"hub","seq":1})") << true << "S" << quint64(1)
                            << false << FailureReason::None;
    QTest::addRow("wrong stream") << QByteArray(
        R"({"error":{"code":400,"err_code":10060,"description":"expected stream does not match"}})")
                                  << false << "" << quint64(0) << false << FailureReason::NoStream;
    QTest::addRow("too large") << QByteArray(
        R"({"error":{"code":400,"err_code":10054,"description":"message size exceeds maximum allowed"}})")
                               << false << "" << quint64(0) << false << FailureReason::Nack;
    QTest::addRow("garbage") << QByteArray("{\"seq\":") << false << "" << quint64(0) << false
                             << FailureReason::PublishError;
    QTest::addRow("empty") << QByteArray() << false << "" << quint64(0) << false << FailureReason::PublishError;
}

void TestNatsLoop::parsePubAck()
{
    QFETCH(QByteArray, json);
    const PublishResult result = InboxPublisher::parsePubAck(json.constData(), static_cast<int>(json.size()));
    QTEST(result.acked, "acked");
    QTEST(result.stream, "stream");
    QTEST(result.seq, "seq");
    QTEST(result.duplicate, "duplicate");
    QTEST(result.reason, "reason");
}

OutgoingEvent TestNatsLoop::event(const QByteArray &subject)
{
    return OutgoingEvent { subject, uniqueKey(), QByteArray(1024, 'x'), { { "Content-Type", "application/json" } } };
}

std::unique_ptr<NatsBus> TestNatsLoop::startBus(const QString &url, std::chrono::milliseconds pingInterval)
{
    NatsBus::Options options;
    options.urls = { url };
    options.stream.name = QStringLiteral("EVENTS");
    options.stream.subjects = { QStringLiteral("ackhook.>") };
    options.requiredSubjects = { "ackhook.webhook" };
    options.pingInterval = pingInterval;
    options.maxPingsOut = 1;
    auto bus = std::make_unique<NatsBus>(options);
    if (!bus->usesEventLoop())
        return {};
    QString error;
    if (!bus->start(&error)) {
        qWarning() << error;
        return {};
    }
    return bus;
}

void TestNatsLoop::startServed(std::chrono::milliseconds pingInterval)
{
    m_dir = std::make_unique<QTemporaryDir>();
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = m_dir->path();
    m_nats = std::make_unique<EmbeddedNats>(natsOptions);
    QString error;
    QVERIFY2(m_nats->start(&error), qPrintable(error));
    m_bus = startBus(m_nats->url(), pingInterval);
    QVERIFY(m_bus);
    QTRY_VERIFY_WITH_TIMEOUT(m_bus->isStreamReady(), 10000);
}

void TestNatsLoop::cleanup()
{
    m_bus.reset(); // before its server
    m_nats.reset();
    m_dir.reset();
}

void TestNatsLoop::burstIsAckedOnThisThread()
{
    startServed();
    if (QTest::currentTestFailed())
        return;
    auto &bus = m_bus;
    EmbeddedNats &nats = *m_nats;

    Dispatcher dispatcher(bus.get(), { 5000ms, 100000 });
    Outcomes outcomes;
    constexpr int Count = 2000;
    for (int i = 0; i < Count; ++i)
        dispatcher.dispatch(event(), outcomes.recorder(i));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), Count, 20000);
    QSet<quint64> seqs;
    for (const PublishResult &r : std::as_const(outcomes.results)) {
        QVERIFY2(r.acked, qPrintable(r.detail));
        QCOMPARE(r.stream, QStringLiteral("EVENTS"));
        seqs.insert(r.seq);
    }
    QCOMPARE(seqs.size(), Count); // each its own message
    QCOMPARE(outcomes.byIndex.size(), Count);
    QCOMPARE(outcomes.byIndex.uniqueKeys().size(), Count);
    QCOMPARE(bus->pendingPublishes(), 0);
    QCOMPARE(dispatcher.lateReports(), quint64(0));
    StreamReader reader(nats.url());
    QCOMPARE(reader.messageCount("EVENTS"), quint64(Count));
}

void TestNatsLoop::uncoveredSubjectFailsAsNoStream()
{
    startServed();
    if (QTest::currentTestFailed())
        return;
    auto &bus = m_bus;

    // No stream captures it: the server's 503 (no responders) resolves it quickly, as no_stream.
    Dispatcher dispatcher(bus.get(), { 5000ms, 1000 });
    Outcomes outcomes;
    QElapsedTimer timer;
    timer.start();
    dispatcher.dispatch(event("elsewhere.none"), outcomes.recorder(0));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 1, 3000);
    QVERIFY(timer.elapsed() < 3000);
    QCOMPARE(outcomes.results[0].reason, FailureReason::NoStream);
    // And the next publish to a captured subject is stored as usual.
    dispatcher.dispatch(event(), outcomes.recorder(1));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 2, 5000);
    QVERIFY2(outcomes.results[1].acked, qPrintable(outcomes.results[1].detail));
}

void TestNatsLoop::frozenServerTimesOutOnce()
{
    startServed(10000ms); // the ping does not notice within the test
    if (QTest::currentTestFailed())
        return;
    auto &bus = m_bus;
    EmbeddedNats &nats = *m_nats;

    Dispatcher dispatcher(bus.get(), { 500ms, 1000 });
    Outcomes outcomes;
    stopProcess(nats.pid());
    for (int i = 0; i < 50; ++i)
        dispatcher.dispatch(event(), outcomes.recorder(i));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 50, 3000);
    for (const PublishResult &r : std::as_const(outcomes.results))
        QCOMPARE(r.reason, FailureReason::Timeout);
    // The publisher's own deadline (ack timeout + the cleanup margin) forgets them too.
    QTRY_COMPARE_WITH_TIMEOUT(bus->pendingPublishes(), 0, 3000);
    QCOMPARE(outcomes.byIndex.size(), 50);
    continueProcess(nats.pid());
    // Answers that come after their deadline are dropped, not delivered twice.
    dispatcher.dispatch(event(), outcomes.recorder(50));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 51, 5000);
    QVERIFY2(outcomes.results.last().acked, qPrintable(outcomes.results.last().detail));
    QCOMPARE(outcomes.byIndex.size(), 51);
}

void TestNatsLoop::killedServerFailsEachPendingOnce()
{
    startServed();
    if (QTest::currentTestFailed())
        return;
    auto &bus = m_bus;
    EmbeddedNats &nats = *m_nats;

    Dispatcher dispatcher(bus.get(), { 5000ms, 100000 });
    Outcomes outcomes;
    stopProcess(nats.pid()); // in flight for sure
    constexpr int Count = 300;
    for (int i = 0; i < Count; ++i)
        dispatcher.dispatch(event(), outcomes.recorder(i));
    ::kill(static_cast<pid_t>(nats.pid()), SIGKILL);
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), Count, 4000); // before the 5 s ack timeout
    for (const PublishResult &r : std::as_const(outcomes.results))
        QCOMPARE(r.reason, FailureReason::Disconnected);
    QCOMPARE(outcomes.byIndex.size(), Count);
    QCOMPARE(outcomes.byIndex.uniqueKeys().size(), Count);
    QCOMPARE(bus->pendingPublishes(), 0);
    // Fast-fail while it is gone.
    dispatcher.dispatch(event(), outcomes.recorder(Count));
    QCOMPARE(outcomes.results.size(), Count + 1);
    QCOMPARE(outcomes.results.last().reason, FailureReason::Disconnected);
}

void TestNatsLoop::moveKeepsEveryPublish()
{
    // Make before break (the fault proxy's path switch): publishes in flight on the old connection
    // get their PubAcks there; new ones go out on the new connection, read by this thread too.
    startServed();
    if (QTest::currentTestFailed())
        return;
    auto &bus = m_bus;
    EmbeddedNats &nats = *m_nats;
    Dispatcher dispatcher(bus.get(), { 5000ms, 100000 });
    Outcomes outcomes;
    for (int i = 0; i < 200; ++i)
        dispatcher.dispatch(event(), outcomes.recorder(i));
    // The same URL with discovered servers now ignored is a new connection too (a move only needs
    // different options), and it keeps the traffic on 127.0.0.1: "localhost" may not resolve at
    // all (a fresh Debian root has no /etc/hosts).
    QString error;
    QVERIFY2(bus->moveTo({ nats.url() }, true, &error), qPrintable(error));
    QVERIFY(bus->isConnected());
    for (int i = 200; i < 400; ++i)
        dispatcher.dispatch(event(), outcomes.recorder(i));
    QTRY_COMPARE_WITH_TIMEOUT(outcomes.results.size(), 400, 10000);
    for (const PublishResult &r : std::as_const(outcomes.results))
        QVERIFY2(r.acked, qPrintable(r.detail));
    QCOMPARE(outcomes.byIndex.uniqueKeys().size(), 400);
    // The stream look-up on the new connection (a blocking call on the pool) is answered too: the
    // stream's figures come from it.
    QTRY_COMPARE_WITH_TIMEOUT(bus->status().streamMessages, qint64(400), 10000);
    QVERIFY2(bus->status().streamError.isEmpty(), qPrintable(bus->status().streamError));
    QVERIFY(bus->isStreamReady());
    QTRY_VERIFY_WITH_TIMEOUT(bus->status().rttUs >= 0, 5000);
}

QTEST_GUILESS_MAIN(TestNatsLoop)
#include "tst_natsloop.moc"
