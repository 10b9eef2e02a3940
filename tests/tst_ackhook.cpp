// The ackhook executable as a user runs it: flags, embedded nats-server, SIGTERM with work in flight.
#include "ackhookprocess.h"
#include "storelagprobe.h"
#include "store/failedeventstore.h"
#include "nats/embeddednats.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

#include <algorithm>
#include <csignal>

using namespace TestSupport;

namespace {
QString binary()
{
    return ackhookBinary();
}

struct Run {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

Run runToEnd(
    const QStringList &arguments, const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment())
{
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(binary(), arguments);
    Run run;
    if (!process.waitForFinished(30000)) {
        process.kill();
        process.waitForFinished();
        return run;
    }
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

} // namespace

namespace {
// The failed-event store commits a batch FailedEventStore::CommitDelayMs after its first failure;
// a kill -9 can lose what is not committed yet. The bound on top of the delay is measured while the
// test runs (StoreLagProbe: the worst wake-up and commit of a thread doing what the store's does),
// not assumed: on 2 cores shared with a build, or under ASan, a ready thread can wait tens of ms.

// The idempotency keys in a failed-event queue file, read after ackhook has gone.
QSet<QByteArray> queuedKeys(const QString &path)
{
    QSet<QByteArray> keys;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("queue-check"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(QStringLiteral("SELECT idem_key FROM failed_events"))) {
                while (q.next())
                    keys.insert(q.value(0).toString().toLatin1());
            }
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(QStringLiteral("queue-check"));
    return keys;
}

qint64 embeddedNatsPid(const QByteArray &log)
{
    const QRegularExpression readyLine(QStringLiteral("nats-server (\\d+) ready"));
    return readyLine.match(QString::fromUtf8(log)).captured(1).toLongLong();
}
} // namespace

class TestAckhook : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void flags_data();
    void flags();
    void helpListsEveryFlag();
    void withoutDisplaySaysHowToRunHeadless();
    void headlessOnEmbeddedNats();
    void sigtermAnswersEveryRequestInFlight();
    void sigtermLeavesEveryAnswered500Queued();
    void shutdownBeforeAnyRequest();
    void secondSignalExitsWithoutAnswering();
    void natsStartingAfterAckhook();
    void benchCeilingVariableIgnored();
    void killedDuringFailuresLosesOnlyTheLastCommitWindow();
    void embeddedNatsDiesWithAckhook();
};

void TestAckhook::initTestCase()
{
    QVERIFY2(QFileInfo(binary()).isExecutable(), "ACKHOOK_BINARY must point at the ackhook executable");
}

void TestAckhook::flags_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QByteArray>("stdoutContains");
    QTest::addColumn<QByteArray>("stderrContains");
    QTest::addRow("--version") << QStringList { QStringLiteral("--version") } << 0 << QByteArray("ackhook 0.")
                               << QByteArray();
    QTest::addRow("unknown flag") << QStringList { QStringLiteral("--bogus") } << 2 << QByteArray()
                                  << QByteArray("bogus");
    QTest::addRow("bad listen") << QStringList { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("x") } << 2
                                << QByteArray() << QByteArray("--listen");
}

void TestAckhook::flags()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, exitCode);
    QFETCH(QByteArray, stdoutContains);
    QFETCH(QByteArray, stderrContains);
    const Run run = runToEnd(arguments);
    QCOMPARE(run.exitCode, exitCode);
    QVERIFY2(run.out.contains(stdoutContains), run.out.constData());
    QVERIFY2(run.err.contains(stderrContains), run.err.constData());
}

