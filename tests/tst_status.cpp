// One status value: the window's header, /api/status and /metrics read the same StatusSnapshot,
// so after known traffic (3 × 200, 2 × 500 in a simulated outage, 1 × 405) all three show the
// same numbers, and those numbers are the traffic's.
#include "elidedlabel.h"
#include "failedqueuebox.h"
#include "monitorwindow.h"
#include "runtime.h"
#include "statusheader.h"
#include "testsupport.h"

#include "gateway.h"
#include "nats/natsbus.h"
#include "webhook/requestlog.h"

#include <QApplication>
#include <QJsonArray>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

class TestStatus : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void threeReadersShowOneSnapshot();
    void readyFollowsNatsAndOutage();
    void singleServerClusterView();
    void webhookUrlIsConnectable_data();
    void webhookUrlIsConnectable();
    void streamReasonInEveryReader();
    void durabilityInEveryReader();
    void durabilityLine_data();
    void durabilityLine();
    void serverInfoLine();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
};

void TestStatus::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
    QString error;
    m_runtime = startRuntime({}, m_dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
}

void TestStatus::cleanupTestCase()
{
    m_runtime.reset();
}

// "name{labels} value" lines of a Prometheus exposition.
static qint64 metric(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toLongLong();
    }
    return -1;
}

void TestStatus::threeReadersShowOneSnapshot()
{
    const quint16 port = m_runtime->webhookPort();
    for (int i = 0; i < 3; ++i)
        QCOMPARE(request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } })->status, 200);
    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Down));
    for (int i = 0; i < 2; ++i)
        QCOMPARE(request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } })->status, 500);
    QCOMPARE(request(port, "GET", "/webhook")->status, 405);

    MonitorWindow window(m_runtime.get());
    window.show();
    // The window refreshes on its own timer: wait for it to show the traffic, then read the others.
    QTRY_VERIFY_WITH_TIMEOUT(window.totalsText().startsWith(QLatin1String("requests 6 ")), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(window.failedQueueBox()->text().startsWith(QLatin1String("2 pending")), 5000);

    const auto statusReply = request(m_runtime->adminPort(), "GET", "/api/status");
    QVERIFY(statusReply && statusReply->status == 200);
    const QJsonObject status = statusReply->json();
    const auto metricsReply = request(m_runtime->adminPort(), "GET", "/metrics");
    QVERIFY(metricsReply && metricsReply->status == 200);
    const QByteArray metrics = metricsReply->body;

    static const QRegularExpression totals(
        QStringLiteral("^requests (\\d+) · 2xx (\\d+)(?: \\(200: \\d+ · 202 Accepted: \\d+\\))? · 5xx (\\d+) · 4xx (\\d+) · in flight (\\d+)"));
    const QRegularExpressionMatch shown = totals.match(window.totalsText());
    QVERIFY2(shown.hasMatch(), qPrintable(window.totalsText()));
    const QJsonObject counters = status.value(QLatin1String("counters")).toObject();
    const struct {
        const char *what;
        qint64 expected, window, api, metric;
    } rows[] = {
        { "2xx", 3, shown.captured(2).toLongLong(), counters.value(QLatin1String("ok")).toInteger(),
            metric(metrics, "ackhook_requests_total{class=\"2xx\"}") },
        { "5xx", 2, shown.captured(3).toLongLong(), counters.value(QLatin1String("failed")).toInteger(),
            metric(metrics, "ackhook_requests_total{class=\"5xx\"}") },
        { "4xx", 1, shown.captured(4).toLongLong(), counters.value(QLatin1String("rejected")).toInteger(),
            metric(metrics, "ackhook_requests_total{class=\"4xx\"}") },
        { "in flight", 0, shown.captured(5).toLongLong(), counters.value(QLatin1String("in_flight")).toInteger(),
            metric(metrics, "ackhook_in_flight") },
        { "pending", 2, window.failedQueueBox()->text().section(QLatin1Char(' '), 0, 0).toLongLong(),
            status.value(QLatin1String("failed_queue")).toObject().value(QLatin1String("pending")).toInteger(),
            metric(metrics, "ackhook_failed_events{state=\"pending\"}") },
    };
    for (const auto &row : rows) {
        const QByteArray context = QByteArray(row.what) + ": window " + QByteArray::number(row.window) + ", api "
            + QByteArray::number(row.api) + ", metrics " + QByteArray::number(row.metric);
        QVERIFY2(
            row.window == row.expected && row.api == row.expected && row.metric == row.expected, context.constData());
    }
    QCOMPARE(counters.value(QLatin1String("requests")).toInteger(), 6);

    // Connectivity: the same simulated outage everywhere.
    QCOMPARE(window.statusHeader()->connectivityText(), QStringLiteral("SIMULATED OUTAGE: down"));
    QCOMPARE(status.value(QLatin1String("connectivity")).toString(), QStringLiteral("simulated outage (down)"));
    QCOMPARE(metric(metrics, "ackhook_simulated_outage{mode=\"down\"}"), 1);
    QCOMPARE(metric(metrics, "ackhook_nats_connected"), 0);
    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));
}

