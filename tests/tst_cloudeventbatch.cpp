// CloudEvents batches through the real listener and Dispatcher, with a scripted publisher deciding
// each event's fate: every outcome mix gives the documented status and per-event results (the real
// NATS path — all acked, ack-loss — is covered by tst_endpoints).
#include "dispatch/dispatcher.h"
#include "webhook/cloudeventbatch.h"
#include "webhook/requestlog.h"
#include "webhook/webhookserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

namespace {

// Acks every event on the next turn of the event loop, except ids containing "nack" (refused at
// once) and "lost" (never reported: the Dispatcher's deadline answers).
class ScriptedPublisher : public EventPublisher {
public:
    QList<OutgoingEvent> published;
    bool isConnected() const override { return true; }
    std::optional<PublishResult> publishAsync(quint64 token, const OutgoingEvent &event, std::chrono::milliseconds) override
    {
        published.append(event);
        if (event.msgId.contains("nack"))
            return PublishResult::failure(FailureReason::Nack, QStringLiteral("stream refused it"));
        if (event.msgId.contains("lost"))
            return std::nullopt;
        const quint64 seq = static_cast<quint64>(published.size());
        QTimer::singleShot(0, [this, token, seq] { report(token, PublishResult::ack(QStringLiteral("EVENTS"), seq, false)); });
        return std::nullopt;
    }
};

QByteArray cloudEvent(const QByteArray &id)
{
    return R"({"specversion":"1.0","id":")" + id + R"(","source":"/t","type":"com.example.t"})";
}

} // namespace

class TestCloudEventBatch : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void outcomes_data();
    void outcomes();
    void refusedBatchKeepsNoEvent();
};

void TestCloudEventBatch::outcomes_data()
{
    QTest::addColumn<QList<QByteArray>>("ids");
    QTest::addColumn<int>("maxInFlight");
    QTest::addColumn<int>("status");
    QTest::addColumn<QStringList>("reasons"); // per event; empty: acked

    const QString ok;
    QTest::addRow("all acked") << QList<QByteArray> { "a", "b", "c" } << 100 << 200 << QStringList { ok, ok, ok };
    QTest::addRow("one nack") << QList<QByteArray> { "a", "nack-b", "c" } << 100 << 500
                              << QStringList { ok, QStringLiteral("nack"), ok };
    QTest::addRow("one timeout") << QList<QByteArray> { "lost-a", "b" } << 100 << 500
                                 << QStringList { QStringLiteral("timeout"), ok };
    QTest::addRow("all refused") << QList<QByteArray> { "nack-a", "nack-b" } << 100 << 500
                                 << QStringList { QStringLiteral("nack"), QStringLiteral("nack") };
    QTest::addRow("over the in-flight bound") << QList<QByteArray> { "a", "b", "c" } << 2 << 429
                                              << QStringList { ok, ok, QStringLiteral("overloaded") };
    QTest::addRow("nack and overloaded: 500 wins")
        << QList<QByteArray> { "lost-a", "nack-b", "c", "d" } << 2 << 500
        << QStringList { QStringLiteral("timeout"), QStringLiteral("nack"), ok, QStringLiteral("overloaded") };
}

void TestCloudEventBatch::outcomes()
{
    QFETCH(QList<QByteArray>, ids);
    QFETCH(int, maxInFlight);
    QFETCH(int, status);
    QFETCH(QStringList, reasons);

    ScriptedPublisher publisher;
    Dispatcher dispatcher(&publisher, { std::chrono::milliseconds(300), maxInFlight });
    RequestLog log;
    WebhookServer::Options options;
    options.port = 0;
    options.endpoints = { Endpoint("/events", "events.{event}") };
    WebhookServer server(&dispatcher, &log, options);
    QString error;
    QVERIFY2(server.listen(&error), qPrintable(error));

    QByteArrayList events;
    for (const QByteArray &id : ids)
        events.append(cloudEvent(id));
    QNetworkAccessManager manager;
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1/events").arg(server.port())));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/cloudevents-batch+json"));
    QNetworkReply *reply = manager.post(request, "[" + events.join(',') + "]");
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(5000));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), status);
    const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
    const QJsonArray results = json.value(QLatin1String("events")).toArray();
    QCOMPARE(results.size(), ids.size());
    qint64 acked = 0;
    for (qsizetype i = 0; i < ids.size(); ++i) {
        const QJsonObject result = results.at(i).toObject();
        QCOMPARE(result.value(QLatin1String("id")).toString(), QStringLiteral("/t ") + QString::fromLatin1(ids.at(i)));
        QCOMPARE(result.value(QLatin1String("reason")).toString(), reasons.at(i));
        acked += reasons.at(i).isEmpty();
        if (reasons.at(i).isEmpty())
            QVERIFY(result.value(QLatin1String("seq")).toInteger() > 0);
    }
    QCOMPARE(json.value(QLatin1String("acked")).toInteger(), acked);
    QCOMPARE(json.value(QLatin1String("total")).toInteger(), qint64(ids.size()));
    if (status != 200)
        QVERIFY(reply->hasRawHeader("Retry-After"));
    // Each published event is its own structured message with its own key and subject; its
    // Nats-Msg-Id is the CloudEvent's key scoped to the endpoint ("<path>#ce <source> <id>").
    for (const OutgoingEvent &published : std::as_const(publisher.published)) {
        QCOMPARE(published.subject, QByteArray("events.com.example.t"));
        const QByteArray id
            = QJsonDocument::fromJson(published.body).object().value(QLatin1String("id")).toString().toLatin1();
        QCOMPARE(published.msgId, "/events#ce /t " + id);
    }
    QCOMPARE(server.endpointCounters().rows().value(0).requests, quint64(1));
    delete reply;
}

// A batch whose second event has no id is refused whole: the first event is not left in it either
// (the invariant fuzz_signatures asserts; before, the events parsed before the bad one stayed).
void TestCloudEventBatch::refusedBatchKeepsNoEvent()
{
    const CloudEventBatch batch
        = CloudEventBatch::parse("[" + cloudEvent("a") + R"(,{"specversion":"1.0","source":"/t","type":"t"}])");
    QVERIFY(!batch.error.isEmpty());
    QVERIFY2(batch.events.isEmpty(), qPrintable(batch.error));
    QVERIFY(!CloudEventBatch::parse("[" + cloudEvent("a") + ",1]").error.isEmpty());
    QVERIFY(CloudEventBatch::parse("[" + cloudEvent("a") + ",1]").events.isEmpty());
}

QTEST_GUILESS_MAIN(TestCloudEventBatch)
#include "tst_cloudeventbatch.moc"
