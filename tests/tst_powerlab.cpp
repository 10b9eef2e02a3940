// The lab's power cut against the real binary: ackhook --lab-lossy-store keeps its embedded
// nats-server's store on lossyfs; PUT /api/outage {"mode":"power-cut"} SIGKILLs nats-server, drops
// what it did not fsync and starts it again; the loss detector then counts the 200s that vanished.
// And the power-cut scenario end to end, a few seconds of traffic.
#include "ackhookprocess.h"
#include "lossymount.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace TestSupport;

namespace {

QJsonObject lossOf(quint16 adminPort, const char *policy)
{
    const auto status = request(adminPort, "GET", "/api/status");
    if (!status || status->status != 200)
        return {};
    return status->json()[QLatin1String("lab")][QLatin1String("loss")][QLatin1String("policies")]
        [QLatin1String(policy)]
            .toObject();
}

qint64 count(const QJsonObject &counts, const char *name)
{
    return counts.value(QLatin1String(name)).toInteger(-1);
}

qint64 spoolRecords(quint16 adminPort)
{
    const auto status = request(adminPort, "GET", "/api/status");
    if (!status || status->status != 200)
        return -1;
    return status->json()[QLatin1String("lab")][QLatin1String("spool")][QLatin1String("records")].toInteger(-1);
}

// One request at a time on one connection, a new key each; the keys answered 2xx go to *ok.
int send(quint16 port, const QByteArray &path, int events, QList<QByteArray> *ok)
{
    HttpClient client(port);
    int answered = 0;
    for (int i = 0; i < events; ++i) {
        const QByteArray key = uniqueKey();
        client.send(rawRequest("POST", path, "{\"n\":" + QByteArray::number(i) + '}', { { "Idempotency-Key", key } }));
        const auto reply = client.readReply();
        if (!reply)
            break;
        ++answered;
        if (reply->status / 100 == 2)
            ok->append(key);
    }
    return answered;
}

// The "| `policy` | sent | 2xx | 5xx | other | stored | **lost** | stored after 5xx | pending |
// duplicates |" row of a scenario's summary.
QList<qint64> summaryRow(const QByteArray &markdown, const QString &policy)
{
    const QRegularExpression row(QStringLiteral("^\\| `%1` \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| "
                                                "\\*\\*(\\d+)\\*\\* \\| (\\d+) \\| (\\d+) \\| (\\d+) \\|")
                                     .arg(QRegularExpression::escape(policy)),
        QRegularExpression::MultilineOption);
    const QRegularExpressionMatch match = row.match(QString::fromUtf8(markdown));
    QList<qint64> values;
    for (int i = 1; match.hasMatch() && i <= 9; ++i)
        values.append(match.captured(i).toLongLong());
    return values;
}

} // namespace

class TestPowerLab : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void refusedWithoutTheLossyStore();
    void refusedWhereLossyfsIsMissing();
    void powerCutThroughTheAdminApi();
    void powerCutScenario();
};

void TestPowerLab::initTestCase()
{
    const QString reason = fuseUnusableReason();
    // CI installs fuse3: a machine without FUSE is told loudly, never passed by a skip.
    if (!reason.isEmpty() && qEnvironmentVariableIsSet("ACKHOOK_ALLOW_NO_FUSE"))
        QSKIP(qPrintable(reason));
    QVERIFY2(reason.isEmpty(),
        qPrintable(reason + QStringLiteral(" (ACKHOOK_ALLOW_NO_FUSE=1 skips; ctest accepts the skip when configured with ACKHOOK_ALLOW_SKIP=1)")));
}

// Without --lab-lossy-store the mode is refused with the reason, and nothing happens to nats-server.
void TestPowerLab::refusedWithoutTheLossyStore()
{
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"), dataDir.path() });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const auto outage = request(ackhook.adminPort(), "GET", "/api/outage");
    QVERIFY(outage);
    const QJsonObject powerCut = outage->json().value(QLatin1String("power_cut")).toObject();
    QCOMPARE(powerCut.value(QLatin1String("available")).toBool(true), false);
    QVERIFY2(powerCut.value(QLatin1String("refusal")).toString().contains(QLatin1String("--lab-lossy-store")),
        outage->body.constData());
    const auto put = request(ackhook.adminPort(), "PUT", "/api/outage", R"({"mode":"power-cut"})",
        { { "Content-Type", "application/json" } });
    QVERIFY(put);
    QCOMPARE(put->status, 409);
    QVERIFY2(put->body.contains("--lab-lossy-store"), put->body.constData());
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
}

