// The scenario runner end to end in process (real nats-server, real HTTP): its summary per policy
// adds up, matches the stream, and shows the bug only where it is: fire-and-forget. The command
// line refuses unknown policy and scenario names; the real binary warns about fire-and-forget.
#include "ackhookprocess.h"
#include "commandline.h"
#include "lab/lossdetector.h"
#include "scenariorunner.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace TestSupport;

// The runtime `ackhook --scenario …` would start, with the lab's waits shortened for a test: a
// one-second grace before an answered event counts as lost, fire-and-forget retrying for 300 ms.
static std::unique_ptr<Runtime> startScenarioRuntime(const CommandLine &cli, const QString &dir, QString *error)
{
    RuntimeConfig config = cli.runtime;
    config.lossGrace = std::chrono::milliseconds(1000);
    config.gateway.fireAndForget.retryFor = std::chrono::milliseconds(300);
    return startRuntime(config, dir, std::chrono::milliseconds(1000), error);
}

class TestScenarioRunner : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void downScenario();
    void fixedSeedReproduces();
    void refusesWhatItCannotRun();
    void seedOnTheCommandLine();
    void commandLine_data();
    void commandLine();
    void headlessWarnsAboutFireAndForget();
    void headlessSummaryAndChart();
};

void TestScenarioRunner::downScenario()
{
    const CommandLine cli
        = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--scenario"), QStringLiteral("down") });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QVERIFY(cli.headless);
    QTemporaryDir dir;
    QString error;
    auto runtime = startScenarioRuntime(cli, dir.path(), &error);
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

// One run of `down` on a fresh ackhook (its own data directory and nats-server) with a fixed seed.
// *traffic: what the spool endpoint's requests carried (all of them reach the stream), in order:
// "n amount note sequence nonce" from each body and key, without the run's stamp and clock.
static ScenarioRunner::Summary runDown(quint32 seed, QStringList *traffic)
{
    const CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--scenario"),
        QStringLiteral("down"), QStringLiteral("--scenario-seed"), QString::number(seed) });
    ScenarioRunner::Summary summary;
    summary.error = QStringLiteral("did not run");
    if (cli.action != CommandLine::Action::Run || cli.scenarioSeed != seed)
        return summary;
    QTemporaryDir dir;
    QString error;
    auto runtime = startScenarioRuntime(cli, dir.path(), &error);
    if (!runtime) {
        summary.error = error;
        return summary;
    }
    QElapsedTimer ready;
    ready.start();
    while (!runtime->status().notReady().isEmpty() && ready.elapsed() < 10000)
        QTest::qWait(20);
    ScenarioRunner::Options options;
    options.ratePerEndpoint = 10;
    options.before = options.outage = options.after = std::chrono::milliseconds(1500);
    options.settleTimeout = std::chrono::milliseconds(20000);
    options.seed = cli.scenarioSeed;
    ScenarioRunner runner(runtime.get(), *ScenarioRunner::find(u"down"), options);
    QSignalSpy finished(&runner, &ScenarioRunner::finished);
    runner.start();
    if (finished.wait(40000))
        summary = finished.at(0).at(0).value<ScenarioRunner::Summary>();
    StreamReader reader(runtime->upstreamUrls().first());
    QMap<int, QString> bySent;
    for (const StoredMessage &message : reader.all("EVENTS")) {
        if (message.subject != "ackhook.lab.spool")
            continue;
        const QJsonObject body = QJsonDocument::fromJson(message.data).object();
        const QList<QByteArray> key = message.callerKey().split('-');
        const int n = body.value(QLatin1String("n")).toInt();
        bySent.insert(n,
            QStringLiteral("%1 %2 %3 %4 %5")
                .arg(n)
                .arg(body.value(QLatin1String("amount")).toInt())
                .arg(body.value(QLatin1String("note")).toString(), QString::fromLatin1(key.value(key.size() - 2)),
                    QString::fromLatin1(key.value(key.size() - 1))));
    }
    *traffic = bySent.values();
    runtime->shutdownAndWait();
    return summary;
}