void TestAckhook::helpListsEveryFlag()
{
    // The flags of README's "Command line" block: --help shows each, and shows no other.
    const QStringList documented { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("--nats-url"), QStringLiteral("--nats-creds"), QStringLiteral("--nats-nkey"),
        QStringLiteral("--nats-user"), QStringLiteral("--nats-password-file"), QStringLiteral("--nats-token-file"),
        QStringLiteral("--nats-tls"), QStringLiteral("--nats-tls-ca"), QStringLiteral("--nats-tls-cert"),
        QStringLiteral("--nats-tls-key"), QStringLiteral("--nats-tls-hostname"), QStringLiteral("--tls-cert-file"),
        QStringLiteral("--tls-key-file"), QStringLiteral("--fault-proxy"),
        QStringLiteral("--stream"), QStringLiteral("--data-dir"), QStringLiteral("--ack-timeout"),
        QStringLiteral("--max-inflight"), QStringLiteral("--max-payload"), QStringLiteral("--idle-timeout"),
        QStringLiteral("--admin-listen"), QStringLiteral("--admin-token"), QStringLiteral("--outage"),
        QStringLiteral("--no-fault-proxy"), QStringLiteral("--auto-replay"), QStringLiteral("--failed-max-records"),
        QStringLiteral("--failed-max-bytes"), QStringLiteral("--auth-token"), QStringLiteral("--hmac-secret"),
        QStringLiteral("--signature-header"), QStringLiteral("--config"), QStringLiteral("--check-config"),
        QStringLiteral("--help"), QStringLiteral("--version"), QStringLiteral("--stream-replicas"),
        QStringLiteral("--admin-token-file"), QStringLiteral("--admin-allowed-host"), QStringLiteral("--log-format"),
        QStringLiteral("--policy"), QStringLiteral("--loss-detector"), QStringLiteral("--lab-lossy-store"),
        QStringLiteral("--scenario"),
        QStringLiteral("--scenario-seconds"), QStringLiteral("--scenario-seed"), QStringLiteral("--scenario-chart") };
    const Run run = runToEnd({ QStringLiteral("--help") });
    QCOMPARE(run.exitCode, 0);
    const QString help = QString::fromUtf8(run.out);
    QStringList shown;
    const QRegularExpression flag(QStringLiteral("(?<![\\w-])--[a-z][a-z-]*[a-z]"));
    for (auto it = flag.globalMatch(help); it.hasNext();)
        shown.append(it.next().captured());
    shown.removeDuplicates();
    for (const QString &name : documented)
        QVERIFY2(shown.contains(name), qPrintable(name + QStringLiteral(" missing from --help:\n") + help));
    for (const QString &name : std::as_const(shown))
        QVERIFY2(documented.contains(name), qPrintable(name + QStringLiteral(" in --help but not in the README")));
    // And every one of them is a flag the parser knows (an unknown one exits 2 naming it).
    for (const QString &name : documented) {
        if (name == QLatin1String("--help") || name == QLatin1String("--version") || name == QLatin1String("--headless"))
            continue;
        const Run bad = runToEnd({ QStringLiteral("--version"), name });
        QVERIFY2(!bad.err.contains("nknown option"), qPrintable(name + QStringLiteral(": ") + QString::fromUtf8(bad.err)));
    }
}

void TestAckhook::withoutDisplaySaysHowToRunHeadless()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    const Run run = runToEnd({}, environment);
    QVERIFY(run.exitCode > 0); // a clear refusal, not a crash inside Qt
    QVERIFY2(run.err.contains("--headless"), run.err.constData());
}

void TestAckhook::headlessOnEmbeddedNats()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path() });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QVERIFY(ackhook.out().contains("(embedded)"));

    const qint64 natsPid = embeddedNatsPid(ackhook.err());
    QVERIFY(processExists(natsPid));
    QVERIFY(QFileInfo(dataDir.filePath(QStringLiteral("jetstream"))).isDir());

    std::optional<HttpReply> reply;
    QTRY_VERIFY_WITH_TIMEOUT(
        (reply = request(port, "POST", "/webhook", "{}", { { "X-Event-Id", "first" } })) && reply->status == 200,
        10000);
    QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);

    ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
    QVERIFY2(ackhook.out().contains(" info request: status=200 method=POST path=/webhook "), ackhook.out().constData());
    QVERIFY2(!processExists(natsPid), "the embedded nats-server must stop with ackhook");
}

