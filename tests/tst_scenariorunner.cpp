// The scenario runner end to end in process (real nats-server, real HTTP): its summary per policy
// adds up, matches the stream, and shows the bug only where it is: fire-and-forget. The command
// line refuses unknown policy and scenario names; the real binary warns about fire-and-forget.
#include "ackhookprocess.h"
#include "commandline.h"
#include "lab/lossdetector.h"
#include "scenariorunner.h"
#include "testsupport.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace TestSupport;

class TestScenarioRunner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void downScenario();
    void refusesWhatItCannotRun();
    void commandLine_data();
    void commandLine();
    void headlessWarnsAboutFireAndForget();
};

void TestScenarioRunner::downScenario()
{
    const CommandLine cli
        = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--scenario"), QStringLiteral("down") });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QVERIFY(cli.headless);
    RuntimeConfig config = cli.runtime;
    config.lossGrace = std::chrono::milliseconds(1000);
    config.gateway.fireAndForget.retryFor = std::chrono::milliseconds(300);
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);

    ScenarioRunner::Options options;
    options.ratePerEndpoint = 20;
    options.before = options.outage = options.after = std::chrono::milliseconds(1500);
    options.settleTimeout = std::chrono::milliseconds(20000);
    ScenarioRunner runner(runtime.get(), *ScenarioRunner::find(u"down"), options);
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.start();
    QVERIFY(finished.wait(40000));
    const auto summary = finished.at(0).at(0).value<ScenarioRunner::Summary>();
    QVERIFY2(summary.error.isEmpty(), qPrintable(summary.error));
    QVERIFY(summary.settled);
    QCOMPARE(summary.rows.size(), DispatchPolicyCount);

    quint64 stored = 0;
    for (const ScenarioRunner::Row &row : summary.rows) {
        QVERIFY(row.sent > 50);
        QCOMPARE(row.answered2xx + row.answered5xx + row.otherOrNone, row.sent);
        QCOMPARE(row.otherOrNone, quint64(0));
        QCOMPARE(row.stored + row.lostAfter2xx, row.answered2xx);
        QCOMPARE(row.pending, quint64(0));
        QCOMPARE(row.duplicates, quint64(0));
        stored += row.stored + row.storedAfter5xx;
    }
    const ScenarioRunner::Row &ack = summary.rows.at(int(DispatchPolicy::Ack));
    const ScenarioRunner::Row &ff = summary.rows.at(int(DispatchPolicy::FireAndForget));
    const ScenarioRunner::Row &spool = summary.rows.at(int(DispatchPolicy::Spool));
    QCOMPARE(ack.lostAfter2xx, quint64(0));
    QVERIFY(ack.answered5xx > 0); // the outage was answered honestly
    QCOMPARE(spool.lostAfter2xx, quint64(0));
    QCOMPARE(spool.answered5xx, quint64(0));
    QVERIFY(ff.lostAfter2xx > 0); // the bug, measured
    QCOMPARE(ff.answered5xx, quint64(0));
    // The stream holds exactly what the summary says is stored (nothing else was sent).
    StreamReader reader(runtime->upstreamUrls().first());
    QCOMPARE(reader.messageCount("EVENTS"), stored);

    const QString markdown = summary.markdown();
    QVERIFY(markdown.contains(QLatin1String("| `fire-and-forget` |")));
    QVERIFY(markdown.contains(QStringLiteral("| **%1** |").arg(ff.lostAfter2xx)));
    runtime->shutdownAndWait();
}

void TestScenarioRunner::refusesWhatItCannotRun()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(RuntimeConfig {}, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    const QString problem = ScenarioRunner::problem(runtime.get(), *ScenarioRunner::find(u"down"));
    QVERIFY2(problem.contains(QLatin1String("fire-and-forget, spool")), qPrintable(problem));
    ScenarioRunner runner(runtime.get(), *ScenarioRunner::find(u"down"), {});
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.start();
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.at(0).at(0).value<ScenarioRunner::Summary>().error, problem);
    runtime->shutdownAndWait();
}

void TestScenarioRunner::commandLine_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("error"); // empty: valid
    QTest::addRow("policy ack") << QStringList { QStringLiteral("--policy"), QStringLiteral("ack") } << QString();
    QTest::addRow("policy spool") << QStringList { QStringLiteral("--policy"), QStringLiteral("spool") } << QString();
    QTest::addRow("policy unknown") << QStringList { QStringLiteral("--policy"), QStringLiteral("yolo") }
                                    << QStringLiteral(
                                           "--policy: 'yolo' is not a dispatch policy (ack, fire-and-forget, spool)");
    QTest::addRow("scenario unknown") << QStringList { QStringLiteral("--scenario"), QStringLiteral("meteor") }
                                      << QStringLiteral(
                                             "--scenario: 'meteor' is not a scenario (down, blackhole, nats-kill)");
    QTest::addRow("scenario seconds zero") << QStringList { QStringLiteral("--scenario"), QStringLiteral("down"),
        QStringLiteral("--scenario-seconds"), QStringLiteral("0") }
                                           << QStringLiteral("--scenario-seconds expects seconds between 1 and 3600");
}

void TestScenarioRunner::commandLine()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    const CommandLine cli = CommandLine::parse(QStringList { QStringLiteral("ackhook") } + arguments);
    if (error.isEmpty()) {
        QCOMPARE(cli.action, CommandLine::Action::Run);
        QCOMPARE(dispatchPolicyName(cli.runtime.gateway.defaultPolicy), arguments.at(1));
    } else {
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QCOMPARE(cli.message, error);
    }
}

void TestScenarioRunner::headlessWarnsAboutFireAndForget()
{
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"), dataDir.path(),
        QStringLiteral("--policy"), QStringLiteral("fire-and-forget") });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_VERIFY_WITH_TIMEOUT(
        (ackhook.collect(), ackhook.err().contains("WARNING: fire-and-forget dispatch on /webhook")), 10000);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestScenarioRunner)
#include "tst_scenariorunner.moc"
