// Hostile input against the real webhook listener (in-process Runtime: embedded nats-server, fault
// proxy, bearer token and HMAC signature required). Each case has its expected answer, and after
// each the server must still store a valid event. Run under the asan preset in CI.
#include "nats/embeddednats.h"
#include "store/failedeventstore.h"
#include "outage/faultproxy.h"
#include "gateway.h"
#include "http/httplistener.h"
#include "nats/natsbus.h"
#include "runtime.h"
#include "testsupport.h"
#include "webhook/webhookauth.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {
constexpr int AckTimeoutMs = 1000;
constexpr int HeaderTimeoutMs = 2000;
constexpr int IdleTimeoutMs = 1500;
const QByteArray Token = "hostile-test-token";
const QByteArray Secret = "hostile-test-secret";
} // namespace

class TestHostileInput : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void requests_data();
    void requests();
    void invalidUtf8JsonIsStoredVerbatim();
    void slowlorisOneByteASecond();
    void manySlowConnectionsDoNotStarveOthers();
    void hundredIdleConnectionsAreClosed();
    void connectionsBeyondTheLimitGet503();
    void pipelinedBurstOf100();
    void clientsGoneBeforeTheirDeferredReply();
    void garbageFromTheNatsSide();

private:
    HeaderList authorised(const QByteArray &body, HeaderList headers = {}) const
    {
        headers.append({ "Authorization", "Bearer " + Token });
        headers.append({ "X-Hub-Signature-256", WebhookAuth::sign(Secret, body) });
        return headers;
    }
    QByteArray validRequest(const QByteArray &key, const QByteArray &body = "{\"ok\":true}") const
    {
        return rawRequest("POST", "/webhook", body, authorised(body, { { "Idempotency-Key", key } }));
    }
    // The server still stores events after whatever came before.
    void verifyStillServing();

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    quint16 m_port = 0;
};

void TestHostileInput::initTestCase()
{
    RuntimeConfig config;
    config.gateway.headerTimeout = std::chrono::milliseconds(HeaderTimeoutMs);
    config.gateway.idleTimeout = std::chrono::milliseconds(IdleTimeoutMs);
    config.gateway.auth.bearerToken = Token;
    config.gateway.auth.hmacSecret = Secret;
    QString error;
    m_runtime = startRuntime(config, m_dir.path(), std::chrono::milliseconds(AckTimeoutMs), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_port = m_runtime->webhookPort();
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
}

void TestHostileInput::cleanupTestCase()
{
    m_runtime.reset();
}

void TestHostileInput::verifyStillServing()
{
    HttpClient client(m_port);
    client.send(validRequest(uniqueKey()));
    const std::optional<HttpReply> reply = client.readReply(AckTimeoutMs + 3000);
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->json().value(QStringLiteral("seq")).toInteger() > 0);
}

