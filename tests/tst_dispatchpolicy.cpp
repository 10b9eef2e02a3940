// Dispatch policies side by side on one running ackhook (real nats-server, real HTTP): what each
// answers, and what the stream really holds after an outage (`down` through the fault proxy, and
// the nats-server really stopped). Ground truth is read from the stream over its own connection.
#include "ackhookprocess.h"
#include "spool/spool.h"
#include "testsupport.h"
#include "webhook/eventintake.h"
#include "webhook/webhookserver.h"

#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace TestSupport;

namespace {

struct Sent {
    QList<QByteArray> ok; // answered 2xx
    QList<QByteArray> failed; // answered 5xx
};

RuntimeConfig threePolicies()
{
    RuntimeConfig config;
    Endpoint ack("/ack", "ackhook.ack");
    ack.dispatch = DispatchPolicy::Ack;
    Endpoint ff("/ff", "ackhook.ff");
    ff.dispatch = DispatchPolicy::FireAndForget;
    Endpoint spool("/spool", "ackhook.spool");
    spool.dispatch = DispatchPolicy::Spool;
    config.gateway.endpoints = { ack, ff, spool };
    config.gateway.fireAndForget.retryFor = std::chrono::milliseconds(300);
    config.gateway.fireAndForget.retryInterval = std::chrono::milliseconds(100);
    config.gateway.spoolRetryInterval = std::chrono::milliseconds(100);
    return config;
}

// Every Nats-Msg-Id in the stream, with how often it is there.
QHash<QByteArray, int> storedKeys(const QString &url)
{
    QHash<QByteArray, int> keys;
    StreamReader reader(url);
    if (!reader.isValid())
        return keys;
    for (const StoredMessage &message : reader.all("EVENTS"))
        keys[message.callerKey()] += 1;
    return keys;
}

} // namespace

class TestDispatchPolicy : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void answersPerPolicy();
    void outage_data();
    void outage();
    void spoolFullIs503WithRetryAfter();
    void spoolWithUnusableFileFailsAtStart();
    void defaultPolicyFillsEndpoints();
    void switchAtRuntime();
    void adminApiSwitchesAndSaves();

private:
    static void post(quint16 port, const QByteArray &path, int count, int expectStatus, Sent &sent);
};

void TestDispatchPolicy::post(quint16 port, const QByteArray &path, int count, int expectStatus, Sent &sent)
{
    for (int i = 0; i < count; ++i) {
        const QByteArray key = uniqueKey();
        const auto reply = request(port, "POST", path, "{\"n\":" + QByteArray::number(i) + "}",
            { { "Content-Type", "application/json" }, { "Idempotency-Key", key } });
        QVERIFY2(reply, path.constData());
        QCOMPARE(reply->status, expectStatus);
        (reply->status < 300 ? sent.ok : sent.failed).append(key);
    }
}

void TestDispatchPolicy::answersPerPolicy()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(threePolicies(), dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const quint16 port = runtime->webhookPort();

    const auto ack = request(port, "POST", "/ack", "{}", { { "Idempotency-Key", "k-ack" } });
    QVERIFY(ack);
    QCOMPARE(ack->status, 200);
    QVERIFY(ack->json().value(QLatin1String("seq")).toInteger() > 0);

    const auto ff = request(port, "POST", "/ff", "{}", { { "Idempotency-Key", "k-ff" } });
    QVERIFY(ff);
    QCOMPARE(ff->status, 200);
    QCOMPARE(ff->json().value(QLatin1String("policy")).toString(), QStringLiteral("fire-and-forget"));
    QCOMPARE(ff->json().value(QLatin1String("accepted")).toBool(), true);

    const auto spool = request(port, "POST", "/spool", "{}", { { "Idempotency-Key", "k-spool" } });
    QVERIFY(spool);
    QCOMPARE(spool->status, 202);
    QCOMPARE(spool->json().value(QLatin1String("policy")).toString(), QStringLiteral("spool"));

    QTRY_COMPARE_WITH_TIMEOUT(storedKeys(runtime->upstreamUrls().first()).size(), 3, 5000);
    const QHash<QByteArray, int> keys = storedKeys(runtime->upstreamUrls().first());
    QCOMPARE(keys.value("k-ack"), 1);
    QCOMPARE(keys.value("k-ff"), 1);
    QCOMPARE(keys.value("k-spool"), 1);
    runtime->shutdownAndWait();
}

