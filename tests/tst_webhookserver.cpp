// WebhookServer end to end: real nats-server, real HTTP over loopback, the Gateway in its thread.
#include "nats/embeddednats.h"
#include "gateway.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <QUuid>

using namespace TestSupport;
using namespace std::chrono_literals;

namespace {
constexpr int AckTimeoutMs = 2000;
constexpr int HeaderTimeoutMs = 1000;
constexpr int IdleTimeoutMs = 1500;

} // namespace

class TestWebhookServer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void postIsStoredWithItsKey();
    void sameKeyTwiceIsStoredOnce();
    void cloudEventAttributesArePublishedSecretsAreNot();
    void routes_data();
    void routes();
    void pipelinedRepliesComeInOrder();
    void expectContinue();
    void oversizeBodyIsRefusedWithoutBuffering_data();
    void oversizeBodyIsRefusedWithoutBuffering();
    void slowHeadersGet408();
    void idleConnectionIsClosed();
    void clientGoneBeforeDeferredReply();
    void inFlightBoundAnswers429();
    void natsKilledThenRestarted();

private:
    GatewayConfig config() const;
    HttpReply post(const QByteArray &key, const QByteArray &body = "{\"hello\":\"world\"}");

    QTemporaryDir m_dir;
    std::unique_ptr<EmbeddedNats> m_nats;
    std::unique_ptr<GatewayHost> m_host;
    quint16 m_port = 0;
};

GatewayConfig TestWebhookServer::config() const
{
    GatewayConfig config;
    config.listenPort = 0; // any free loopback port
    config.natsUrls = { m_nats->url() };
    config.ackTimeout = std::chrono::milliseconds(AckTimeoutMs);
    config.headerTimeout = std::chrono::milliseconds(HeaderTimeoutMs);
    config.idleTimeout = std::chrono::milliseconds(IdleTimeoutMs);
    return config;
}

HttpReply TestWebhookServer::post(const QByteArray &key, const QByteArray &body)
{
    const auto reply
        = request(m_port, "POST", "/webhook", body, { { "Content-Type", "application/json" }, { "X-Event-Id", key } });
    return reply.value_or(HttpReply {});
}

void TestWebhookServer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    EmbeddedNats::Options options;
    options.dataDir = m_dir.path();
    m_nats = std::make_unique<EmbeddedNats>(options);
    QString error;
    QVERIFY2(m_nats->start(&error), qPrintable(error));

    m_host = std::make_unique<GatewayHost>(config());
    QVERIFY2(m_host->start(&error), qPrintable(error));
    m_port = m_host->port();
    QVERIFY(m_port != 0);
    // The stream is created asynchronously after the connection: wait until it answers 200.
    QTRY_COMPARE_WITH_TIMEOUT(post(uniqueKey()).status, 200, 10000);
}

void TestWebhookServer::cleanupTestCase()
{
    if (m_nats)
        continueProcess(m_nats->pid());
    m_host.reset();
    m_nats.reset();
}

void TestWebhookServer::postIsStoredWithItsKey()
{
    const QByteArray key = uniqueKey();
    const QByteArray body = R"({"order":42,"items":["a","b"]})";
    const HttpReply reply = post(key, body);
    QCOMPARE(reply.status, 200);
    const QJsonObject json = reply.json();
    QCOMPARE(json.value(QLatin1String("stream")).toString(), QStringLiteral("EVENTS"));
    QCOMPARE(json.value(QLatin1String("id")).toString(), QString::fromLatin1(key));
    QCOMPARE(json.value(QLatin1String("duplicate")).toBool(), false);
    const quint64 seq = json.value(QLatin1String("seq")).toInteger();
    QVERIFY(seq > 0);

    StreamReader reader(m_nats->url());
    QVERIFY(reader.isValid());
    const auto stored = reader.message("EVENTS", seq);
    QVERIFY(stored.has_value());
    QCOMPARE(stored->subject, QByteArray("ackhook.webhook"));
    QCOMPARE(stored->data, body);
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", key));
    QCOMPARE(stored->header("Content-Type"), QByteArray("application/json"));
}

void TestWebhookServer::sameKeyTwiceIsStoredOnce()
{
    StreamReader reader(m_nats->url());
    const quint64 before = reader.messageCount("EVENTS");
    const QByteArray key = uniqueKey();
    const HttpReply first = post(key);
    const HttpReply second = post(key);
    QCOMPARE(first.status, 200);
    QCOMPARE(second.status, 200);
    QCOMPARE(first.json().value(QLatin1String("duplicate")).toBool(), false);
    QCOMPARE(second.json().value(QLatin1String("duplicate")).toBool(), true);
    QCOMPARE(
        second.json().value(QLatin1String("seq")).toInteger(), first.json().value(QLatin1String("seq")).toInteger());
    QCOMPARE(reader.messageCount("EVENTS"), before + 1);
}