void TestHostileInput::requests_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("mentions"); // in the answer's body or headers
    QTest::addColumn<bool>("closes"); // the server closes the connection after answering

    const QByteArray body = "{\"a\":1}";
    const auto post = [&](const HeaderList &headers, const QByteArray &payload = "{\"a\":1}") {
        return rawRequest("POST", "/webhook", payload, headers);
    };
    const HeaderList good = authorised(body, { { "Idempotency-Key", "k" } });

    // Size limits.
    QTest::addRow("oversize body, declared")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n") << 413 << QByteArray("")
        << true;
    QByteArray chunked = "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i)
        chunked += "10000\r\n" + QByteArray(0x10000, 'x') + "\r\n"; // 20 × 64 KiB > 1 MiB, no length up front
    chunked += "0\r\n\r\n";
    QTest::addRow("oversize body, undeclared (chunked)") << chunked << 413 << QByteArray("") << true;
    QByteArray manyHeaders = "POST /webhook HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 10000; ++i)
        manyHeaders += "X-H" + QByteArray::number(i) + ": v\r\n";
    manyHeaders += "\r\n";
    QTest::addRow("10,000 headers") << manyHeaders << 431 << QByteArray("") << true;
    QTest::addRow("1 MiB header line") << QByteArray(
        "POST /webhook HTTP/1.1\r\nX-Big: " + QByteArray(1024 * 1024, 'b') + "\r\n\r\n")
                                       << 431 << QByteArray("") << true;
    QTest::addRow("1 MiB request line") << QByteArray("GET /" + QByteArray(1024 * 1024, 'p') + " HTTP/1.1\r\n\r\n")
                                        << 414 << QByteArray("") << true;

    // Broken framing.
    QTest::addRow("malformed request line") << QByteArray("GARBAGE\r\n\r\n") << 400 << QByteArray("") << true;
    QTest::addRow("binary junk") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 16) << 400
                                 << QByteArray("") << true;
    QTest::addRow("unknown HTTP version")
        << QByteArray("GET /health HTTP/2.0\r\nHost: x\r\n\r\n") << 505 << QByteArray("") << true;
    QTest::addRow("header without colon")
        << QByteArray("GET /health HTTP/1.1\r\nHost x\r\n\r\n") << 400 << QByteArray("") << true;
    QTest::addRow("negative Content-Length")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n") << 400 << QByteArray("") << true;
    QTest::addRow("two different Content-Lengths")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc") << 400
        << QByteArray("") << true;
    QTest::addRow("Content-Length and chunked (smuggling)")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        << 400 << QByteArray("") << true;
    QTest::addRow("chunk shorter than its size")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc\r\n0\r\n\r\n") << 400
        << QByteArray("") << true;
    QTest::addRow("chunk size not hex") << QByteArray(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
                                        << 400 << QByteArray("") << true;
    QTest::addRow("chunk size overflowing 64 bits")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n") << 400
        << QByteArray("chunk") << true;

    // Framing a proxy in front may read differently (RFC 9112): refused, never guessed.
    const QByteArray smuggled = "0\r\n\r\nPOST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
    QTest::addRow("chunked then identity (smuggling)")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"
               + smuggled)
        << 400 << QByteArray("must end with chunked") << true;
    QTest::addRow("chunked, identity in one list")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n" + smuggled)
        << 400 << QByteArray("must end with chunked") << true;
    QTest::addRow("unknown coding before chunked")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + smuggled) << 501
        << QByteArray("only chunked") << true;
    QTest::addRow("HTTP/1.0 with Transfer-Encoding")
        << QByteArray("POST /webhook HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + smuggled) << 400
        << QByteArray("HTTP/1.0") << true;
    QTest::addRow("HTTP/1.1 without Host")
        << QByteArray("POST /webhook HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}") << 400 << QByteArray("Host") << true;
    QTest::addRow("two Host headers")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 7\r\n\r\n{\"a\":1}") << 400
        << QByteArray("more than one Host") << true;
    QTest::addRow("chunk size with spaces around it")
        << QByteArray("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 7 \r\n{\"a\":1}\r\n0\r\n\r\n")
        << 400 << QByteArray("chunk size") << true;

    // Authentication (the connection stays usable).
    HeaderList noToken { { "Idempotency-Key", "k" }, { "X-Hub-Signature-256", WebhookAuth::sign(Secret, body) } };
    QTest::addRow("missing token") << post(noToken) << 401 << QByteArray("Bearer") << false;
    QTest::addRow("bad token") << post(noToken + HeaderList { { "Authorization", "Bearer wrong" } }) << 401
                               << QByteArray("wrong bearer token") << false;
    HeaderList noSignature { { "Idempotency-Key", "k" }, { "Authorization", "Bearer " + Token } };
    QTest::addRow("bad HMAC") << post(
        noSignature + HeaderList { { "X-Hub-Signature-256", WebhookAuth::sign("nope", body) } })
                              << 401 << QByteArray("does not match") << false;
    QTest::addRow("HMAC of another body")
        << post(noSignature + HeaderList { { "X-Hub-Signature-256", WebhookAuth::sign(Secret, "{}") } }) << 401
        << QByteArray("does not match") << false;
    QTest::addRow("malformed HMAC") << post(noSignature + HeaderList { { "X-Hub-Signature-256", "sha256=xyz" } }) << 401
                                    << QByteArray("malformed") << false;
    QTest::addRow("missing HMAC") << post(noSignature) << 401 << QByteArray("missing signature") << false;

    // Routing and content.
    QTest::addRow("unknown path") << rawRequest("POST", "/admin/../../etc/passwd", body, good) << 404
                                  << QByteArray("no webhook endpoint") << false;
    QTest::addRow("wrong method") << rawRequest("DELETE", "/webhook", {}, good) << 405 << QByteArray("OPTIONS, POST")
                                  << false;
    QTest::addRow("invalid UTF-8 in a structured CloudEvent")
        << post(authorised("{\"specversion\":\"1.0\",\"id\":\"\xff\xfe\",\"source\":\"s\",\"type\":\"t\"}",
                    { { "Content-Type", "application/cloudevents+json" } }),
               "{\"specversion\":\"1.0\",\"id\":\"\xff\xfe\",\"source\":\"s\",\"type\":\"t\"}")
        << 400 << QByteArray("CloudEvent") << false;
    QTest::addRow("binary CloudEvent without ce-type")
        << post(authorised(body, { { "ce-specversion", "1.0" }, { "ce-id", "1" }, { "ce-source", "s" } })) << 400
        << QByteArray("ce-type") << false;
    QTest::addRow("control character in a header value") << post(authorised(body,
        { { "Idempotency-Key",
            "a\x01"
            "b" } })) << 400 << QByteArray("control character")
                                                         << true;
    QTest::addRow("idempotency key not ASCII") << post(authorised(body, { { "Idempotency-Key", "caf\xc3\xa9" } }))
                                               << 400 << QByteArray("printable ASCII") << false;
}

