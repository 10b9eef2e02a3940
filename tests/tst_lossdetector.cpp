// The loss detector against ground truth: one ackhook with three endpoints (ack, fire-and-forget,
// spool), traffic before, during and after an outage (`down`, `blackhole`, the nats-server
// stopped), then the detector's counts per policy are compared with what this test reads from the
// stream itself. ack and spool: nothing lost; fire-and-forget: the events of the outage are lost.
#include "lab/lossdetector.h"
#include "spool/spool.h"
#include "testsupport.h"
#include "webhook/eventintake.h"
#include "webhook/webhookserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

enum class Outage { Down, Blackhole, Kill };

struct Answered {
    DispatchPolicy policy;
    QByteArray key;
    QByteArray body;
    int status;
};

RuntimeConfig threePolicies()
{
    RuntimeConfig config;
    const QList<std::pair<QByteArray, DispatchPolicy>> paths { { "ack", DispatchPolicy::Ack },
        { "ff", DispatchPolicy::FireAndForget }, { "spool", DispatchPolicy::Spool } };
    config.gateway.endpoints.clear();
    for (const auto &[name, policy] : paths) {
        Endpoint endpoint("/" + name, "ackhook." + name);
        endpoint.dispatch = policy;
        config.gateway.endpoints.append(endpoint);
    }
    config.gateway.fireAndForget.retryFor = std::chrono::milliseconds(300);
    config.gateway.fireAndForget.retryInterval = std::chrono::milliseconds(100);
    config.gateway.spoolRetryInterval = std::chrono::milliseconds(100);
    config.gateway.natsPingInterval = std::chrono::milliseconds(500); // a blackhole is noticed in ~1.5 s
    config.lossGrace = std::chrono::milliseconds(1500);
    return config;
}

QByteArray pathOf(DispatchPolicy policy)
{
    switch (policy) {
    case DispatchPolicy::Ack:
        return "/ack";
    case DispatchPolicy::FireAndForget:
        return "/ff";
    case DispatchPolicy::Spool:
        return "/spool";
    }
    return {};
}

} // namespace

class TestLossDetector : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsEqualGroundTruth_data();
    void countsEqualGroundTruth();
    void batchEventsReconciled();
    void boundedTracking();

private:
    static void send(quint16 port, int perPolicy, QList<Answered> &answered);
};

void TestLossDetector::send(quint16 port, int perPolicy, QList<Answered> &answered)
{
    for (int i = 0; i < perPolicy; ++i) {
        for (DispatchPolicy policy : { DispatchPolicy::Ack, DispatchPolicy::FireAndForget, DispatchPolicy::Spool }) {
            const QByteArray key = uniqueKey();
            const QByteArray body = "{\"key\":\"" + key + "\"}";
            const auto reply = request(port, "POST", pathOf(policy), body, { { "Idempotency-Key", key } });
            QVERIFY(reply);
            answered.append({ policy, key, body, reply->status });
        }
    }
}

void TestLossDetector::countsEqualGroundTruth_data()
{
    QTest::addColumn<Outage>("outage");
    QTest::addRow("down") << Outage::Down;
    QTest::addRow("blackhole") << Outage::Blackhole;
    QTest::addRow("nats-server stopped") << Outage::Kill;
}