void TestStatus::readyFollowsNatsAndOutage()
{
    const quint16 ports[] = { m_runtime->webhookPort(), m_runtime->adminPort() };
    const quint64 requestsBefore = m_runtime->status().counters.requests;
    for (quint16 port : ports) {
        QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/ready")->status, 200, 10000);
        QCOMPARE(request(port, "GET", "/ready")->body, QByteArray("ready\n"));
    }

    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Down));
    for (quint16 port : ports) {
        const auto ready = request(port, "GET", "/ready");
        QVERIFY(ready);
        QCOMPARE(ready->status, 503);
        QVERIFY2(ready->body.contains("simulated outage (down)"), ready->body.constData());
        QVERIFY2(ready->body.contains("NATS "), ready->body.constData()); // the connection is down too
        QVERIFY(!ready->header("Retry-After").isEmpty());
        QCOMPARE(request(port, "GET", "/health")->status, 200); // alive all the same
        // (JSON: the admin API refuses a POST of any other type with 415 before routing it.)
        QCOMPARE(request(port, "POST", "/ready", {}, { { "Content-Type", "application/json" } })->status, 405);
    }
    const QJsonObject status = request(m_runtime->adminPort(), "GET", "/api/status")->json();
    QCOMPARE(status.value(QLatin1String("ready")).toBool(true), false);
    QVERIFY(status.value(QLatin1String("not_ready"))
                .toArray()
                .contains(QJsonValue(QStringLiteral("simulated outage (down)"))));

    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));
    for (quint16 port : ports)
        QTRY_COMPARE_WITH_TIMEOUT(request(port, "GET", "/ready")->status, 200, 10000);
    // Probes are not webhook traffic: no request was counted by any of them.
    QCOMPARE(m_runtime->status().counters.requests, requestsBefore);
}

// One nats-server without clustering (the embedded one): it leads the stream's only copy. The cluster
// view says so (no alert for a missing leader), and the header shows nothing of a cluster.
void TestStatus::singleServerClusterView()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->status().nats.cluster.currentReplicas(), 1, 10000);
    const QJsonObject cluster = request(m_runtime->adminPort(), "GET", "/api/status")
                                    ->json()
                                    .value(QLatin1String("nats"))
                                    .toObject()
                                    .value(QLatin1String("cluster"))
                                    .toObject();
    const QString serverId = cluster.value(QLatin1String("server_id")).toString();
    QVERIFY(!serverId.isEmpty());
    QCOMPARE(cluster.value(QLatin1String("stream_leader")).toString(), serverId);
    QCOMPARE(cluster.value(QLatin1String("stream_replicas")).toInt(), 1);
    QCOMPARE(cluster.value(QLatin1String("stream_replicas_current")).toInt(), 1);
    QCOMPARE(cluster.value(QLatin1String("name")).toString(), QString());
    // Through the fault proxy the client knows one server: the proxy.
    QCOMPARE(cluster.value(QLatin1String("known_servers")).toArray().size(), 1);
    const QByteArray metrics = request(m_runtime->adminPort(), "GET", "/metrics")->body;
    QCOMPARE(metric(metrics, "ackhook_stream_has_leader"), 1);
    QCOMPARE(metric(metrics, "ackhook_stream_replicas_current"), 1);
    QCOMPARE(metric(metrics, "ackhook_nats_known_servers"), 1);

    MonitorWindow window(m_runtime.get());
    window.show();
    QTRY_VERIFY_WITH_TIMEOUT(window.statusHeader()->natsDetailsText().contains(QLatin1String("reconnects")), 5000);
    QVERIFY2(!window.statusHeader()->natsDetailsText().contains(QLatin1String("leader")),
        qPrintable(window.statusHeader()->natsDetailsText()));
    QVERIFY2(!window.statusHeader()->natsDetailsText().contains(QLatin1String(" servers")),
        qPrintable(window.statusHeader()->natsDetailsText()));
}

