// GET /metrics of a real ackhook (the executable, on its embedded nats-server): what an operator's
// Prometheus scrapes passes `promtool check metrics`, and its numbers follow the traffic — a latency
// histogram and failures by reason per endpoint, the in-flight gauge and bound, build_info; probes
// (/health, /ready) are not counted.
#include "ackhookprocess.h"
#include "admin/statusformat.h"
#include "testsupport.h"

#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

class TestMetrics : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void scrapedMetricsPassPromtoolAndFollowTraffic();
    void histogramBucketsAndEscapedLabels();
};

namespace {

// The value of one sample line ("name{labels} value"), or -1 when the exposition has no such line.
double sampleValue(const QByteArray &metrics, const QByteArray &series)
{
    for (const QByteArray &line : metrics.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

// promtool's verdict on an exposition: empty when it has nothing to say (exit 0, no lint output).
QString promtoolProblems(const QByteArray &metrics)
{
    QProcess promtool;
    promtool.start(QStringLiteral("promtool"), { QStringLiteral("check"), QStringLiteral("metrics") });
    if (!promtool.waitForStarted(10000))
        return QStringLiteral("promtool did not start");
    promtool.write(metrics);
    promtool.closeWriteChannel();
    if (!promtool.waitForFinished(30000)) {
        promtool.kill();
        promtool.waitForFinished();
        return QStringLiteral("promtool did not finish");
    }
    const QString output = QString::fromUtf8(promtool.readAllStandardOutput() + promtool.readAllStandardError());
    if (promtool.exitStatus() != QProcess::NormalExit || promtool.exitCode() != 0 || !output.trimmed().isEmpty())
        return QStringLiteral("exit %1: %2").arg(promtool.exitCode()).arg(output);
    return {};
}

} // namespace

void TestMetrics::initTestCase()
{
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("promtool")).isEmpty(),
        "promtool missing: Debian's 'prometheus' package (./dev test installs it)");
}

void TestMetrics::scrapedMetricsPassPromtoolAndFollowTraffic()
{
    QTemporaryDir dir;
    const quint16 port = freePort();
    AckhookProcess ackhook(
        { QStringLiteral("--headless"), QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--listen"),
            QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--max-inflight"), QStringLiteral("77") });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const quint16 admin = ackhook.adminPort();
    QVERIFY(admin != 0);
    const auto scrape = [admin]() -> QByteArray {
        const auto reply = request(admin, "GET", "/metrics");
        return reply && reply->status == 200 ? reply->body : QByteArray();
    };

    // Before any traffic: valid, with every family present.
    QByteArray metrics = scrape();
    QVERIFY(!metrics.isEmpty());
    QString problems = promtoolProblems(metrics);
    QVERIFY2(problems.isEmpty(), qPrintable(problems + QStringLiteral("\n") + QString::fromUtf8(metrics)));
    const QRegularExpression buildInfo(
        QStringLiteral(R"(^ackhook_build_info\{version="0\.[0-9.]+",qt="6\.[0-9.]+",cnats="3\.[0-9.]+"\} 1$)"),
        QRegularExpression::MultilineOption);
    QVERIFY2(buildInfo.match(QString::fromUtf8(metrics)).hasMatch(), metrics.constData());
    QCOMPARE(sampleValue(metrics, "ackhook_in_flight_limit"), 77.0);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_duration_seconds_count{endpoint=\"webhook\"}"), 0.0);

    // Probes on both listeners are not webhook traffic.
    for (const quint16 probePort : { port, admin }) {
        QCOMPARE(request(probePort, "GET", "/health")->status, 200);
        QCOMPARE(request(probePort, "GET", "/ready")->status, 200);
    }

    constexpr int Stored = 5;
    for (int i = 0; i < Stored; ++i) {
        const auto reply = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }
    QVERIFY(request(admin, "PUT", "/api/outage", R"({"mode":"down"})", { { "Content-Type", "application/json" } }));
    constexpr int Failed = 3;
    for (int i = 0; i < Failed; ++i) {
        const auto reply = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 500);
        QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("disconnected"));
    }

    metrics = scrape();
    problems = promtoolProblems(metrics);
    QVERIFY2(problems.isEmpty(), qPrintable(problems + QStringLiteral("\n") + QString::fromUtf8(metrics)));
    const QByteArray endpoint = "endpoint=\"webhook\"";
    QCOMPARE(sampleValue(metrics, "ackhook_requests_total{class=\"2xx\"}"), double(Stored));
    QCOMPARE(sampleValue(metrics, "ackhook_requests_total{class=\"5xx\"}"), double(Failed));
    QCOMPARE(
        sampleValue(metrics, "ackhook_dispatch_duration_seconds_count{" + endpoint + '}'), double(Stored + Failed));
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_duration_seconds_bucket{" + endpoint + ",le=\"+Inf\"}"),
        double(Stored + Failed));
    // Everything here is answered far below the ack timeout: nothing in the buckets above 5 s.
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_duration_seconds_bucket{" + endpoint + ",le=\"5\"}"),
        double(Stored + Failed));
    QVERIFY(sampleValue(metrics, "ackhook_dispatch_duration_seconds_sum{" + endpoint + '}') > 0);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_failures_total{" + endpoint + ",reason=\"disconnected\"}"),
        double(Failed));
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_failures_total{" + endpoint + ",reason=\"timeout\"}"), 0.0);
    QCOMPARE(
        sampleValue(metrics, "ackhook_endpoint_requests_total{" + endpoint + ",outcome=\"accepted\"}"), double(Stored));
    QCOMPARE(
        sampleValue(metrics, "ackhook_endpoint_requests_total{" + endpoint + ",outcome=\"failed\"}"), double(Failed));
    QCOMPARE(sampleValue(metrics, "ackhook_in_flight"), 0.0);
    QCOMPARE(sampleValue(metrics, "ackhook_ready"), 0.0); // the simulated outage is still on
    QTRY_COMPARE_WITH_TIMEOUT(sampleValue(scrape(), "ackhook_failed_events{state=\"pending\"}"), double(Failed), 10000);
    QVERIFY(sampleValue(scrape(), "ackhook_failed_events_bytes") > 0);

    QVERIFY(ackhook.sanitizerReports().isEmpty());
}