// --lab-lossy-store where the lossy store cannot be mounted (here: no lossyfs; likewise no
// /dev/fuse or no fusermount3): ackhook starts anyway, says why, and refuses the mode with the reason.
void TestPowerLab::refusedWhereLossyfsIsMissing()
{
    QTemporaryDir dataDir;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ACKHOOK_LOSSYFS"), dataDir.filePath(QStringLiteral("no-such-lossyfs")));
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"),
                               dataDir.path(), QStringLiteral("--lab-lossy-store") },
        environment);
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    QTRY_VERIFY2_WITH_TIMEOUT((ackhook.collect(), ackhook.err().contains("--lab-lossy-store: lossyfs not found")),
        ackhook.err().constData(), 5000);
    const auto put = request(ackhook.adminPort(), "PUT", "/api/outage", R"({"mode":"power-cut"})",
        { { "Content-Type", "application/json" } });
    QVERIFY(put);
    QCOMPARE(put->status, 409);
    QVERIFY2(put->body.contains("lossyfs not found"), put->body.constData());
    const auto outage = request(ackhook.adminPort(), "GET", "/api/outage");
    QVERIFY(outage);
    QVERIFY(outage->json()[QLatin1String("power_cut")][QLatin1String("refusal")].toString().contains(
        QLatin1String("lossyfs not found")));
    // And the webhooks work as ever, the store on the disk.
    QTRY_COMPARE_WITH_TIMEOUT(
        request(ackhook.webhookPort(), "POST", "/webhook", "{}").value_or(HttpReply {}).status, 200, 10000);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(15000));
    QCOMPARE(ackhook.process().exitCode(), 0);
}