void TestHostileInput::requests()
{
    QFETCH(QByteArray, bytes);
    QFETCH(int, status);
    QFETCH(QByteArray, mentions);
    QFETCH(bool, closes);

    HttpClient client(m_port);
    client.send(bytes);
    const std::optional<HttpReply> reply = client.readReply(HeaderTimeoutMs + 3000);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    QByteArray all = reply->body;
    for (const auto &[name, value] : reply->headers)
        all += '\n' + name + ": " + value;
    QVERIFY2(all.contains(mentions), all.constData());
    if (status == 401)
        QCOMPARE(QByteArray(reply->header("WWW-Authenticate")), QByteArray("Bearer"));
    if (closes) {
        QVERIFY(client.waitForClose(3000));
    } else {
        // The same connection goes on: a valid request on it is stored.
        client.send(validRequest(uniqueKey()));
        const std::optional<HttpReply> next = client.readReply(AckTimeoutMs + 3000);
        QVERIFY(next);
        QCOMPARE(next->status, 200);
    }
    verifyStillServing();
}

void TestHostileInput::invalidUtf8JsonIsStoredVerbatim()
{
    // A gateway does not judge payloads: bytes that are not UTF-8 are stored as they came.
    const QByteArray body("{\"name\":\"\xc3\x28\xff\x00\"}", 14);
    const QByteArray key = uniqueKey();
    const std::optional<HttpReply> reply = request(m_port, "POST", "/webhook", body,
        authorised(body, { { "Content-Type", "application/json" }, { "Idempotency-Key", key } }));
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    StreamReader reader(m_runtime->embeddedNats()->url());
    const std::optional<StoredMessage> stored
        = reader.message("EVENTS", static_cast<quint64>(reply->json().value(QStringLiteral("seq")).toInteger()));
    QVERIFY(stored);
    QCOMPARE(stored->data, body);
    QCOMPARE(stored->header("Nats-Msg-Id"), key);
    QVERIFY(stored->header("Authorization").isEmpty());
    QVERIFY(stored->header("X-Hub-Signature-256").isEmpty());
}

void TestHostileInput::slowlorisOneByteASecond()
{
    HttpClient client(m_port);
    QElapsedTimer clock;
    clock.start();
    const QByteArray head = "POST /webhook HTTP/1.1\r\nHost: slow\r\n";
    std::optional<HttpReply> reply;
    qsizetype sent = 0;
    for (; sent < head.size() && !reply; ++sent) {
        client.send(head.mid(sent, 1));
        reply = client.readReply(1000); // one byte a second, unless the server answers first
    }
    QVERIFY(reply);
    QCOMPARE(reply->status, 408);
    QVERIFY(clock.elapsed() >= HeaderTimeoutMs); // the deadline runs from the first byte
    // The order that matters: the 408 came while the head was still incomplete.
    QVERIFY2(sent < head.size(), "408 only after the whole head: dribbling extended the deadline");
    QVERIFY(client.waitForClose(10000));
    verifyStillServing();
}