void TestAckhook::sigtermAnswersEveryRequestInFlight()
{
    QTemporaryDir natsDir;
    EmbeddedNats::Options options;
    options.dataDir = natsDir.path();
    EmbeddedNats nats(options);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));

    constexpr int MaxInFlight = 8;
    constexpr int AckTimeoutMs = 2000;
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--nats-url"), nats.url(), QStringLiteral("--max-inflight"), QString::number(MaxInFlight),
        QStringLiteral("--ack-timeout"), QString::number(AckTimeoutMs) });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);

    // Freeze the broker: publishes wait for an ack that comes only after the ack timeout.
    FrozenProcess frozen(nats.pid()); // resumed however this test ends
    std::vector<std::unique_ptr<HttpClient>> clients;
    QByteArrayList keys;
    for (int i = 0; i <= MaxInFlight; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port));
        keys.append(QUuid::createUuid().toByteArray(QUuid::WithoutBraces));
        clients.back()->send(rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", keys.last() } }));
    }
    // One request more than the bound: the last one processed gets 429 at once, and then the
    // other MaxInFlight are certainly in flight.
    // The first answer of all is that 429: the others wait for their ack timeout. (The deadline
    // is a hang bound, far beyond the ack timeout.)
    constexpr int HangMs = AckTimeoutMs + 10000;
    int overloaded = -1;
    const QDeadlineTimer firstAnswer(HangMs);
    while (overloaded < 0 && !firstAnswer.hasExpired()) {
        for (size_t i = 0; i < clients.size() && overloaded < 0; ++i) {
            if (const auto reply = clients[i]->readReply(10)) {
                QVERIFY2(reply->status == 429, reply->body.constData());
                overloaded = static_cast<int>(i);
            }
        }
    }
    QVERIFY2(overloaded >= 0, "no answer at all for the request beyond --max-inflight");

    ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGTERM);
    for (size_t i = 0; i < clients.size(); ++i) {
        if (static_cast<int>(i) == overloaded)
            continue;
        const auto reply = clients[i]->readReply(HangMs);
        QVERIFY2(reply, "a request in flight at SIGTERM was not answered");
        QCOMPARE(reply->status, 500);
        QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
    }
    const bool exited = ackhook.process().waitForFinished(HangMs);
    ackhook.collect();
    QVERIFY2(exited, ackhook.err().right(4000).constData());
    ackhook.collect();
    frozen.resume();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
    QVERIFY2(ackhook.err().contains(QByteArray("answering " + QByteArray::number(MaxInFlight) + " requests in flight")),
        ackhook.err().constData());
    // Each of those 500s, answered while ackhook shut down, is in the queue it left (the 429 is not).
    const QSet<QByteArray> queued = queuedKeys(dataDir.filePath(QStringLiteral("failed-events.sqlite")));
    for (int i = 0; i < keys.size(); ++i)
        QCOMPARE(queued.contains(keys.at(i)), i != overloaded);
}

// SIGTERM in the middle of a stream of failures (NATS unreachable, each answered 500 at once): every
// failure a caller read a 500 for is in the queue after the exit, none lost to the commit delay.
// (Tried: with the store's close() not committing its last batch, 8 and 10 were missing, and the
// test above failed too.)
void TestAckhook::sigtermLeavesEveryAnswered500Queued()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--outage"), QStringLiteral("down") });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    constexpr int Clients = 4;
    constexpr int BeforeSigterm = 400; // failures answered before the signal: the store is busy committing
    std::vector<std::unique_ptr<HttpClient>> clients;
    std::vector<QByteArray> inFlight(Clients);
    QSet<QByteArray> answered500;
    int other = 0;
    const auto sendNext = [&](int i) {
        inFlight[i] = uniqueKey();
        const QByteArray body = "{\"k\":\"" + inFlight[i] + "\"}";
        clients[i]->send(rawRequest("POST", "/webhook", body, { { "Idempotency-Key", inFlight[i] } }));
    };
    for (int i = 0; i < Clients; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port));
        sendNext(i);
    }
    bool signalled = false;
    const QDeadlineTimer deadline(30000);
    while (std::any_of(inFlight.cbegin(), inFlight.cend(), [](const QByteArray &key) { return !key.isEmpty(); })
        && !deadline.hasExpired()) {
        for (int i = 0; i < Clients; ++i) {
            if (inFlight[i].isEmpty())
                continue;
            const auto reply = clients[i]->readReply(1);
            if (!reply) {
                if (!clients[i]->isConnected())
                    inFlight[i].clear(); // closed by the shutdown before an answer: never answered 500
                continue;
            }
            if (reply->status == 500)
                answered500.insert(inFlight[i]);
            else
                ++other;
            inFlight[i].clear();
            if (!signalled && answered500.size() >= BeforeSigterm) {
                ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
                signalled = true;
            }
            if (clients[i]->isConnected())
                sendNext(i); // keeps sending through the shutdown until the connection closes
        }
    }
    QVERIFY2(signalled, "too few failures before the deadline");
    QVERIFY2(ackhook.process().waitForFinished(15000), "no exit after SIGTERM");
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QSet<QByteArray> queued = queuedKeys(dataDir.filePath(QStringLiteral("failed-events.sqlite")));
    QByteArrayList missing;
    for (const QByteArray &key : std::as_const(answered500)) {
        if (!queued.contains(key))
            missing.append(key);
    }
    qInfo("SIGTERM after %d failures answered 500 (%lld in all, %d other answers): %lld queued, %lld missing",
        BeforeSigterm, qint64(answered500.size()), other, qint64(queued.size()), qint64(missing.size()));
    QVERIFY2(missing.isEmpty(), missing.mid(0, 5).join(", ").constData());
    QCOMPARE(queued.size(), answered500.size()); // and nothing else: each failure once
}