void TestScenarioRunner::fixedSeedReproduces()
{
    const quint32 seed = 4242;
    QStringList firstTraffic, secondTraffic;
    const ScenarioRunner::Summary first = runDown(seed, &firstTraffic);
    const ScenarioRunner::Summary second = runDown(seed, &secondTraffic);
    // The same requests: bodies and keys drawn from the seed, one for one.
    QCOMPARE(quint64(firstTraffic.size()), first.rows.value(int(DispatchPolicy::Spool)).sent);
    QCOMPARE(firstTraffic, secondTraffic);
    QVERIFY(firstTraffic.value(0).split(QLatin1Char(' ')).value(1).toInt() > 0); // an amount was drawn
    for (const ScenarioRunner::Summary *summary : { &first, &second }) {
        QVERIFY2(summary->error.isEmpty(), qPrintable(summary->error));
        QVERIFY(summary->settled);
        QCOMPARE(summary->seed, seed);
        QVERIFY(summary->markdown().contains(QLatin1String("`--scenario-seed 4242`")));
        QCOMPARE(summary->rows.size(), DispatchPolicyCount);
    }
    // The seed fixes the schedule, so the number sent is the same, exactly, and so is which request
    // falls in which phase. What the outage does to them depends on timing, not traffic: when the
    // client sees the proxy's refusal, the reconnect after recovery (every 250 ms, +-50 ms jitter),
    // fire-and-forget's 300 ms retry window, and a loaded machine's late timers. Together they move
    // the outage's edges by up to ~0.5 s, i.e. up to 5 requests at 10 requests/s from one column to
    // another (two runs on an idle machine differed by 0 to 2). Tolerance: 5 requests, or 20 % of
    // those the outage touched (5xx or lost, about 15 per policy here), whichever is more.
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        const ScenarioRunner::Row &a = first.rows.at(i);
        const ScenarioRunner::Row &b = second.rows.at(i);
        qInfo("%s: sent %llu/%llu 2xx %llu/%llu 5xx %llu/%llu lost %llu/%llu", qPrintable(a.policy), a.sent, b.sent,
            a.answered2xx, b.answered2xx, a.answered5xx, b.answered5xx, a.lostAfter2xx, b.lostAfter2xx);
        QCOMPARE(a.sent, b.sent);
        QVERIFY(a.sent >= 30); // 4.5 s at 10/s, with a mean gap of 100 ms
        const auto close = [](quint64 x, quint64 y, quint64 touched) {
            const quint64 tolerance = std::max<quint64>(5, touched * 20 / 100);
            return (x > y ? x - y : y - x) <= tolerance;
        };
        const quint64 touched = std::max(a.answered5xx + a.lostAfter2xx, b.answered5xx + b.lostAfter2xx);
        QVERIFY2(close(a.answered2xx, b.answered2xx, touched), qPrintable(a.policy));
        QVERIFY2(close(a.answered5xx, b.answered5xx, touched), qPrintable(a.policy));
        QVERIFY2(close(a.lostAfter2xx, b.lostAfter2xx, touched), qPrintable(a.policy));
        QVERIFY2(close(a.stored, b.stored, touched), qPrintable(a.policy));
        QCOMPARE(a.pending, quint64(0));
        QCOMPARE(b.pending, quint64(0));
    }
    for (const ScenarioRunner::Summary *summary : { &first, &second }) {
        QCOMPARE(summary->rows.at(int(DispatchPolicy::Ack)).lostAfter2xx, quint64(0));
        QCOMPARE(summary->rows.at(int(DispatchPolicy::Spool)).lostAfter2xx, quint64(0));
        QVERIFY(summary->rows.at(int(DispatchPolicy::FireAndForget)).lostAfter2xx > 0);
    }
}

void TestScenarioRunner::seedOnTheCommandLine()
{
    const QStringList down { QStringLiteral("ackhook"), QStringLiteral("--scenario"), QStringLiteral("down") };
    CommandLine cli = CommandLine::parse(down);
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QVERIFY(!cli.scenarioSeed); // a random one, drawn by the runner and shown in its summary
    cli = CommandLine::parse(down + QStringList { QStringLiteral("--scenario-seed"), QStringLiteral("4294967295") });
    QCOMPARE(cli.scenarioSeed, std::optional<quint32>(4294967295u));
    for (const QString &bad : { QStringLiteral("-1"), QStringLiteral("4294967296"), QStringLiteral("seven") }) {
        cli = CommandLine::parse(down + QStringList { QStringLiteral("--scenario-seed=") + bad });
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(QLatin1String("--scenario-seed")) && cli.message.contains(bad),
            qPrintable(cli.message));
    }
    qputenv("ACKHOOK_SCENARIO_SEED", "77");
    cli = CommandLine::parse(down);
    qunsetenv("ACKHOOK_SCENARIO_SEED");
    QCOMPARE(cli.scenarioSeed, std::optional<quint32>(77));
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
                                             "--scenario: 'meteor' is not a scenario (down, blackhole, nats-kill, power-cut)");
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

// The real binary, headless, without a display: the summary on stdout and in the data directory,
// and the chart as a PNG (painted on the offscreen platform).
void TestScenarioRunner::headlessSummaryAndChart()
{
    QTemporaryDir dataDir;
    const QString chart = dataDir.filePath(QStringLiteral("chart.png"));
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.remove(QStringLiteral("DISPLAY"));
    environment.remove(QStringLiteral("WAYLAND_DISPLAY"));
    environment.remove(QStringLiteral("QT_QPA_PLATFORM"));
    AckhookProcess ackhook({ QStringLiteral("--scenario"), QStringLiteral("down"), QStringLiteral("--scenario-seconds"),
                               QStringLiteral("1"), QStringLiteral("--scenario-seed"), QStringLiteral("9"),
                               QStringLiteral("--scenario-chart"), chart, QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"), dataDir.path() },
        environment);
    QVERIFY(ackhook.process().waitForFinished(90000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
#ifndef ACKHOOK_HAVE_UI
    // Built without the window: said at once, not a run without its chart.
    QCOMPARE(ackhook.process().exitCode(), 2);
    QVERIFY(ackhook.err().contains("--scenario-chart is not available"));
    return;
#endif
    QVERIFY2(ackhook.process().exitCode() == 0, ackhook.err().right(3000).constData());
    QVERIFY2(ackhook.out().contains("seed 9 (repeat with `--scenario-seed 9`)"), ackhook.out().constData());
    QVERIFY(ackhook.out().contains("| `fire-and-forget` |"));
    QVERIFY(QFile::exists(dataDir.filePath(QStringLiteral("scenario-down.md"))));
    QFile png(chart);
    QVERIFY2(png.open(QIODevice::ReadOnly), qPrintable(chart));
    const QByteArray bytes = png.readAll();
    QVERIFY(bytes.startsWith("\x89PNG\r\n\x1a\n"));
    QVERIFY(bytes.size() > 5000); // three panels of bars and text, not an empty image
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestScenarioRunner)
#include "tst_scenariorunner.moc"