void TestStatus::webhookUrlIsConnectable_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<QString>("url");
    QTest::addRow("loopback") << QStringLiteral("127.0.0.1") << QStringLiteral("http://127.0.0.1:8080");
    QTest::addRow("any IPv4") << QStringLiteral("0.0.0.0") << QStringLiteral("http://127.0.0.1:8080");
    QTest::addRow("IPv6 loopback") << QStringLiteral("::1") << QStringLiteral("http://[::1]:8080");
    QTest::addRow("any IPv6") << QStringLiteral("::") << QStringLiteral("http://[::1]:8080");
    QTest::addRow("host") << QStringLiteral("192.0.2.7") << QStringLiteral("http://192.0.2.7:8080");
}

void TestStatus::webhookUrlIsConnectable()
{
    QFETCH(QString, address);
    QFETCH(QString, url);
    QCOMPARE(httpBaseUrl(QHostAddress(address), 8080), url);
}

// A stream that is not there (and that ackhook must not create): the same reason in the window's NATS
// line, /api/status and /ready.
void TestStatus::streamReasonInEveryReader()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    RuntimeConfig config;
    config.gateway.createStream = false;
    QString error;
    const auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    const NatsBus *bus = runtime->gateway()->bus();
    QTRY_VERIFY_WITH_TIMEOUT(!bus->status().streamError.isEmpty(), 10000);
    const QString reason = bus->status().streamError;
    QVERIFY2(reason.contains(QLatin1String("stream EVENTS does not exist")), qPrintable(reason));

    MonitorWindow window(runtime.get());
    window.show();
    const auto *details = window.findChild<ElidedLabel *>(QStringLiteral("natsDetails"));
    QVERIFY(details);
    QTRY_VERIFY2_WITH_TIMEOUT(details->fullText().contains(QStringLiteral("(not ready: %1)").arg(reason)),
        qPrintable(details->fullText()), 5000);
    const QJsonObject status = request(runtime->adminPort(), "GET", "/api/status")->json();
    QVERIFY(status.value(QLatin1String("not_ready")).toArray().first().toString().contains(reason));
    const auto ready = request(runtime->webhookPort(), "GET", "/ready");
    QCOMPARE(ready->status, 503);
    QVERIFY2(ready->body.contains(reason.toUtf8()), ready->body.constData());
}