void TestLossDetector::countsEqualGroundTruth()
{
    QFETCH(Outage, outage);
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(threePolicies(), dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QVERIFY(runtime->lossDetector()); // on by itself: two endpoints are not ack
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const quint16 port = runtime->webhookPort();
    QList<Answered> answered;

    send(port, 5, answered);
    const EventIntake *intake = runtime->gateway()->webhookServer()->intake();
    QTRY_COMPARE_WITH_TIMEOUT(intake->fireAndForget().published, quint64(5), 5000);
    switch (outage) {
    case Outage::Down:
        QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Down));
        break;
    case Outage::Blackhole: {
        OutageSettings settings;
        settings.mode = OutageSettings::Mode::Blackhole;
        runtime->faultProxy()->setSettings(settings);
        break;
    }
    case Outage::Kill:
        QVERIFY2(runtime->stopEmbeddedNats(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(!runtime->gateway()->bus()->isConnected(), 5000);
        break;
    }
    send(port, outage == Outage::Blackhole ? 4 : 10, answered);
    // Longer than fire-and-forget's background retry: it gives up.
    QTRY_VERIFY_WITH_TIMEOUT(intake->fireAndForget().waiting == 0 && intake->fireAndForget().dropped > 0, 10000);
    if (outage == Outage::Kill) {
        QVERIFY2(runtime->startEmbeddedNats(&error), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(runtime->gateway()->bus()->isConnected(), 10000);
    } else {
        QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Off, 10000));
    }
    send(port, 5, answered);
    QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->spool()->stats().records, qint64(0), 10000);

    // The detector has classified everything: nothing tracked, nothing pending.
    QTRY_VERIFY_WITH_TIMEOUT(runtime->lossDetector()->figures().tracked == 0, 10000);

    // Ground truth, read here over a connection of this test's own.
    QHash<QByteArray, int> copies;
    {
        StreamReader reader(runtime->upstreamUrls().first());
        QVERIFY(reader.isValid());
        for (const StoredMessage &message : reader.all("EVENTS"))
            copies[message.callerKey()] += 1;
    }
    std::array<LossCounts, DispatchPolicyCount> truth {};
    for (const Answered &a : std::as_const(answered)) {
        LossCounts &t = truth[static_cast<size_t>(a.policy)];
        const int stored = copies.value(a.key);
        if (a.status >= 200 && a.status < 300) {
            ++t.answered2xx;
            (stored > 0 ? t.stored : t.lostAfter2xx) += 1;
        } else {
            QVERIFY2(a.status >= 500, qPrintable(QString::number(a.status)));
            ++t.answered5xx;
            if (stored > 0)
                ++t.storedAfter5xx;
        }
        if (stored > 1)
            t.duplicates += static_cast<quint64>(stored - 1);
    }
    const LossFigures figures = runtime->lossDetector()->figures();
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        const LossCounts &t = truth[static_cast<size_t>(i)];
        const LossCounts &d = figures.policies[static_cast<size_t>(i)];
        const QByteArray what = dispatchPolicyName(static_cast<DispatchPolicy>(i)).toLatin1();
        qInfo("%s: 2xx %llu stored %llu lost %llu 5xx %llu stored-after-5xx %llu duplicates %llu", what.constData(),
            d.answered2xx, d.stored, d.lostAfter2xx, d.answered5xx, d.storedAfter5xx, d.duplicates);
        QCOMPARE(d.answered2xx, t.answered2xx);
        QCOMPARE(d.answered5xx, t.answered5xx);
        QCOMPARE(d.stored, t.stored);
        QCOMPARE(d.lostAfter2xx, t.lostAfter2xx);
        QCOMPARE(d.storedAfter5xx, t.storedAfter5xx);
        QCOMPARE(d.duplicates, t.duplicates);
        QCOMPARE(d.pending, quint64(0));
    }
    QCOMPARE(figures.of(DispatchPolicy::Ack).lostAfter2xx, quint64(0));
    QCOMPARE(figures.of(DispatchPolicy::Spool).lostAfter2xx, quint64(0));
    QCOMPARE(figures.of(DispatchPolicy::Spool).answered5xx, quint64(0));
    if (outage != Outage::Blackhole) // a blackhole may still deliver what it held once it ends
        QCOMPARE(figures.of(DispatchPolicy::FireAndForget).lostAfter2xx, quint64(10));

    // The lost ones are listed with their bodies, over the admin API too.
    const auto lost = request(runtime->adminPort(), "GET", "/api/lost");
    QVERIFY(lost);
    QCOMPARE(lost->status, 200);
    const QJsonArray list = lost->json().value(QLatin1String("lost")).toArray();
    QCOMPARE(quint64(list.size()), figures.of(DispatchPolicy::FireAndForget).lostAfter2xx);
    for (const QJsonValue &item : list) {
        const QByteArray key = item[QLatin1String("key")].toString().toLatin1();
        QCOMPARE(item[QLatin1String("policy")].toString(), QStringLiteral("fire-and-forget"));
        QCOMPARE(item[QLatin1String("body")].toString().toUtf8(), "{\"key\":\"" + key + "\"}");
        QVERIFY(!copies.contains(key));
    }
    // /api/status and /metrics show the same numbers (one value).
    const auto status = request(runtime->adminPort(), "GET", "/api/status");
    QVERIFY(status);
    const QJsonObject ff = status
                               ->json()[QLatin1String("lab")][QLatin1String("loss")][QLatin1String("policies")]
                                       [QLatin1String("fire-and-forget")]
                               .toObject();
    QCOMPARE(quint64(ff.value(QLatin1String("lost_after_2xx")).toInteger()),
        figures.of(DispatchPolicy::FireAndForget).lostAfter2xx);
    const auto metrics = request(runtime->adminPort(), "GET", "/metrics");
    QVERIFY(metrics);
    const QByteArray ffLine = "ackhook_loss_lost_after_2xx_total{policy=\"fire-and-forget\"} "
        + QByteArray::number(figures.of(DispatchPolicy::FireAndForget).lostAfter2xx) + '\n';
    QVERIFY(metrics->body.contains(ffLine));
    QVERIFY(metrics->body.contains("ackhook_loss_lost_after_2xx_total{policy=\"ack\"} 0\n"));
    runtime->shutdownAndWait();
}