// The exposition of a snapshot with counted dispatches: cumulative buckets, the sum, failures by
// reason, and an endpoint name that needs escaping — still valid for promtool.
void TestMetrics::histogramBucketsAndEscapedLabels()
{
    Endpoint endpoint(QByteArray("/hook"), QByteArray("ackhook.hook"));
    endpoint.name = "we\"ird\\name";
    EndpointCounters counters({ endpoint });
    counters.countDispatch(0, PublishResult::ack(QStringLiteral("EVENTS"), 1, false), 400); // 0.4 ms
    counters.countDispatch(0, PublishResult::ack(QStringLiteral("EVENTS"), 2, false), 1000); // on a bound: in it
    counters.countDispatch(0, PublishResult::failure(FailureReason::Timeout, {}), 5'000'300); // past 5 s
    counters.countDispatch(0, PublishResult::failure(FailureReason::Timeout, {}), 90'000'000); // past every bound
    counters.countDispatch(7, PublishResult::failure(FailureReason::Timeout, {}), 1); // no such endpoint: ignored
    StatusSnapshot status;
    status.endpoints = counters.rows();
    const QByteArray metrics = statusToPrometheus(status);
    const QString problems = promtoolProblems(metrics);
    QVERIFY2(problems.isEmpty(), qPrintable(problems + QStringLiteral("\n") + QString::fromUtf8(metrics)));

    const QByteArray label = "endpoint=\"we\\\"ird\\\\name\"";
    const auto bucket = [&](const char *le) {
        return sampleValue(metrics, "ackhook_dispatch_duration_seconds_bucket{" + label + ",le=\"" + le + "\"}");
    };
    QCOMPARE(bucket("0.0005"), 1.0);
    QCOMPARE(bucket("0.001"), 2.0);
    QCOMPARE(bucket("5"), 2.0);
    QCOMPARE(bucket("10"), 3.0);
    QCOMPARE(bucket("60"), 3.0);
    QCOMPARE(bucket("+Inf"), 4.0);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_duration_seconds_count{" + label + '}'), 4.0);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_duration_seconds_sum{" + label + '}'), 95.0017);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_failures_total{" + label + ",reason=\"timeout\"}"), 2.0);
    QCOMPARE(sampleValue(metrics, "ackhook_dispatch_failures_total{" + label + ",reason=\"disconnected\"}"), 0.0);
    // Every reason is listed, so a rate() over a reason that has not happened yet is 0, not absent.
    for (const FailureReason reason : failureReasons()) {
        QVERIFY(static_cast<size_t>(reason) < EndpointCounters::MaxFailureReasons);
        QVERIFY2(metrics.contains(QByteArray("reason=\"" + failureReasonName(reason).toLatin1() + '"')),
            qPrintable(failureReasonName(reason)));
    }
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "tst_metrics.moc"