void TestAckhook::shutdownBeforeAnyRequest()
{
    // Regression: cnats 3.4.1 crashes collecting pending publishes when none was ever made.
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"), dataDir.path() });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGINT);
    QVERIFY(ackhook.process().waitForFinished(15000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(ackhook.process().exitCode() == 0, ackhook.err().constData());
}

void TestAckhook::secondSignalExitsWithoutAnswering()
{
    QTemporaryDir natsDir;
    EmbeddedNats::Options options;
    options.dataDir = natsDir.path();
    EmbeddedNats nats(options);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    constexpr int AckTimeoutMs = 30000; // the first signal alone would wait this long for the answer
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--nats-url"), nats.url(), QStringLiteral("--ack-timeout"), QString::number(AckTimeoutMs) });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);

    FrozenProcess frozen(nats.pid()); // the next request waits for a PubAck that does not come
    HttpClient caller(port);
    caller.send(rawRequest("POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }));
    const quint16 admin = ackhook.adminPort();
    QTRY_COMPARE_WITH_TIMEOUT(request(admin, "GET", "/api/status")
                                  .value_or(HttpReply {})
                                  .json()
                                  .value(QLatin1String("counters"))
                                  .toObject()
                                  .value(QLatin1String("in_flight"))
                                  .toInt(),
        1, 10000);

    const auto pid = static_cast<pid_t>(ackhook.pid());
    ::kill(pid, SIGTERM);
    QTRY_VERIFY_WITH_TIMEOUT((ackhook.collect(), ackhook.err().contains("answering 1 requests in flight")), 10000);
    QElapsedTimer clock;
    clock.start();
    ::kill(pid, SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(AckTimeoutMs / 2)); // long before the answer was due
    const qint64 exitMs = clock.elapsed();
    ackhook.collect();
    QVERIFY2(ackhook.err().contains("second signal"), ackhook.err().constData());
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 128 + SIGTERM);
    // The caller in flight gets no answer: its connection just closes.
    QVERIFY(!caller.readReply(5000));
    QVERIFY(!caller.isConnected());
    qInfo("second SIGTERM: ackhook exited %lld ms later, status %d, the caller in flight got no answer", exitMs,
        ackhook.process().exitCode());
}

void TestAckhook::natsStartingAfterAckhook()
{
    // Regression: cnats 3.4.1 closes a connection for good when, during its first connection
    // attempts, the proxy accepts and then closes because NATS is not up yet.
    const quint16 natsPort = freePort();
    const quint16 port = freePort();
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:%1").arg(natsPort) });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const auto early = request(port, "POST", "/webhook", "{}");
    QVERIFY(early);
    QCOMPARE(early->status, 500);

    QTemporaryDir natsDir;
    EmbeddedNats::Options options;
    options.dataDir = natsDir.path();
    options.port = natsPort;
    EmbeddedNats nats(options);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);
}

void TestAckhook::benchCeilingVariableIgnored()
{
    // ACKHOOK_BENCH_NO_NATS=1 is the benchmark's HTTP ceiling in ackhook-bench only: the shipped
    // program answers 500 while NATS is down and 200 only for what JetStream stored.
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ACKHOOK_BENCH_NO_NATS"), QStringLiteral("1"));
    const quint16 natsPort = freePort();
    const quint16 port = freePort();
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path(),
                               QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:%1").arg(natsPort) },
        environment);
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const auto down = request(port, "POST", "/webhook", "{}", { { "X-Event-Id", "while-down" } });
    QVERIFY(down);
    QCOMPARE(down->status, 500);

    QTemporaryDir natsDir;
    EmbeddedNats::Options options;
    options.dataDir = natsDir.path();
    options.port = natsPort;
    EmbeddedNats nats(options);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    std::optional<HttpReply> reply;
    QTRY_VERIFY_WITH_TIMEOUT(
        (reply = request(port, "POST", "/webhook", "{}", { { "X-Event-Id", "stored" } })) && reply->status == 200,
        10000);
    QCOMPARE(reply->json().value(QLatin1String("stream")).toString(), QStringLiteral("EVENTS"));
    QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() > 0);
    ackhook.collect();
    QVERIFY2(!ackhook.err().contains("WITHOUT publishing"), ackhook.err().constData());
}