void TestDispatchPolicy::outage_data()
{
    QTest::addColumn<bool>("killServer");
    QTest::addRow("down") << false;
    QTest::addRow("nats-server stopped") << true;
}

void TestDispatchPolicy::outage()
{
    QFETCH(bool, killServer);
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(threePolicies(), dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const quint16 port = runtime->webhookPort();
    Sent ack, ff, spool;
    constexpr int Before = 5, During = 10, After = 5;

    post(port, "/ack", Before, 200, ack);
    post(port, "/ff", Before, 200, ff);
    post(port, "/spool", Before, 202, spool);
    // What fire-and-forget had published before the outage (its background publish is asynchronous).
    const EventIntake *intake = runtime->gateway()->webhookServer()->intake();
    QTRY_COMPARE_WITH_TIMEOUT(intake->fireAndForget().published, quint64(Before), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->spool()->stats().records, qint64(0), 5000);

    if (killServer) {
        QVERIFY2(runtime->stopEmbeddedNats(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(!runtime->gateway()->bus()->isConnected(), 5000);
    } else {
        QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Down));
    }
    post(port, "/ack", During, 500, ack);
    post(port, "/ff", During, 200, ff);
    post(port, "/spool", During, 202, spool);
    // The outage outlasts fire-and-forget's background retry (300 ms): it gives up on every one.
    QTRY_COMPARE_WITH_TIMEOUT(intake->fireAndForget().dropped, quint64(During), 5000);
    QCOMPARE(runtime->gateway()->spool()->stats().records, qint64(During));

    if (killServer) {
        QVERIFY2(runtime->startEmbeddedNats(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(runtime->gateway()->bus()->isConnected(), 10000);
    } else {
        QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Off));
    }
    post(port, "/ack", After, 200, ack);
    post(port, "/ff", After, 200, ff);
    post(port, "/spool", After, 202, spool);
    QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->spool()->stats().records, qint64(0), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(intake->fireAndForget().published, quint64(Before + After), 5000);

    const QHash<QByteArray, int> stored = storedKeys(runtime->upstreamUrls().first());
    int duplicates = 0;
    for (const int copies : stored)
        duplicates += copies - 1;
    QCOMPARE(duplicates, 0); // exactly once per key
    const auto lostAfter2xx = [&](const Sent &sent) {
        int lost = 0;
        for (const QByteArray &key : sent.ok)
            lost += stored.contains(key) ? 0 : 1;
        return lost;
    };
    QCOMPARE(lostAfter2xx(ack), 0);
    QCOMPARE(lostAfter2xx(spool), 0);
    // The original bug, measured: every event answered 200 during the outage is gone.
    QCOMPARE(lostAfter2xx(ff), During);
    QCOMPARE(ack.failed.size(), During);
    QCOMPARE(stored.size(), 3 * (Before + After) + During); // the spooled ones arrived late
    runtime->shutdownAndWait();
}

void TestDispatchPolicy::spoolFullIs503WithRetryAfter()
{
    QTemporaryDir dir;
    RuntimeConfig config = threePolicies();
    config.gateway.spool.maxRecords = 3;
    config.outage.mode = OutageSettings::Mode::Down; // nothing is forwarded: the spool fills
    QString error;
    auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    Sent sent;
    post(runtime->webhookPort(), "/spool", 3, 202, sent);
    const auto full = request(runtime->webhookPort(), "POST", "/spool", "{}", { { "Idempotency-Key", "one-more" } });
    QVERIFY(full);
    QCOMPARE(full->status, 503);
    QCOMPARE(full->header("Retry-After"), QByteArray("1"));
    QCOMPARE(full->json().value(QLatin1String("reason")).toString(), QStringLiteral("spool_full"));
    QCOMPARE(runtime->gateway()->spool()->stats().refusedFull, quint64(1));

    QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Off));
    QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->spool()->stats().records, qint64(0), 10000);
    const QHash<QByteArray, int> stored = storedKeys(runtime->upstreamUrls().first());
    for (const QByteArray &key : std::as_const(sent.ok))
        QCOMPARE(stored.value(key), 1);
    QVERIFY(!stored.contains("one-more"));
    // Room again: accepted.
    post(runtime->webhookPort(), "/spool", 1, 202, sent);
    runtime->shutdownAndWait();
}