// An ack and a spool endpoint, every 2xx seen in the stream by the loss detector, then the power
// cut: the detector's lost-after-2xx equals what a reader of our own finds missing, per policy, and
// the ack policy lost some (nats-server 2.9.10 fsyncs on a 2-minute timer). Events answered 202
// while the store came back are all stored.
void TestPowerLab::powerCutThroughTheAdminApi()
{
    QTemporaryDir dataDir;
    const QString config = dataDir.filePath(QStringLiteral("lab.toml"));
    {
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[[endpoint]]\npath = \"/ack\"\nsubject = \"lab.ack\"\ndispatch = \"ack\"\n\n"
                   "[[endpoint]]\npath = \"/spool\"\nsubject = \"lab.spool\"\ndispatch = \"spool\"\n");
    }
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dataDir.filePath(QStringLiteral("d")),
        QStringLiteral("--config"), config, QStringLiteral("--lab-lossy-store"), QStringLiteral("--loss-detector") });
    QVERIFY2(ackhook.waitUntilListening(30000), ackhook.err().constData());
    const quint16 admin = ackhook.adminPort();
    // Ready (NATS connected, the stream there) before the counted traffic: a 500 would not count.
    QTRY_COMPARE_WITH_TIMEOUT(request(admin, "GET", "/ready").value_or(HttpReply {}).status, 200, 20000);
    {
        const auto outage = request(admin, "GET", "/api/outage");
        QVERIFY(outage);
        const QJsonObject powerCut = outage->json().value(QLatin1String("power_cut")).toObject();
        QVERIFY2(powerCut.value(QLatin1String("available")).toBool(), outage->body.constData());
        QCOMPARE(powerCut.value(QLatin1String("cuts")).toInt(-1), 0);
    }
    constexpr int Events = 150;
    QList<QByteArray> acked, spooled;
    QCOMPARE(send(port, "/ack", Events, &acked), Events);
    QCOMPARE(send(port, "/spool", Events, &spooled), Events);
    QCOMPARE(acked.size(), Events);
    QCOMPARE(spooled.size(), Events);
    // Everything forwarded and seen in the stream: a loss from here on is a vanished event.
    QTRY_COMPARE_WITH_TIMEOUT(spoolRecords(admin), qint64(0), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(count(lossOf(admin, "ack"), "stored"), qint64(Events), 20000);
    QTRY_COMPARE_WITH_TIMEOUT(count(lossOf(admin, "spool"), "stored"), qint64(Events), 20000);

    const auto cut = request(admin, "PUT", "/api/outage", R"({"mode":"power-cut"})", { { "Content-Type", "application/json" } }, 60000);
    QVERIFY(cut);
    QVERIFY2(cut->status == 200, cut->body.constData());
    QCOMPARE(cut->json()[QLatin1String("power_cut")][QLatin1String("cuts")].toInt(), 1);
    QVERIFY2((ackhook.collect(), ackhook.err().contains("simulated power cut")), ackhook.err().constData());

    // After the cut, the spool keeps answering 202 and forwards once the stream is back.
    QList<QByteArray> spooledAfter;
    QCOMPARE(send(port, "/spool", 20, &spooledAfter), 20);
    QCOMPARE(spooledAfter.size(), 20);
    QTRY_COMPARE_WITH_TIMEOUT(spoolRecords(admin), qint64(0), 30000);

    // Ground truth: what the stream holds now, read over our own connection.
    QSet<QByteArray> stored;
    {
        StreamReader reader(ackhook.natsUrl());
        QVERIFY(reader.isValid());
        for (const StoredMessage &message : reader.all("EVENTS"))
            stored.insert(message.callerKey());
    }
    const auto missing = [&](const QList<QByteArray> &keys) {
        return qint64(std::count_if(keys.cbegin(), keys.cend(), [&](const QByteArray &k) { return !stored.contains(k); }));
    };
    const qint64 ackLost = missing(acked);
    const qint64 spoolLost = missing(spooled);
    qDebug("powerlab: admin power cut, embedded nats-server 2.9.10 (R1): ack 200 %d, lost %lld; spool 202 %d "
           "(forwarded before the cut), lost %lld; spool 202 after the cut %d, lost %lld",
        Events, ackLost, Events, spoolLost, 20, missing(spooledAfter));
    QVERIFY2(ackLost > 0, "a power cut right after the 200s lost none: was the store on lossyfs?");
    QCOMPARE(missing(spooledAfter), qint64(0));
    // The detector counts exactly those: moved from stored to lost after 2xx.
    QTRY_COMPARE_WITH_TIMEOUT(count(lossOf(admin, "ack"), "lost_after_2xx"), ackLost, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(count(lossOf(admin, "spool"), "lost_after_2xx"), spoolLost, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(count(lossOf(admin, "spool"), "stored"), qint64(Events + 20) - spoolLost, 30000);
    QCOMPARE(count(lossOf(admin, "ack"), "stored"), qint64(Events) - ackLost);
    // Reread, not counted twice: the stream holds each key once.
    QCOMPARE(count(lossOf(admin, "ack"), "duplicates"), qint64(0));
    QCOMPARE(count(lossOf(admin, "spool"), "duplicates"), qint64(0));
    // And lists them by key.
    const auto lost = request(admin, "GET", "/api/lost");
    QVERIFY(lost);
    QSet<QByteArray> listed;
    for (const QJsonValue &item : lost->json().value(QLatin1String("lost")).toArray())
        listed.insert(item[QLatin1String("key")].toString().toLatin1());
    for (const QByteArray &key : std::as_const(acked))
        QCOMPARE(listed.contains(key), !stored.contains(key));

    // ackhook lives through it: 200 again on the restarted nats-server.
    QTRY_COMPARE_WITH_TIMEOUT(request(port, "POST", "/ack", "{}").value_or(HttpReply {}).status, 200, 20000);
    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(20000));
    QCOMPARE(ackhook.process().exitCode(), 0);
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

// ackhook --scenario power-cut, one second a phase: the summary sets ack, spool and
// fire-and-forget side by side; the ack row lost 200s, the spool answered no 5xx.
void TestPowerLab::powerCutScenario()
{
    QTemporaryDir dataDir;
    AckhookProcess ackhook({ QStringLiteral("--scenario"), QStringLiteral("power-cut"),
        QStringLiteral("--scenario-seconds"), QStringLiteral("1"), QStringLiteral("--scenario-seed"),
        QStringLiteral("25"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:0"), QStringLiteral("--data-dir"),
        dataDir.path() });
    QVERIFY(ackhook.process().waitForFinished(120000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QVERIFY2(ackhook.process().exitCode() == 0, ackhook.err().right(3000).constData());
    const QByteArray summary = ackhook.out();
    QVERIFY2(summary.contains("### Scenario `power-cut`"), summary.constData());
    QVERIFY(QFile::exists(dataDir.filePath(QStringLiteral("scenario-power-cut.md"))));
    const QList<qint64> ack = summaryRow(summary, QStringLiteral("ack"));
    const QList<qint64> spool = summaryRow(summary, QStringLiteral("spool"));
    const QList<qint64> ff = summaryRow(summary, QStringLiteral("fire-and-forget"));
    QVERIFY2(ack.size() == 9 && spool.size() == 9 && ff.size() == 9, summary.constData());
    qDebug("powerlab: scenario power-cut, 1 s a phase: ack sent %lld 2xx %lld lost %lld; spool sent %lld 2xx %lld "
           "lost %lld; fire-and-forget sent %lld 2xx %lld lost %lld",
        ack[0], ack[1], ack[5], spool[0], spool[1], spool[5], ff[0], ff[1], ff[5]);
    QVERIFY2(ack[5] > 0, summary.constData()); // the 200s of the steady phase vanished
    QCOMPARE(spool[2], qint64(0)); // the spool answers 202 through the outage
    for (const QList<qint64> &row : { ack, spool, ff })
        QCOMPARE(row[8], qint64(0)); // the reread after the cut counts no event twice
    QVERIFY2(!summary.contains("**Not settled**"), summary.constData());
    const QByteArray reports = ackhook.sanitizerReports();
    QVERIFY2(reports.isEmpty(), reports.constData());
}

QTEST_GUILESS_MAIN(TestPowerLab)
#include "tst_powerlab.moc"