void TestWebhookServer::cloudEventAttributesArePublishedSecretsAreNot()
{
    const QByteArray id = uniqueKey();
    const auto reply = request(m_port, "POST", "/webhook", "{}",
        { { "Content-Type", "application/json" }, { "ce-specversion", "1.0" }, { "ce-source", "/tests" },
            { "ce-id", id }, { "ce-type", "com.example.test" }, { "Authorization", "Bearer secret-token" },
            { "Cookie", "session=secret" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->json().value(QLatin1String("id")).toString(), QStringLiteral("/tests ") + QString::fromLatin1(id));

    StreamReader reader(m_nats->url());
    const auto stored = reader.message("EVENTS", reply->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", QByteArray("/tests " + id), true));
    QCOMPARE(stored->header("ce-type"), QByteArray("com.example.test"));
    QCOMPARE(stored->header("ce-source"), QByteArray("/tests"));
    QVERIFY(stored->header("Authorization").isNull());
    QVERIFY(stored->header("Cookie").isNull());
}

void TestWebhookServer::routes_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("headerName");
    QTest::addColumn<QByteArray>("headerValue");

    QTest::addRow("GET /webhook") << QByteArray("GET") << QByteArray("/webhook") << HeaderList {} << 405
                                  << QByteArray("Allow") << QByteArray("OPTIONS, POST");
    QTest::addRow("PUT /webhook") << QByteArray("PUT") << QByteArray("/webhook") << HeaderList {} << 405
                                  << QByteArray("Allow") << QByteArray("OPTIONS, POST");
    QTest::addRow("unknown path") << QByteArray("POST") << QByteArray("/nope") << HeaderList {} << 404
                                  << QByteArray("Content-Type") << QByteArray("application/json");
    QTest::addRow("health") << QByteArray("GET") << QByteArray("/health") << HeaderList {} << 200
                            << QByteArray("Content-Type") << QByteArray("text/plain; charset=utf-8");
    QTest::addRow("HEAD health") << QByteArray("HEAD") << QByteArray("/health") << HeaderList {} << 200
                                 << QByteArray("Content-Length") << QByteArray("3");
    QTest::addRow("POST health") << QByteArray("POST") << QByteArray("/health") << HeaderList {} << 405
                                 << QByteArray("Allow") << QByteArray("GET, HEAD");
    QTest::addRow("CloudEvents abuse protection")
        << QByteArray("OPTIONS") << QByteArray("/webhook")
        << HeaderList { { "WebHook-Request-Origin", "eventemitter.example.com" } } << 200
        << QByteArray("WebHook-Allowed-Origin") << QByteArray("eventemitter.example.com");
    QTest::addRow("bad idempotency key") << QByteArray("POST") << QByteArray("/webhook")
                                         << HeaderList { { "Idempotency-Key", QByteArray(300, 'k') } } << 400
                                         << QByteArray("Content-Type") << QByteArray("application/json");
    QTest::addRow("malformed structured CloudEvent")
        << QByteArray("POST") << QByteArray("/webhook")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } } << 400 << QByteArray("Content-Type")
        << QByteArray("application/json");
}

void TestWebhookServer::routes()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(HeaderList, headers);
    QFETCH(int, status);
    QFETCH(QByteArray, headerName);
    QFETCH(QByteArray, headerValue);

    const auto reply
        = request(m_port, method, path, method == "POST" ? QByteArray("{not json") : QByteArray(), headers);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    QCOMPARE(reply->header(headerName), headerValue);
    if (status >= 400)
        QVERIFY2(!reply->json().value(QLatin1String("error")).toString().isEmpty(), reply->body.constData());
    if (method == "HEAD")
        QVERIFY(reply->body.isEmpty());
}