void TestDispatchPolicy::spoolWithUnusableFileFailsAtStart()
{
    QTemporaryDir dir;
    // A path under a regular file: no user (not even root) can create it.
    QFile blocker(dir.filePath(QStringLiteral("not-a-dir")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    RuntimeConfig config = threePolicies();
    config.gateway.spool.path = blocker.fileName() + QStringLiteral("/spool.sqlite");
    QString error;
    auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY(!runtime);
    QVERIFY2(error.contains(QLatin1String("spool")) && error.contains(config.gateway.spool.path), qPrintable(error));
}

void TestDispatchPolicy::defaultPolicyFillsEndpoints()
{
    // An endpoint that names no policy takes --policy: the spool is opened for it too.
    GatewayConfig config = threePolicies().gateway;
    QVERIFY(config.uses(DispatchPolicy::Spool));
    config.endpoints.removeLast();
    QVERIFY(!config.uses(DispatchPolicy::Spool));
    config.defaultPolicy = DispatchPolicy::Spool;
    config.endpoints.append(Endpoint("/plain", "ackhook.plain")); // names none: takes the default
    QVERIFY(config.uses(DispatchPolicy::Spool));
}

void TestDispatchPolicy::switchAtRuntime()
{
    QTemporaryDir dir;
    QFile blocker(dir.filePath(QStringLiteral("not-a-dir")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    RuntimeConfig config;
    config.gateway.endpoints = { Endpoint("/ack", "ackhook.ack") };
    config.gateway.spool.path = blocker.fileName() + QStringLiteral("/spool.sqlite"); // unusable
    QString error;
    auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const quint16 port = runtime->webhookPort();
    QVERIFY(!runtime->lossDetector());

    // Refused clearly, nothing changed: no such endpoint; a spool that cannot be opened.
    QVERIFY(!runtime->setDispatchPolicy(1, DispatchPolicy::FireAndForget, &error));
    QVERIFY2(error.contains(QLatin1String("no endpoint number 1")), qPrintable(error));
    QVERIFY(!runtime->setDispatchPolicy(0, DispatchPolicy::Spool, &error));
    QVERIFY2(error.contains(QLatin1String("cannot switch to the spool policy")) && error.contains(config.gateway.spool.path),
        qPrintable(error));
    QVERIFY(!runtime->gateway()->spool());
    QVERIFY(!runtime->lossDetector());
    QCOMPARE(runtime->status().endpoints.at(0).dispatch, QByteArray("ack"));
    auto reply = request(port, "POST", "/ack", "{}", { { "Idempotency-Key", "still-ack" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);

    // A request in flight keeps the policy it started with: it waits for its PubAck under ack
    // (none comes: blackhole), the switch happens meanwhile, it still ends 500 while new ones get 200.
    OutageSettings blackhole;
    blackhole.mode = OutageSettings::Mode::Blackhole;
    runtime->faultProxy()->setSettings(blackhole);
    HttpClient waiting(port);
    waiting.send(rawRequest("POST", "/ack", "{}", { { "Idempotency-Key", "in-flight" } }));
    QTRY_COMPARE_WITH_TIMEOUT(runtime->status().inFlight, 1, 5000);
    QSignalSpy changed(runtime.get(), &Runtime::dispatchPolicyChanged);
    QVERIFY2(runtime->setDispatchPolicy(0, DispatchPolicy::FireAndForget, &error), qPrintable(error));
    QCOMPARE(changed.count(), 1);
    QCOMPARE(runtime->config().gateway.endpoints.at(0).dispatch, DispatchPolicy::FireAndForget);
    QCOMPARE(runtime->status().endpoints.at(0).dispatch, QByteArray("fire-and-forget"));
    QVERIFY(runtime->lossDetector()); // started for the lab
    reply = request(port, "POST", "/ack", "{}", { { "Idempotency-Key", "ff-now" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->json().value(QLatin1String("policy")).toString(), QStringLiteral("fire-and-forget"));
    const auto old = waiting.readReply(10000);
    QVERIFY(old);
    QCOMPARE(old->status, 500);
    QCOMPARE(old->json().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
    QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Off, 15000));

    // Back to ack: the 200 follows the PubAck again.
    QVERIFY2(runtime->setDispatchPolicy(0, DispatchPolicy::Ack, &error), qPrintable(error));
    reply = request(port, "POST", "/ack", "{}", { { "Idempotency-Key", "ack-again" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);
    runtime->shutdownAndWait();
}

// The admin API switches a policy of the real binary (same bearer token as every admin call); the
// switch is saved in the data directory and wins at the next start while the configuration still
// says what it said; a changed configuration wins over it. fire-and-forget needs "confirm" and is
// never saved.
void TestDispatchPolicy::adminApiSwitchesAndSaves()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ACKHOOK_ADMIN_TOKEN"), QStringLiteral("lab-token"));
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path() };
    const HeaderList auth { { "Authorization", "Bearer lab-token" }, { "Content-Type", "application/json" } };
    const auto call = [&](quint16 admin, const QByteArray &method, const QByteArray &which, const QByteArray &body = {}) {
        return request(admin, method, "/api/endpoints/" + which + "/dispatch", body, auth);
    };
    const auto webhook = [port] {
        return request(port, "POST", "/webhook", "{}",
            { { "Content-Type", "application/json" }, { "Idempotency-Key", uniqueKey() } });
    };
    // Listening comes before the stream is ready: the first event waits for /ready (else a 500).
    const auto ready = [port] {
        const auto reply = request(port, "GET", "/ready");
        return reply && reply->status == 200;
    };
    const auto stop = [](AckhookProcess &ackhook) {
        ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
        QVERIFY(ackhook.process().waitForFinished(15000));
        QCOMPARE(ackhook.process().exitCode(), 0);
    };

    {
        AckhookProcess ackhook(base, environment);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(ready(), 10000);
        const quint16 admin = ackhook.adminPort();
        auto reply = request(admin, "POST", "/api/endpoints/webhook/dispatch", "{\"dispatch\":\"spool\"}",
            { { "Content-Type", "application/json" } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 401);
        // Bad input is named; nothing changes.
        reply = call(admin, "POST", "webhook", "{\"dispatch\":\"yolo\"}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 400);
        QCOMPARE(reply->json().value(QLatin1String("error")).toString(),
            QStringLiteral("'yolo' is not a dispatch policy; one of: ack, fire-and-forget, spool"));
        reply = call(admin, "POST", "webhook", "spool");
        QVERIFY(reply);
        QCOMPARE(reply->status, 400);
        QVERIFY(reply->json().value(QLatin1String("error")).toString().contains(QLatin1String("{\"dispatch\":\"spool\"}")));
        reply = call(admin, "POST", "nowhere", "{\"dispatch\":\"spool\"}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 404);
        QVERIFY(reply->json().value(QLatin1String("error")).toString().startsWith(QLatin1String("no endpoint 'nowhere'")));
        reply = call(admin, "POST", "webhook", "{\"dispatch\":\"fire-and-forget\"}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 400);
        QVERIFY2(reply->json().value(QLatin1String("error")).toString().contains(QLatin1String("\"confirm\":true")),
            reply->body.constData());
        reply = call(admin, "PATCH", "webhook", "{\"dispatch\":\"spool\"}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 405);
        QCOMPARE(reply->header("Allow"), QByteArray("GET, POST, DELETE"));
        reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);

        // To spool: in effect at once, and saved.
        reply = call(admin, "POST", "webhook", "{\"dispatch\":\"spool\"}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QJsonObject state = reply->json();
        QCOMPARE(state.value(QLatin1String("path")).toString(), QStringLiteral("/webhook"));
        QCOMPARE(state.value(QLatin1String("dispatch")).toString(), QStringLiteral("spool"));
        QCOMPARE(state.value(QLatin1String("configured")).toString(), QStringLiteral("ack"));
        QCOMPARE(state.value(QLatin1String("saved"))[QLatin1String("dispatch")].toString(), QStringLiteral("spool"));
        reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 202);
        QVERIFY(QFile::exists(dataDir.filePath(QStringLiteral("dispatch-switches.json"))));
        stop(ackhook);
    }
    {
        // Restarted, configuration unchanged: the saved switch wins, and says so.
        AckhookProcess ackhook(base, environment);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(ready(), 10000);
        const quint16 admin = ackhook.adminPort();
        QTRY_VERIFY_WITH_TIMEOUT(
            (ackhook.collect(), ackhook.err().contains("dispatch policy of /webhook is spool, as switched at")), 5000);
        auto reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 202);
        reply = call(admin, "GET", "0");
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QLatin1String("dispatch")).toString(), QStringLiteral("spool"));
        // fire-and-forget, confirmed: in effect, loudly, and not saved.
        reply = call(admin, "POST", "0", "{\"dispatch\":\"fire-and-forget\",\"confirm\":true}");
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QLatin1String("dispatch")).toString(), QStringLiteral("fire-and-forget"));
        QVERIFY(reply->json().value(QLatin1String("saved")).isNull());
        reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QLatin1String("policy")).toString(), QStringLiteral("fire-and-forget"));
        QTRY_VERIFY_WITH_TIMEOUT(
            (ackhook.collect(), ackhook.err().contains("fire-and-forget dispatch is now on for /webhook")), 5000);
        // Headless: the same warning as at start (then every minute), not only a log line.
        QTRY_VERIFY_WITH_TIMEOUT(
            (ackhook.collect(), ackhook.err().contains("WARNING: fire-and-forget dispatch on /webhook")), 5000);
        stop(ackhook);
    }
    {
        // fire-and-forget did not survive the restart: the configured ack. DELETE goes back to it.
        AckhookProcess ackhook(base, environment);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(ready(), 10000);
        const quint16 admin = ackhook.adminPort();
        auto reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);
        reply = call(admin, "POST", "webhook", "{\"dispatch\":\"spool\"}");
        QVERIFY(reply && reply->status == 200);
        reply = call(admin, "DELETE", "webhook");
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QLatin1String("dispatch")).toString(), QStringLiteral("ack"));
        QVERIFY(reply->json().value(QLatin1String("saved")).isNull());
        reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        reply = call(admin, "POST", "webhook", "{\"dispatch\":\"spool\"}");
        QVERIFY(reply && reply->status == 200);
        stop(ackhook);
    }
    {
        // The configuration changed after the switch: the newer decision wins, the stale switch goes.
        AckhookProcess ackhook(
            base + QStringList { QStringLiteral("--policy"), QStringLiteral("fire-and-forget") }, environment);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        QTRY_VERIFY_WITH_TIMEOUT(ready(), 10000);
        QTRY_VERIFY_WITH_TIMEOUT((ackhook.collect(),
                                     ackhook.err().contains("dispatch policy of /webhook switched to spool at")
                                         && ackhook.err().contains("is dropped: the configuration changed since (ack, "
                                                                   "then fire-and-forget)")),
            5000);
        auto reply = webhook();
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QLatin1String("policy")).toString(), QStringLiteral("fire-and-forget"));
        reply = call(ackhook.adminPort(), "GET", "webhook");
        QVERIFY(reply);
        QVERIFY(reply->json().value(QLatin1String("saved")).isNull());
        QCOMPARE(reply->json().value(QLatin1String("configured")).toString(), QStringLiteral("fire-and-forget"));
        stop(ackhook);
        const QByteArray reports = ackhook.sanitizerReports();
        QVERIFY2(reports.isEmpty(), reports.constData());
    }
}

QTEST_GUILESS_MAIN(TestDispatchPolicy)
#include "tst_dispatchpolicy.moc"
