// The ackhook executable as a user runs it: flags, embedded nats-server, SIGTERM with work in flight.
#include "ackhookprocess.h"
#include "nats/embeddednats.h"
#include "testsupport.h"

#include <QHash>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

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
    void withoutDisplaySaysHowToRunHeadless();
    void headlessOnEmbeddedNats();
    void sigtermAnswersEveryRequestInFlight();
    void shutdownBeforeAnyRequest();
    void natsStartingAfterAckhook();
    void killedDuringFailuresKeepsAConsistentQueue();
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
    QTest::addRow("--help") << QStringList { QStringLiteral("--help") } << 0 << QByteArray("--nats-url")
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
    QVERIFY2(ackhook.out().contains("200 POST /webhook"), ackhook.out().constData());
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
    stopProcess(nats.pid());
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i <= MaxInFlight; ++i) {
        clients.push_back(std::make_unique<HttpClient>(port));
        clients.back()->send(rawRequest(
            "POST", "/webhook", "{}", { { "X-Event-Id", QUuid::createUuid().toByteArray(QUuid::WithoutBraces) } }));
    }
    // One request more than the bound: the last one processed gets 429 at once, and then the
    // other MaxInFlight are certainly in flight.
    int overloaded = -1;
    QElapsedTimer clock;
    clock.start();
    while (overloaded < 0 && clock.elapsed() < AckTimeoutMs / 2) {
        for (size_t i = 0; i < clients.size() && overloaded < 0; ++i) {
            if (const auto reply = clients[i]->readReply(10)) {
                QVERIFY2(reply->status == 429, reply->body.constData());
                overloaded = static_cast<int>(i);
            }
        }
    }
    QVERIFY2(overloaded >= 0, "no 429 for the request beyond --max-inflight");

    ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGTERM);
    clock.restart();
    for (size_t i = 0; i < clients.size(); ++i) {
        if (static_cast<int>(i) == overloaded)
            continue;
        const auto reply = clients[i]->readReply(AckTimeoutMs + 2000);
        QVERIFY2(reply, "a request in flight at SIGTERM was not answered");
        QCOMPARE(reply->status, 500);
        QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
    }
    QVERIFY(ackhook.process().waitForFinished(AckTimeoutMs + 5000));
    ackhook.collect();
    continueProcess(nats.pid());
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
    QVERIFY2(ackhook.err().contains(QByteArray("answering " + QByteArray::number(MaxInFlight) + " requests in flight")),
        ackhook.err().constData());
    QVERIFY(clock.elapsed() < AckTimeoutMs + 3000);
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

void TestAckhook::killedDuringFailuresKeepsAConsistentQueue()
{
    QTemporaryDir dataDir;
    const quint16 port = freePort();
    const QStringList base { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.path() };
    QHash<QByteArray, QByteArray> answered500; // key -> body
    {
        AckhookProcess ackhook(base + QStringList { QStringLiteral("--outage"), QStringLiteral("down") });
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        // A burst of failures from 8 connections; ackhook is killed in the middle of it.
        std::vector<std::unique_ptr<HttpClient>> clients;
        std::vector<QByteArray> inFlight(8);
        for (int i = 0; i < 8; ++i)
            clients.push_back(std::make_unique<HttpClient>(port));
        QElapsedTimer clock;
        clock.start();
        int sent = 0;
        int answered = 0;
        while (answered < 400 && clock.elapsed() < 20000) {
            for (int i = 0; i < 8; ++i) {
                if (inFlight[i].isEmpty()) {
                    inFlight[i] = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
                    const QByteArray body
                        = "{\"key\":\"" + inFlight[i] + "\",\"pad\":\"" + QByteArray(sent % 3000, 'p') + "\"}";
                    clients[i]->send(rawRequest("POST", "/webhook", body, { { "Idempotency-Key", inFlight[i] } }));
                    answered500.insert("pending:" + inFlight[i], body);
                    ++sent;
                } else if (const auto reply = clients[i]->readReply(1)) {
                    QCOMPARE(reply->status, 500);
                    answered500.insert(inFlight[i], answered500.take("pending:" + inFlight[i]));
                    inFlight[i].clear();
                    ++answered;
                }
            }
        }
        ::kill(static_cast<pid_t>(ackhook.process().processId()), SIGKILL);
        QVERIFY(ackhook.process().waitForFinished(5000));
        for (auto it = answered500.begin(); it != answered500.end();) // requests without an answer
            it = it.key().startsWith("pending:") ? answered500.erase(it) : std::next(it);
    }
    QVERIFY(answered500.size() >= 400);

    // The database after a kill -9: intact, and every row whole.
    const QString path = dataDir.filePath(QStringLiteral("failed-events.sqlite"));
    int rows = 0;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("crash-check"));
        db.setDatabaseName(path);
        QVERIFY(db.open());
        QSqlQuery q(db);
        QVERIFY(q.exec(QStringLiteral("PRAGMA integrity_check")) && q.next());
        QCOMPARE(q.value(0).toString(), QStringLiteral("ok"));
        QVERIFY(q.exec(QStringLiteral("SELECT idem_key, body, state FROM failed_events")));
        while (q.next()) {
            ++rows;
            const QByteArray key = q.value(0).toString().toLatin1();
            QVERIFY2(answered500.contains(key), key.constData()); // only failures that were answered 500
            QCOMPARE(q.value(1).toByteArray(), answered500.value(key)); // never a partial row
            QCOMPARE(q.value(2).toString(), QStringLiteral("pending"));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("crash-check"));
    qInfo("%lld failures answered 500 before the kill; %d committed records, all intact",
        static_cast<long long>(answered500.size()), rows);
    QVERIFY(rows > 0);

    // ackhook starts again on the same data directory and lists the same queue.
    AckhookProcess again(base);
    QVERIFY2(again.waitUntilListening(), again.err().constData());
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);
    const auto list = request(again.adminPort(), "GET", "/api/failed?limit=10000");
    QVERIFY(list);
    // (The warm-up requests above may add failures of their own while NATS starts: count ours.)
    int listed = 0;
    for (const QJsonValue &event : list->json().value(QLatin1String("events")).toArray())
        listed += answered500.contains(event[QLatin1String("key")].toString().toLatin1());
    QCOMPARE(listed, rows);
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