void TestWebhookServer::pipelinedRepliesComeInOrder()
{
    // The POST waits for its PubAck; /health would answer at once. Order must still hold.
    HttpClient connection(m_port);
    QVERIFY(connection.isConnected());
    const QByteArray key1 = uniqueKey();
    const QByteArray key2 = uniqueKey();
    connection.send(rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", key1 } }) + rawRequest("GET", "/health")
        + rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", key2 } }) + rawRequest("GET", "/nope"));
    const auto r1 = connection.readReply();
    const auto r2 = connection.readReply();
    const auto r3 = connection.readReply();
    const auto r4 = connection.readReply();
    QVERIFY(r1 && r2 && r3 && r4);
    QCOMPARE(r1->status, 200);
    QCOMPARE(r1->json().value(QLatin1String("id")).toString(), QString::fromLatin1(key1));
    QCOMPARE(r2->status, 200);
    QCOMPARE(r2->body, QByteArray("OK\n"));
    QCOMPARE(r3->status, 200);
    QCOMPARE(r3->json().value(QLatin1String("id")).toString(), QString::fromLatin1(key2));
    QCOMPARE(r4->status, 404);
}

void TestWebhookServer::expectContinue()
{
    // What curl does for bodies over 1 KiB: wait for "100 Continue" before sending the body.
    HttpClient connection(m_port);
    const QByteArray body(4000, 'x');
    connection.send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 4000\r\nExpect: 100-continue\r\n"
                    "X-Event-Id: "
        + uniqueKey() + "\r\n\r\n");
    QTRY_VERIFY_WITH_TIMEOUT(
        (connection.socket().waitForReadyRead(10), connection.socket().peek(64).startsWith("HTTP/1.1 100 Continue")),
        5000);
    connection.send(body);
    const auto reply = connection.readReply();
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);

    // Too large: refused before the client sends the body.
    HttpClient refused(m_port);
    refused.send("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\nExpect: 100-continue\r\n\r\n");
    const auto tooLarge = refused.readReply();
    QVERIFY(tooLarge);
    QCOMPARE(tooLarge->status, 413);
    QCOMPARE(tooLarge->header("Connection"), QByteArray("close"));
}

void TestWebhookServer::oversizeBodyIsRefusedWithoutBuffering_data()
{
    QTest::addColumn<bool>("chunked");
    QTest::addRow("declared Content-Length") << false;
    QTest::addRow("chunked, undeclared length") << true;
}