void TestHostileInput::manySlowConnectionsDoNotStarveOthers()
{
    std::vector<std::unique_ptr<HttpClient>> slow;
    for (int i = 0; i < 200; ++i) {
        slow.push_back(std::make_unique<HttpClient>(m_port));
        slow.back()->send("POST /webhook HTTP/1.1\r\nHo");
    }
    verifyStillServing(); // while 200 connections hold half a request each
    for (auto &client : slow) {
        const std::optional<HttpReply> reply = client->readReply(HeaderTimeoutMs + 3000);
        QVERIFY(reply);
        QCOMPARE(reply->status, 408);
    }
    verifyStillServing();
}

void TestHostileInput::hundredIdleConnectionsAreClosed()
{
    QElapsedTimer clock; // started before the first connection: none can be idle longer than this
    clock.start();
    std::vector<std::unique_ptr<HttpClient>> idle;
    for (int i = 0; i < 100; ++i)
        idle.push_back(std::make_unique<HttpClient>(m_port));
    // Far below the connection limit (4096, connectionsBeyondTheLimitGet503): the idle timeout
    // is what bounds idle connections.
    for (auto &client : idle)
        QVERIFY(client->waitForClose(IdleTimeoutMs + 10000)); // closed without a word
    QVERIFY(clock.elapsed() >= IdleTimeoutMs - 100);
    for (auto &client : idle)
        QVERIFY(client->socket().readAll().isEmpty());
    verifyStillServing();
}

void TestHostileInput::connectionsBeyondTheLimitGet503()
{
    // The listener's limit (4096 by default, HttpListener::Options::maxConnections), made small here:
    // a connection beyond it gets 503 and is closed; one that leaves makes room for the next.
    HttpListener::Options options;
    options.maxConnections = 3;
    HttpListener listener(options);
    int handled = 0;
    listener.setRequestHandler([&handled](HttpRequest &&, const HttpResponder &responder) {
        ++handled;
        responder.respond(HttpResponse::text(200, "OK\n"));
    });
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    const quint16 port = listener.serverPort();
    std::vector<std::unique_ptr<HttpClient>> held;
    for (int i = 0; i < options.maxConnections; ++i) {
        held.push_back(std::make_unique<HttpClient>(port));
        held.back()->send(rawRequest("GET", "/"));
        const std::optional<HttpReply> reply = held.back()->readReply(10000);
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }
    QCOMPARE(listener.connectionCount(), options.maxConnections);

    HttpClient beyond(port);
    beyond.send(rawRequest("GET", "/"));
    const std::optional<HttpReply> refused = beyond.readReply(10000);
    QVERIFY(refused);
    QCOMPARE(refused->status, 503);
    QVERIFY2(refused->body.contains("too many connections"), refused->body.constData());
    QVERIFY(beyond.waitForClose(10000));
    QCOMPARE(handled, options.maxConnections); // its request never reached the handler

    held.front()->abort();
    QTRY_COMPARE_WITH_TIMEOUT(listener.connectionCount(), options.maxConnections - 1, 10000);
    HttpClient next(port);
    next.send(rawRequest("GET", "/"));
    const std::optional<HttpReply> served = next.readReply(10000);
    QVERIFY(served);
    QCOMPARE(served->status, 200);
}

void TestHostileInput::pipelinedBurstOf100()
{
    HttpClient client(m_port);
    QByteArray burst;
    QList<QByteArray> keys;
    for (int i = 0; i < 100; ++i) {
        keys.append(uniqueKey());
        burst += validRequest(keys.last(), "{\"n\":" + QByteArray::number(i) + '}');
    }
    client.send(burst);
    qint64 lastSeq = 0;
    for (int i = 0; i < 100; ++i) {
        const std::optional<HttpReply> reply = client.readReply(AckTimeoutMs + 5000);
        QVERIFY2(reply, qPrintable(QStringLiteral("answer %1 missing").arg(i)));
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->json().value(QStringLiteral("id")).toString().toLatin1(), keys.at(i)); // in order
        const qint64 seq = reply->json().value(QStringLiteral("seq")).toInteger();
        QVERIFY(seq > lastSeq);
        lastSeq = seq;
    }
}