// What a 200 survives, said in the window, /api/status and /metrics for the real server: its version
// read from its INFO (compared with what the nats-server binary itself says), the stream's replicas.
void TestStatus::durabilityInEveryReader()
{
    QProcess natsServer;
    natsServer.start(QStringLiteral("nats-server"), { QStringLiteral("--version") });
    QVERIFY(natsServer.waitForFinished(10000));
    // "nats-server: v2.9.10"
    const QString version = QString::fromLatin1(natsServer.readAllStandardOutput()).trimmed().section(QLatin1Char('v'), -1);
    QVERIFY2(!version.isEmpty(), "nats-server --version printed no version");

    const auto apiDurability = [this] {
        return request(m_runtime->adminPort(), "GET", "/api/status")
            ->json()
            .value(QLatin1String("nats"))
            .toObject();
    };
    QTRY_COMPARE_WITH_TIMEOUT(apiDurability().value(QLatin1String("server_version")).toString(), version, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(
        apiDurability().value(QLatin1String("durability")).toObject().value(QLatin1String("replicas")).toInt(), 1, 10000);
    const QJsonObject durability = apiDurability().value(QLatin1String("durability")).toObject();
    const QString line = durability.value(QLatin1String("line")).toString();
    QVERIFY2(line.startsWith(QStringLiteral("R1 on nats-server %1, file storage").arg(version)), qPrintable(line));
    QVERIFY2(line.contains(QLatin1String("a power cut can lose up to 2 min")), qPrintable(line));
    QCOMPARE(durability.value(QLatin1String("survives_process_crash")).toBool(), true);
    QCOMPARE(durability.value(QLatin1String("survives_power_cut")).toBool(), false);

    const QByteArray metrics = request(m_runtime->adminPort(), "GET", "/metrics")->body;
    QCOMPARE(metric(metrics, "ackhook_durability{against=\"process_crash\"}"), 1);
    QCOMPARE(metric(metrics, "ackhook_durability{against=\"one_server_lost\"}"), 0);
    QCOMPARE(metric(metrics, "ackhook_durability{against=\"power_cut\"}"), 0);
    QCOMPARE(metric(metrics, "ackhook_nats_server_version_info{version=\"" + version.toLatin1() + "\"}"), 1);

    MonitorWindow window(m_runtime.get());
    window.show();
    QTRY_COMPARE_WITH_TIMEOUT(
        window.statusHeader()->durabilityText(), QStringLiteral("What a 200 survives: ") + line, 5000);
}

void TestStatus::durabilityLine_data()
{
    QTest::addColumn<QString>("version");
    QTest::addColumn<int>("replicas");
    QTest::addColumn<bool>("memory");
    QTest::addColumn<QString>("says");
    QTest::addRow("embedded default") << QStringLiteral("2.9.10") << 1 << false
                                      << QStringLiteral("R1 on nats-server 2.9.10, file storage: a crash of ackhook or "
                                                        "of nats-server loses no acknowledged event; a power cut can "
                                                        "lose up to 2 min of them (the server syncs its store every 2 min)");
    QTest::addRow("2.10 can sync always") << QStringLiteral("2.10.4") << 1 << false
                                          << QStringLiteral("unless the server runs with sync_interval: always");
    QTest::addRow("replicated") << QStringLiteral("2.9.10") << 3 << false
                                << QStringLiteral("survives a crash or power cut of one server");
    QTest::addRow("memory") << QStringLiteral("2.9.10") << 1 << true
                            << QStringLiteral("a restart of nats-server loses every acknowledged event");
    QTest::addRow("not read yet") << QString() << 0 << false << QStringLiteral("R? on nats-server (version not read yet)");
}

void TestStatus::durabilityLine()
{
    QFETCH(QString, version);
    QFETCH(int, replicas);
    QFETCH(bool, memory);
    QFETCH(QString, says);
    Durability durability;
    durability.serverVersion = version;
    durability.replicas = replicas;
    durability.storage = memory ? StreamSettings::Storage::Memory : StreamSettings::Storage::File;
    QVERIFY2(durability.line().contains(says), qPrintable(durability.line()));
    QVERIFY(!durability.powerCutSafe());
}

void TestStatus::serverInfoLine()
{
    const NatsServerInfo info = NatsServerInfo::fromInfoLine(
        R"(INFO {"server_id":"N1","server_name":"n1","version":"2.9.10","jetstream":true,"max_payload":1048576})"
        "\r\n");
    QCOMPARE(info.version, QStringLiteral("2.9.10"));
    QCOMPARE(info.serverName, QStringLiteral("n1"));
    QVERIFY(info.jetStream);
    QVERIFY(info.error.isEmpty());
    QVERIFY(!NatsServerInfo::fromInfoLine("-ERR 'Authorization Violation'").error.isEmpty());
    QVERIFY(!NatsServerInfo::fromInfoLine("INFO {not json").error.isEmpty());
    QVERIFY(!NatsServerInfo::fromInfoLine("INFO {}").isKnown());
    QVERIFY(Durability::versionAtLeast(QStringLiteral("2.10.0-beta.1"), 2, 10));
    QVERIFY(!Durability::versionAtLeast(QStringLiteral("2.9.22"), 2, 10));
    QVERIFY(!Durability::versionAtLeast(QStringLiteral("junk"), 2, 10));
}

QTEST_MAIN(TestStatus)
#include "tst_status.moc"