void TestWebhookServer::oversizeBodyIsRefusedWithoutBuffering()
{
    QFETCH(bool, chunked);
    constexpr qint64 Total = 256LL * 1024 * 1024;
    constexpr qint64 Chunk = 1024 * 1024;
    const qint64 rssBefore = residentKiB();

    HttpClient connection(m_port);
    QVERIFY(connection.isConnected());
    connection.send(chunked
            ? QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            : "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(Total) + "\r\n\r\n");
    const QByteArray piece = chunked ? "100000\r\n" + QByteArray(Chunk, 'z') + "\r\n" : QByteArray(Chunk, 'z');
    QTcpSocket &socket = connection.socket();
    QElapsedTimer clock;
    clock.start();
    qint64 sent = 0;
    // Bounded by bytes and time; stops early when the server closes the connection.
    while (sent < Total && clock.elapsed() < 30000 && socket.state() == QAbstractSocket::ConnectedState) {
        socket.write(piece);
        sent += Chunk;
        while (socket.bytesToWrite() > Chunk && socket.state() == QAbstractSocket::ConnectedState)
            socket.waitForBytesWritten(100);
    }
    const auto reply = connection.readReply(5000);
    QVERIFY(reply);
    QCOMPARE(reply->status, 413);
    QVERIFY(reply->json().value(QLatin1String("error")).toString().contains(QLatin1String("limit")));
    const qint64 growthKiB = residentKiB() - rssBefore;
    qInfo("sent %lld MiB, resident memory grew by %lld KiB", sent / Chunk, growthKiB);
    QVERIFY2(growthKiB < 64 * 1024, "memory grew with the refused body");

    const auto health = request(m_port, "GET", "/health");
    QVERIFY(health);
    QCOMPARE(health->status, 200);
}

void TestWebhookServer::slowHeadersGet408()
{
    HttpClient connection(m_port);
    QElapsedTimer clock;
    clock.start();
    connection.send("POST /webhook HTTP/1.1\r\nX-Slow: ");
    // Dribbling bytes does not extend the deadline, which runs from the first byte of the request:
    // a byte every 100 ms (far more often than the timeout) for up to 100 bytes, and the 408 must
    // come before the head is complete. A deadline that restarted with each byte never fires here.
    std::optional<HttpReply> reply;
    int dribbled = 0;
    for (; dribbled < 100 && !(reply = connection.readReply(100)); ++dribbled)
        connection.send("x");
    QVERIFY2(reply, "no 408 while the head was dribbled in");
    QCOMPARE(reply->status, 408);
    QVERIFY(clock.elapsed() >= HeaderTimeoutMs); // the deadline runs from the first byte, not earlier
    qInfo("408 after %lld ms and %d dribbled bytes", clock.elapsed(), dribbled);
    QVERIFY(connection.waitForClose(10000));
}

void TestWebhookServer::idleConnectionIsClosed()
{
    HttpClient connection(m_port);
    connection.send(rawRequest("GET", "/health"));
    const auto reply = connection.readReply();
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(connection.waitForClose(IdleTimeoutMs + 3000));
    QVERIFY(clock.elapsed() >= IdleTimeoutMs - 100);
}

void TestWebhookServer::clientGoneBeforeDeferredReply()
{
    // A frozen broker keeps the dispatches waiting; their clients leave before the answer.
    FrozenProcess frozen(m_nats->pid()); // resumed however this test ends
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 10; ++i) {
        clients.push_back(std::make_unique<HttpClient>(m_port));
        clients.back()->send(rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", uniqueKey() } }));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_host->gateway()->inFlight(), 10, 5000);
    for (auto &client : clients)
        client->abort();
    clients.clear();
    // Their answers are due after the ack timeout: the server must survive writing to nobody.
    QTRY_COMPARE_WITH_TIMEOUT(m_host->gateway()->inFlight(), 0, AckTimeoutMs + 2000);
    frozen.resume();

    QTRY_COMPARE_WITH_TIMEOUT(post(uniqueKey()).status, 200, 5000);
}

void TestWebhookServer::inFlightBoundAnswers429()
{
    GatewayConfig bounded = config();
    bounded.maxInFlight = 4;
    GatewayHost host(bounded);
    QString error;
    QVERIFY2(host.start(&error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(host.gateway()->bus()->isStreamReady(), 5000);

    FrozenProcess frozen(m_nats->pid()); // resumed however this test ends
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<HttpClient>(host.port()));
        clients.back()->send(rawRequest("POST", "/webhook", "{}", { { "X-Event-Id", uniqueKey() } }));
    }
    QMap<int, int> statuses;
    QList<int> order; // statuses in the order they were read
    std::vector<bool> answered(clients.size(), false);
    int remaining = static_cast<int>(clients.size());
    // Read every connection in turn (bounded polls); the deadline is a hang bound only.
    const QDeadlineTimer deadline(AckTimeoutMs + 10000);
    while (remaining > 0 && !deadline.hasExpired()) {
        for (size_t i = 0; i < clients.size(); ++i) {
            if (answered[i])
                continue;
            const auto reply = clients[i]->readReply(5);
            if (!reply)
                continue;
            answered[i] = true;
            --remaining;
            ++statuses[reply->status];
            order.append(reply->status);
            if (reply->status == 429) {
                QCOMPARE(reply->header("Retry-After"), QByteArray("1"));
                QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("overloaded"));
            } else {
                QCOMPARE(reply->json().value(QLatin1String("reason")).toString(), QStringLiteral("timeout"));
            }
        }
    }
    QCOMPARE(remaining, 0);
    frozen.resume();
    QCOMPARE(statuses.value(429), 2);
    QCOMPARE(statuses.value(500), 4);
    // 429 does not wait for the in-flight dispatches: both come before any of their timeouts.
    QCOMPARE(order.mid(0, 2), QList<int>({ 429, 429 }));
    host.shutdownAndWait();
}

void TestWebhookServer::natsKilledThenRestarted()
{
    QList<QByteArray> acked;
    for (int i = 0; i < 20; ++i) {
        const QByteArray key = uniqueKey();
        const HttpReply reply = post(key);
        QCOMPARE(reply.status, 200);
        acked.append(key);
    }

    m_nats->kill(); // SIGKILL
    for (int i = 0; i < 10; ++i) {
        const QByteArray key = uniqueKey();
        const HttpReply reply = post(key); // (post's 10 s deadline is the hang bound)
        QVERIFY2(reply.status != 0, "no answer while nats-server was down");
        if (reply.status == 200) { // only possible for a request racing the kill
            acked.append(key);
            continue;
        }
        QCOMPARE(reply.status, 500);
        const QString reason = reply.json().value(QLatin1String("reason")).toString();
        QVERIFY2(reason == QLatin1String("disconnected") || reason == QLatin1String("timeout"), qPrintable(reason));
        QVERIFY(!reply.header("Retry-After").isEmpty());
    }

    QString error;
    QVERIFY2(m_nats->start(&error), qPrintable(error)); // same port, same store
    QElapsedTimer sinceRestart;
    sinceRestart.start();
    QTRY_VERIFY_WITH_TIMEOUT(m_host->gateway()->bus()->isConnected(), 15000);
    const QByteArray key = uniqueKey();
    QCOMPARE(post(key).status, 200);
    acked.append(key);
    qInfo("200 again %lld ms after nats-server restarted", sinceRestart.elapsed());
    for (int i = 0; i < 20; ++i) {
        const QByteArray key = uniqueKey();
        QCOMPARE(post(key).status, 200);
        acked.append(key);
    }

    // Every id answered 200 is in the stream.
    StreamReader reader(m_nats->url());
    QSet<QByteArray> stored;
    for (const StoredMessage &message : reader.all("EVENTS"))
        stored.insert(message.keyOn("/webhook"));
    for (const QByteArray &id : std::as_const(acked))
        QVERIFY2(stored.contains(id), id.constData());
}

QTEST_GUILESS_MAIN(TestWebhookServer)
#include "tst_webhookserver.moc"