void TestAckhook::killedDuringFailuresLosesOnlyTheLastCommitWindow()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path() };
    // Failures at a known rate: one new request every IntervalUs over Clients connections, each
    // answered 500 at once (--outage down). Every body differs in length, so a partial row shows.
    constexpr int Clients = 4;
    constexpr qint64 IntervalUs = 2500; // 400 failures a second
    // At least RunMs, and at least a second past the measured bound (so that some 400 failures
    // are older than it, whatever the disk's stalls made it), at most MaxRunMs.
    constexpr qint64 RunMs = 2000;
    constexpr qint64 MaxRunMs = 10000;
    QHash<QByteArray, QByteArray> bodies; // key -> body, every request sent
    QHash<QByteArray, qint64> answeredAtUs; // key -> when its 500 was read (the server recorded it before)
    qint64 killAtUs = 0;
    QTemporaryDir probeDir; // beside the data directory: the same file system
    StoreLagProbe probe(probeDir.path());
    {
        AckhookProcess ackhook(base + QStringList { QStringLiteral("--outage"), QStringLiteral("down") });
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        std::vector<std::unique_ptr<HttpClient>> clients;
        std::vector<QByteArray> inFlight(Clients);
        for (int i = 0; i < Clients; ++i)
            clients.push_back(std::make_unique<HttpClient>(port));
        QElapsedTimer clock;
        clock.start();
        qint64 nextDueUs = 0;
        const auto running = [&] {
            const qint64 elapsed = clock.elapsed();
            return elapsed < RunMs || (elapsed < MaxRunMs && elapsed < probe.lossBoundMs() + 1000);
        };
        while (running()) {
            for (int i = 0; i < Clients; ++i) {
                if (inFlight[i].isEmpty()) {
                    if (clock.nsecsElapsed() / 1000 < nextDueUs)
                        continue;
                    nextDueUs += IntervalUs;
                    inFlight[i] = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
                    const QByteArray body = "{\"key\":\"" + inFlight[i] + "\",\"pad\":\""
                        + QByteArray(int(bodies.size() % 3000), 'p') + "\"}";
                    bodies.insert(inFlight[i], body);
                    clients[i]->send(rawRequest("POST", "/webhook", body, { { "Idempotency-Key", inFlight[i] } }));
                } else if (const auto reply = clients[i]->readReply(1)) {
                    QCOMPARE(reply->status, 500);
                    QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("disconnected"));
                    answeredAtUs.insert(inFlight[i], clock.nsecsElapsed() / 1000);
                    inFlight[i].clear();
                }
            }
        }
        killAtUs = clock.nsecsElapsed() / 1000;
        ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGKILL);
        probe.stop();
        QVERIFY(ackhook.process().waitForFinished(5000));
        // Answers still unread were written before the kill: answered, but at an unknown moment
        // before it, so they count as answered at the kill (they need not be committed).
        for (int i = 0; i < Clients; ++i) {
            if (!inFlight[i].isEmpty()) {
                if (const auto reply = clients[i]->readReply(100); reply && reply->status == 500)
                    answeredAtUs.insert(inFlight[i], killAtUs);
            }
        }
    }

    // The database after a kill -9: intact, every row whole, and only requests that were sent.
    const QString path = dataDir.filePath(QStringLiteral("failed-events.sqlite"));
    QHash<QByteArray, bool> committed; // key -> committed (a set)
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("crash-check"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        QVERIFY(q.exec(QStringLiteral("SELECT idem_key, body, state FROM failed_events")));
        while (q.next()) {
            const QByteArray key = q.value(0).toString().toLatin1();
            QVERIFY2(bodies.contains(key), key.constData()); // a request this test sent
            QCOMPARE(q.value(1).toByteArray(), bodies.value(key)); // never a partial row
            QCOMPARE(q.value(2).toString(), QStringLiteral("pending"));
            QVERIFY2(!committed.contains(key), key.constData()); // recorded once
            committed.insert(key, true);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("crash-check"));

    // The bound: a failure answered 500 more than the measured bound before the kill is committed.
    QVERIFY2(probe.error().isEmpty() && probe.commits() > 100, qPrintable(probe.error()));
    const qint64 crashLossBoundMs = probe.lossBoundMs();
    qInfo("bound %lld ms = commit delay %d ms + 2 x (worst wake-up %lld ms + 2 x worst commit %lld ms + 1 ms), "
          "measured over %d commits",
        crashLossBoundMs, FailedEventStore::CommitDelayMs, probe.worstWakeLateMs(), probe.worstCommitMs(),
        probe.commits());
    int required = 0;
    int lost = 0;
    qint64 oldestLostUs = 0; // age at the kill of the oldest answered failure that is not on disk
    QByteArrayList missing;
    for (auto it = answeredAtUs.cbegin(); it != answeredAtUs.cend(); ++it) {
        const qint64 ageUs = killAtUs - it.value();
        const bool isCommitted = committed.contains(it.key());
        if (!isCommitted) {
            ++lost;
            oldestLostUs = qMax(oldestLostUs, ageUs);
        }
        if (ageUs > crashLossBoundMs * 1000) {
            ++required;
            if (!isCommitted)
                missing.append(it.key() + " (answered " + QByteArray::number(ageUs / 1000) + " ms before the kill)");
        }
    }
    qInfo("kill -9 after %lld failures answered 500 in %lld ms (%lld sent): %lld committed, %d answered but lost, "
          "the oldest of them answered %.1f ms before the kill; bound %lld ms",
        qint64(answeredAtUs.size()), killAtUs / 1000, qint64(bodies.size()), qint64(committed.size()), lost,
        double(oldestLostUs) / 1000.0, crashLossBoundMs);
    QVERIFY2(required >= 400, "too few failures to test the bound: the pacing loop fell behind");
    QVERIFY2(missing.isEmpty(), missing.mid(0, 5).join(", ").constData());

    // ackhook starts again on the same data directory and lists the same queue.
    AckhookProcess again(base);
    QVERIFY2(again.waitUntilListening(), again.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);
    const auto list = request(again.adminPort(), "GET", "/api/failed?limit=10000");
    QVERIFY(list);
    // (The warm-up requests above may add failures of their own while NATS starts: count ours.)
    QHash<QByteArray, bool> listed;
    for (const QJsonValue &event : list->json().value(QLatin1String("events")).toArray()) {
        const QByteArray key = event[QLatin1String("key")].toString().toLatin1();
        if (bodies.contains(key))
            listed.insert(key, true);
    }
    QCOMPARE(listed.size(), committed.size());
    QVERIFY(listed == committed);
}

void TestAckhook::embeddedNatsDiesWithAckhook()
{
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"), dataDir.path() });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const qint64 natsPid = embeddedNatsPid(ackhook.err());
    QVERIFY(processExists(natsPid));
    ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGKILL);
    QVERIFY(ackhook.process().waitForFinished(5000));
    // No orphaned nats-server holding the data directory after a crash of ackhook.
    QTRY_VERIFY_WITH_TIMEOUT(!processExists(natsPid), 10000);
}

QTEST_GUILESS_MAIN(TestAckhook)
#include "tst_ackhook.moc"