void TestHostileInput::clientsGoneBeforeTheirDeferredReply()
{
    // A blackholed broker keeps the dispatches waiting; their callers leave before the answer.
    OutageSettings settings;
    settings.mode = OutageSettings::Mode::Blackhole;
    m_runtime->faultProxy()->setSettings(settings);
    const qint64 pendingBefore = m_runtime->failedEvents()->stats().pending;
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(std::make_unique<HttpClient>(m_port));
        clients.back()->send(validRequest(uniqueKey()));
    }
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->inFlight(), 20, 5000);
    for (auto &client : clients)
        client->abort();
    clients.clear();
    // Each resolves (timeout) and is recorded, though nobody is there to read the 500.
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->inFlight(), 0, AckTimeoutMs + 2000);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, pendingBefore + 20, 3000);
    settings.mode = OutageSettings::Mode::Off;
    m_runtime->faultProxy()->setSettings(settings);
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isConnected(), 10000);
    verifyStillServing();
}

void TestHostileInput::garbageFromTheNatsSide()
{
    // A fake "NATS server" that answers every connection with protocol junk, through the fault
    // proxy (first plain forwarding, then ack-loss, which parses what the server sends).
    QTcpServer fake;
    QVERIFY(fake.listen(QHostAddress::LocalHost, 0));
    int connections = 0;
    connect(&fake, &QTcpServer::newConnection, this, [&] {
        while (QTcpSocket *socket = fake.nextPendingConnection()) {
            ++connections;
            socket->setParent(&fake);
            socket->write("INFO {\"server_id\":\"fake\",\"max_payload\":-1,\"headers\":true}\r\n"
                          "MSG a 1 99999999999999999999\r\nPING\r\n+OK\r\n-ERR 'x\r\nHMSG $JS.ACK 1 5 2\r\n"
                          "INFO not json\r\n");
            socket->write(QByteArray("\x00\xff\r\nMSG\r\nHMSG _INBOX.x 1 _INBOX.y 10 5\r\nNATS/1.0\r\n\r\n", 48));
            QByteArray noise(4096, '\0');
            for (qsizetype i = 0; i < noise.size(); ++i)
                noise[i] = static_cast<char>((i * 131 + connections * 17) % 256);
            socket->write(noise);
            QTimer::singleShot(200, socket, &QTcpSocket::disconnectFromHost);
        }
    });

    QTemporaryDir dir;
    RuntimeConfig config;
    config.gateway.natsUrls = { QStringLiteral("nats://127.0.0.1:%1").arg(fake.serverPort()) };
    QString error;
    std::unique_ptr<Runtime> runtime
        = startRuntime(config, dir.path(), std::chrono::milliseconds(AckTimeoutMs), &error);
    QVERIFY2(runtime, qPrintable(error));
    for (const char *mode : { "off", "ack-loss", "latency" }) {
        OutageSettings settings;
        settings.mode = *OutageSettings::modeFromName(QString::fromLatin1(mode));
        settings.latencyMs = 10;
        runtime->faultProxy()->setSettings(settings);
        const int before = connections;
        QTRY_VERIFY_WITH_TIMEOUT(connections > before, 10000); // cnats keeps trying, and meets junk each time
        for (int i = 0; i < 5; ++i) {
            const std::optional<HttpReply> reply = request(runtime->webhookPort(), "POST", "/webhook", "{}",
                { { "Idempotency-Key", uniqueKey() } }, AckTimeoutMs + 10000); // a hang bound
            QVERIFY(reply);
            QCOMPARE(reply->status, 500); // never a 200: nothing acknowledged it
            const QString reason = reply->json().value(QLatin1String("reason")).toString();
            QVERIFY2(reason == QLatin1String("disconnected") || reason == QLatin1String("timeout"), qPrintable(reason));
        }
    }
    // And it shuts down cleanly: stopped() comes, and its listener is gone.
    const quint16 port = runtime->webhookPort();
    bool stopped = false;
    connect(runtime.get(), &Runtime::stopped, this, [&stopped] { stopped = true; });
    runtime->shutdownAndWait();
    QVERIFY(stopped);
    runtime.reset();
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!probe.waitForConnected(2000));
    verifyStillServing();
}

QTEST_GUILESS_MAIN(TestHostileInput)
#include "tst_hostileinput.moc"