// A CloudEvents batch: each of its events is reconciled on its own, by its key (source + id), with
// the answer its item in the batch got.
void TestLossDetector::batchEventsReconciled()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = startRuntime(threePolicies(), dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const quint16 port = runtime->webhookPort();
    const QByteArray prefix = uniqueKey();
    const auto batch = [&](const QByteArray &path, const QByteArray &name, int count) {
        QByteArrayList events;
        for (int i = 0; i < count; ++i)
            events.append(R"({"specversion":"1.0","id":")" + prefix + '-' + name + '-' + QByteArray::number(i)
                + R"(","source":"/lab","type":"com.example.lab","data":{"n":)" + QByteArray::number(i) + "}}");
        const auto reply = request(port, "POST", path, '[' + events.join(',') + ']',
            { { "Content-Type", "application/cloudevents-batch+json" } });
        return reply ? reply->status : 0;
    };
    // NATS up: every event of every batch is stored.
    QCOMPARE(batch("/ack", "ack-up", 3), 200);
    QCOMPARE(batch("/ff", "ff-up", 3), 200);
    QCOMPARE(batch("/spool", "spool-up", 3), 202);
    const EventIntake *intake = runtime->gateway()->webhookServer()->intake();
    QTRY_COMPARE_WITH_TIMEOUT(intake->fireAndForget().published, quint64(3), 5000);
    // NATS away: ack answers 500 for its two, fire-and-forget 200 and loses its four, spool 202.
    QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Down));
    QCOMPARE(batch("/ack", "ack-down", 2), 500);
    QCOMPARE(batch("/ff", "ff-down", 4), 200);
    QCOMPARE(batch("/spool", "spool-down", 2), 202);
    QTRY_VERIFY_WITH_TIMEOUT(intake->fireAndForget().waiting == 0 && intake->fireAndForget().dropped == 4, 10000);
    QVERIFY(setOutageAndWait(runtime.get(), OutageSettings::Mode::Off, 10000));
    QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->spool()->stats().records, qint64(0), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(runtime->lossDetector()->figures().tracked == 0, 10000);

    const LossFigures figures = runtime->lossDetector()->figures();
    const LossCounts &ack = figures.of(DispatchPolicy::Ack);
    const LossCounts &ff = figures.of(DispatchPolicy::FireAndForget);
    const LossCounts &spool = figures.of(DispatchPolicy::Spool);
    QCOMPARE(ack.answered2xx, quint64(3));
    QCOMPARE(ack.stored, quint64(3));
    QCOMPARE(ack.answered5xx, quint64(2));
    QCOMPARE(ack.storedAfter5xx, quint64(0));
    QCOMPARE(ack.lostAfter2xx, quint64(0));
    QCOMPARE(ff.answered2xx, quint64(7));
    QCOMPARE(ff.stored, quint64(3));
    QCOMPARE(ff.lostAfter2xx, quint64(4));
    QCOMPARE(spool.answered2xx, quint64(5));
    QCOMPARE(spool.stored, quint64(5));
    QCOMPARE(spool.lostAfter2xx, quint64(0));
    for (const LossCounts *counts : { &ack, &ff, &spool })
        QCOMPARE(counts->pending, quint64(0));

    // The lost ones are the four events of the batch, each with its key and its own JSON.
    const QList<LostEvent> lost = runtime->lossDetector()->lost();
    QCOMPARE(lost.size(), 4);
    for (int i = 0; i < lost.size(); ++i) {
        const QByteArray id = prefix + "-ff-down-" + QByteArray::number(i);
        QCOMPARE(lost.at(i).key, "/lab " + id);
        QCOMPARE(lost.at(i).endpoint, QByteArray("/ff"));
        QCOMPARE(lost.at(i).status, 200);
        const QJsonObject body = QJsonDocument::fromJson(lost.at(i).body).object();
        QCOMPARE(body.value(QLatin1String("id")).toString(), QString::fromLatin1(id));
        QCOMPARE(body.value(QLatin1String("data")).toObject().value(QLatin1String("n")).toInt(), i);
    }
    runtime->shutdownAndWait();
}

void TestLossDetector::boundedTracking()
{
    QTemporaryDir dir;
    QString error;
    RuntimeConfig config;
    auto runtime = startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QVERIFY(!runtime->lossDetector()); // all ack, not asked for: off
    LossDetector::Options options;
    options.urls = runtime->upstreamUrls();
    options.grace = std::chrono::milliseconds(200);
    options.maxTracked = 5;
    LossDetector detector(options);
    detector.start();
    for (int i = 0; i < 8; ++i) {
        const QByteArray key = uniqueKey();
        detector.note(DispatchPolicy::FireAndForget, "/ff", key, "/ff " + key, 200, 0, "{}");
    }
    LossFigures figures = detector.figures();
    QCOMPARE(figures.of(DispatchPolicy::FireAndForget).answered2xx, quint64(8));
    QCOMPARE(figures.of(DispatchPolicy::FireAndForget).untracked, quint64(3));
    QVERIFY(figures.trackingFull);
    // Never published: lost once the grace is over, and tracking has room again.
    QTRY_COMPARE_WITH_TIMEOUT(detector.figures().of(DispatchPolicy::FireAndForget).lostAfter2xx, quint64(5), 5000);
    QCOMPARE(detector.figures().tracked, 0);
    QCOMPARE(detector.lost().size(), 5);
    runtime->shutdownAndWait();
}

QTEST_GUILESS_MAIN(TestLossDetector)
#include "tst_lossdetector.moc"
