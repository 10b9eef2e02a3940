// Providers' handshakes end to end on a real Runtime (embedded nats-server, HTTP on loopback): Zoom's
// endpoint.url_validation, Discord's PING, Microsoft Graph's validationToken and Dropbox's challenge
// are answered with the bytes each provider expects, are never stored in the stream nor queued as
// failed, a bad signature is 401 and malformed input a 400 naming what is wrong, with no secret in
// any answer or log line. (Slack's url_verification: tst_endpoints; AWS SNS's SubscriptionConfirmation
// and signatures: tst_sns.)
#include "commandline.h"
#include "configruntime.h"
#include "testsupport.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

constexpr int AckTimeoutMs = 2000;
const QByteArray ZoomSecret = "tst-handshakes-zoom-secret-token";
const QByteArray DropboxSecret = "tst-handshakes-dropbox-app-secret";
const QByteArray GraphClientState = "tst-handshakes-graph-client-state";
const QByteArray PlainToken = "qgg8vlvZRS6UYooatFL8Aw";
// Computed outside ackhook with the openssl command line (Zoom's recipe: hex HMAC-SHA256 of the
// plainToken, keyed with the app's secret token):
//   printf '%s' qgg8vlvZRS6UYooatFL8Aw | openssl dgst -sha256 -hmac tst-handshakes-zoom-secret-token
const QByteArray ZoomEncryptedToken = "80d5cb2c727bb924b09de67b58b803183faf40c953c18bc99beaac33aff5baee";

const QByteArray Config = R"(# tst_handshakes: one endpoint per provider handshake, and one that has none
[stream]
name = "EVENTS"
subjects = ["hs.>"]

[[endpoint]]
path = "/zoom"
source = "zoom"
secret_env = "TST_HANDSHAKES_ZOOM_SECRET"
subject = "hs.zoom.{event}"

[[endpoint]]
path = "/discord"
source = "discord"
secret_file = "discord.public"
subject = "hs.discord"

[[endpoint]]
path = "/graph"
source = "microsoft-graph"
secret_env = "TST_HANDSHAKES_GRAPH_CLIENT_STATE"
subject = "hs.graph"

[[endpoint]]
path = "/dropbox"
source = "dropbox"
secret_env = "TST_HANDSHAKES_DROPBOX_SECRET"
subject = "hs.dropbox"

[[endpoint]]
path = "/plain"
subject = "hs.plain"
)";

qint64 now()
{
    return QDateTime::currentSecsSinceEpoch();
}

QByteArray hmacHex(const QByteArray &secret, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, secret, QCryptographicHash::Sha256).toHex();
}

HeaderList zoom(const QByteArray &body, qint64 timestamp, const QByteArray &secret = ZoomSecret)
{
    const QByteArray t = QByteArray::number(timestamp);
    return { { "Content-Type", "application/json" }, { "x-zm-request-timestamp", t },
        { "x-zm-signature", "v0=" + hmacHex(secret, "v0:" + t + ':' + body) } };
}

QByteArray zoomValidation(const QByteArray &payload)
{
    return R"({"event":"endpoint.url_validation","payload":)" + payload + R"(,"event_ts":1654503849680})";
}


} // namespace

class TestHandshakes : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void zoomUrlValidation();
    void zoomBadSignature();
    void zoomMalformed_data();
    void zoomMalformed();
    void discordPing();
    void graphValidationToken();
    void graphMalformed_data();
    void graphMalformed();
    void dropboxChallenge();
    void dropboxMalformed_data();
    void dropboxMalformed();
    void noSecretLogged();

private:
    quint64 messageCount() { return m_reader->messageCount("EVENTS"); }
    qint64 failedTotal() { return m_runtime->failedEvents()->stats().total; }
    QByteArray discordSign(const QByteArray &message);
    QJsonObject endpointJson(const char *api, const QByteArray &name);

    std::unique_ptr<LogCapture> m_log;
    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<StreamReader> m_reader;
    quint16 m_port = 0;
    QString m_discordKey;
};

void TestHandshakes::initTestCase()
{
    m_log = std::make_unique<LogCapture>();
    QVERIFY(m_dir.isValid());
    // Discord signs with its application's Ed25519 key: a key pair made by openssl.
    m_discordKey = m_dir.filePath(QStringLiteral("discord.pem"));
    runOpenssl({ QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"),
        QStringLiteral("-out"), m_discordKey });
    QVERIFY2(QFile::exists(m_discordKey), "openssl genpkey failed (./dev test installs openssl)");
    const QByteArray publicDer = runOpenssl({ QStringLiteral("pkey"), QStringLiteral("-in"), m_discordKey,
        QStringLiteral("-pubout"), QStringLiteral("-outform"), QStringLiteral("DER") });
    QCOMPARE(publicDer.size(), 44); // SubjectPublicKeyInfo: 12 bytes of header, then the 32-byte key

    const auto write = [this](const char *name, const QByteArray &bytes) {
        QFile file(m_dir.filePath(QLatin1String(name)));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    QVERIFY(write("ackhook.toml", Config));
    QVERIFY(write("discord.public", publicDer.right(32).toHex() + '\n'));
    qputenv("TST_HANDSHAKES_ZOOM_SECRET", ZoomSecret);
    qputenv("TST_HANDSHAKES_DROPBOX_SECRET", DropboxSecret);
    qputenv("TST_HANDSHAKES_GRAPH_CLIENT_STATE", GraphClientState);
    qunsetenv("NATS_URL");

    QString error;
    qsizetype endpoints = 0;
    m_runtime = startRuntimeFromConfigFile(m_dir.filePath(QStringLiteral("ackhook.toml")),
        m_dir.filePath(QStringLiteral("data")), std::chrono::milliseconds(AckTimeoutMs), &error, &endpoints);
    QVERIFY2(m_runtime, qPrintable(error));
    QCOMPARE(endpoints, 5);
    m_port = m_runtime->webhookPort();
    m_reader = std::make_unique<StreamReader>(m_runtime->upstreamUrls().constFirst());
    QVERIFY(m_reader->isValid());
    // The stream is created asynchronously after the connection: wait until /ready says it is, so no
    // event is answered 500 (and queued as failed, which the store commits later) while it is not.
    QTRY_COMPARE_WITH_TIMEOUT(request(m_port, "GET", "/ready").value_or(HttpReply {}).status, 200, 10000);
    const auto ready = request(m_port, "POST", "/plain", R"({"ready":true})", { { "Idempotency-Key", "ready" } });
    QVERIFY(ready);
    QCOMPARE(ready->status, 200);
    QCOMPARE(failedTotal(), 0);
}

void TestHandshakes::cleanupTestCase()
{
    m_reader.reset();
    m_runtime.reset();
    m_log.reset();
}

QByteArray TestHandshakes::discordSign(const QByteArray &message)
{
    const QString messageFile = m_dir.filePath(QStringLiteral("discord.message"));
    QFile file(messageFile);
    if (!file.open(QIODevice::WriteOnly) || file.write(message) != message.size())
        return {};
    file.close();
    return runOpenssl({ QStringLiteral("pkeyutl"), QStringLiteral("-sign"), QStringLiteral("-inkey"), m_discordKey,
        QStringLiteral("-rawin"), QStringLiteral("-in"), messageFile });
}

QJsonObject TestHandshakes::endpointJson(const char *api, const QByteArray &name)
{
    const auto reply = request(m_runtime->adminPort(), "GET", api);
    if (!reply || reply->status != 200)
        return {};
    for (const QJsonValue &endpoint : reply->json().value(QLatin1String("endpoints")).toArray()) {
        if (endpoint.toObject().value(QLatin1String("name")).toString() == QLatin1String(name))
            return endpoint.toObject();
    }
    return {};
}

void TestHandshakes::zoomUrlValidation()
{
    const quint64 before = messageCount();
    const qint64 failed = failedTotal();
    const QByteArray body = zoomValidation(R"({"plainToken":")" + PlainToken + R"("})");
    const HeaderList signedNow = zoom(body, now());
    const auto reply = request(m_port, "POST", "/zoom", body, signedNow);
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->header("Content-Type").startsWith("application/json"));
    const QJsonObject answer = reply->json();
    QCOMPARE(answer.size(), 2);
    QCOMPARE(answer.value(QLatin1String("plainToken")).toString().toLatin1(), PlainToken);
    QCOMPARE(answer.value(QLatin1String("encryptedToken")).toString().toLatin1(), ZoomEncryptedToken);

    // The same signed request again, still fresh: nothing is published, so ackhook remembers it.
    const auto again = request(m_port, "POST", "/zoom", body, signedNow);
    QVERIFY(again);
    QCOMPARE(again->status, 401);
    QVERIFY2(again->body.contains("replayed"), again->body.constData());
    // Captured and replayed later: out of the signature's tolerance.
    QCOMPARE(request(m_port, "POST", "/zoom", body, zoom(body, now() - 301))->status, 401);

    QCOMPARE(messageCount(), before);
    QCOMPARE(failedTotal(), failed);
    // An ordinary Zoom event on the same endpoint is still published.
    const QByteArray event = R"({"event":"meeting.started","payload":{"object":{"id":"1"}}})";
    HeaderList headers = zoom(event, now());
    headers.append({ "Idempotency-Key", uniqueKey() });
    const auto published = request(m_port, "POST", "/zoom", event, headers);
    QVERIFY(published);
    QCOMPARE(published->status, 200);
    QCOMPARE(messageCount(), before + 1);
    QCOMPARE(m_reader->message("EVENTS", m_reader->lastSeq("EVENTS"))->subject, QByteArray("hs.zoom.meeting.started"));
}

void TestHandshakes::zoomBadSignature()
{
    const quint64 before = messageCount();
    const QByteArray body = zoomValidation(R"({"plainToken":"bad-signature-token"})");
    // Signed with another secret, unsigned, and signed over another body.
    const auto forged = request(m_port, "POST", "/zoom", body, zoom(body, now(), "guessed secret"));
    QVERIFY(forged);
    QCOMPARE(forged->status, 401);
    QVERIFY(!forged->body.contains("bad-signature-token"));
    QVERIFY(!forged->body.contains(ZoomSecret));
    const auto unsignedReply = request(m_port, "POST", "/zoom", body, { { "Content-Type", "application/json" } });
    QVERIFY(unsignedReply);
    QCOMPARE(unsignedReply->status, 401);
    QVERIFY2(unsignedReply->body.contains("missing x-zm-signature"), unsignedReply->body.constData());
    QCOMPARE(request(m_port, "POST", "/zoom", body, zoom(body + ' ', now()))->status, 401);
    QCOMPARE(messageCount(), before);
}

void TestHandshakes::zoomMalformed_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("no plainToken") << QByteArray(R"({"other":"x"})")
                                   << QByteArray("endpoint.url_validation without payload.plainToken");
    QTest::addRow("number") << QByteArray(R"({"plainToken":12345})")
                            << QByteArray("payload.plainToken is not a string");
    QTest::addRow("object") << QByteArray(R"({"plainToken":{"a":"b"}})")
                            << QByteArray("payload.plainToken is not a string");
    QTest::addRow("empty") << QByteArray(R"({"plainToken":""})") << QByteArray("payload.plainToken is empty");
    QTest::addRow("over-long") << R"({"plainToken":")" + QByteArray(257, 'T') + R"("})"
                               << QByteArray("payload.plainToken is over-long (257 characters, at most 256)");
    QTest::addRow("payload not an object") << QByteArray(R"("plainToken")")
                                           << QByteArray("endpoint.url_validation without a payload object");
}

void TestHandshakes::zoomMalformed()
{
    QFETCH(QByteArray, payload);
    QFETCH(QByteArray, reason);
    const quint64 before = messageCount();
    const qint64 failed = failedTotal();
    const QByteArray body = zoomValidation(payload);
    const auto reply = request(m_port, "POST", "/zoom", body, zoom(body, now()));
    QVERIFY(reply);
    QCOMPARE(reply->status, 400);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString().toLatin1(), reason);
    QVERIFY(!reply->body.contains(ZoomSecret));
    QVERIFY(!reply->body.contains("TTTTTTTT")); // the token is never echoed in an error
    QCOMPARE(messageCount(), before);
    QCOMPARE(failedTotal(), failed);
}

void TestHandshakes::discordPing()
{
    const quint64 before = messageCount();
    const qint64 failed = failedTotal();
    const QByteArray body = R"({"id":"1100000000000000001","application_id":"1100000000000000000","type":1,"version":1})";
    const QByteArray ts = QByteArray::number(now());
    const QByteArray signature = discordSign(ts + body);
    QCOMPARE(signature.size(), 64);
    const HeaderList headers { { "Content-Type", "application/json" }, { "X-Signature-Ed25519", signature.toHex() },
        { "X-Signature-Timestamp", ts } };
    const auto pong = request(m_port, "POST", "/discord", body, headers);
    QVERIFY(pong);
    QCOMPARE(pong->status, 200);
    QVERIFY(pong->header("Content-Type").startsWith("application/json"));
    QCOMPARE(pong->body.trimmed(), QByteArray(R"({"type":1})"));

    // Replayed while fresh: refused.
    const auto again = request(m_port, "POST", "/discord", body, headers);
    QVERIFY(again);
    QCOMPARE(again->status, 401);
    QVERIFY2(again->body.contains("replayed"), again->body.constData());
    // A flipped signature bit, a timestamp the signature is not over, no signature: 401.
    QByteArray flipped = signature;
    flipped[5] = char(flipped[5] ^ 1);
    QCOMPARE(request(m_port, "POST", "/discord", body,
                 { { "X-Signature-Ed25519", flipped.toHex() }, { "X-Signature-Timestamp", ts } })
                 ->status,
        401);
    QCOMPARE(request(m_port, "POST", "/discord", body,
                 { { "X-Signature-Ed25519", signature.toHex() },
                     { "X-Signature-Timestamp", QByteArray::number(now() + 1) } })
                 ->status,
        401);
    QCOMPARE(request(m_port, "POST", "/discord", body, { { "Content-Type", "application/json" } })->status, 401);
    QCOMPARE(messageCount(), before);
    QCOMPARE(failedTotal(), failed);

    // An interaction that is not a PING (type 2, a command) is an event: published.
    const QByteArray command = R"({"id":"1100000000000000002","type":2,"data":{"name":"ping"}})";
    const QByteArray ts2 = QByteArray::number(now());
    const auto published = request(m_port, "POST", "/discord", command,
        { { "X-Signature-Ed25519", discordSign(ts2 + command).toHex() }, { "X-Signature-Timestamp", ts2 } });
    QVERIFY(published);
    QCOMPARE(published->status, 200);
    QCOMPARE(messageCount(), before + 1);
}

void TestHandshakes::graphValidationToken()
{
    const quint64 before = messageCount();
    const qint64 failed = failedTotal();
    // As Graph sends it: POST, empty text/plain body, the token URL-encoded ('+' for spaces).
    const QByteArray token = "Validation: Testing client application reachability for subscription Request-Id: "
                             "6ae3e3b7-1b5a-4d6c-a0d4-8b1c2f3e4d5a";
    const QByteArray encoded = "Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+"
                               "6ae3e3b7-1b5a-4d6c-a0d4-8b1c2f3e4d5a";
    QElapsedTimer timer;
    timer.start();
    const auto reply
        = request(m_port, "POST", "/graph?validationToken=" + encoded, {}, { { "Content-Type", "text/plain" } });
    QVERIFY(reply);
    QVERIFY(timer.elapsed() < 10000); // Graph gives up after 10 s
    QCOMPARE(reply->status, 200);
    QVERIFY2(reply->header("Content-Type").startsWith("text/plain"), reply->header("Content-Type").constData());
    QCOMPARE(reply->body, token);
    QCOMPARE(messageCount(), before);
    QCOMPARE(failedTotal(), failed);

    // A change notification on the Graph endpoint is an event when each of its notifications carries
    // the subscription's clientState (the endpoint's secret); else 401, never published.
    const QByteArray notification = R"({"value":[{"subscriptionId":"s1","clientState":")" + GraphClientState
        + R"(","changeType":"created","resource":"me/messages/1"}]})";
    QByteArray forged = notification;
    forged.replace(GraphClientState, "guessed-client-state");
    const auto refused = request(m_port, "POST", "/graph", forged, { { "Idempotency-Key", uniqueKey() } });
    QVERIFY(refused);
    QCOMPARE(refused->status, 401);
    QCOMPARE(refused->json().value(QLatin1String("error")).toString(), QStringLiteral("value[0].clientState does not match"));
    QCOMPARE(request(m_port, "POST", "/graph", R"({"value":[{"subscriptionId":"s1"}]})", {})->status, 401);
    QCOMPARE(messageCount(), before);
    QCOMPARE(request(m_port, "POST", "/graph", notification, { { "Idempotency-Key", uniqueKey() } })->status, 200);
    QCOMPARE(messageCount(), before + 1);
    // A validationToken on another source's endpoint is nothing special (published as any POST there).
    const auto other = request(m_port, "POST", "/plain?validationToken=abc", R"({"n":1})",
        { { "Idempotency-Key", uniqueKey() } });
    QVERIFY(other);
    QCOMPARE(other->status, 200);
    QVERIFY(other->json().contains(QLatin1String("seq")));
    QCOMPARE(messageCount(), before + 2);
}

void TestHandshakes::graphMalformed_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("empty") << QByteArray("validationToken=") << QByteArray("validationToken is empty");
    QTest::addRow("no value") << QByteArray("validationToken") << QByteArray("validationToken is empty");
    QTest::addRow("twice") << QByteArray("validationToken=a&validationToken=b")
                           << QByteArray("validationToken sent 2 times: send it once");
    QTest::addRow("over-long") << "validationToken=" + QByteArray(1025, 'V')
                               << QByteArray("validationToken is over-long (1025 bytes decoded, at most 1024)");
    QTest::addRow("control character") << QByteArray("validationToken=a%0Db")
                                       << QByteArray("validationToken is not printable ASCII");
    QTest::addRow("not UTF-8") << QByteArray("validationToken=%FF%FE")
                               << QByteArray("validationToken is not printable ASCII");
}

void TestHandshakes::graphMalformed()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, reason);
    const quint64 before = messageCount();
    const auto reply = request(m_port, "POST", "/graph?" + query, {}, { { "Content-Type", "text/plain" } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 400);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString().toLatin1(), reason);
    QVERIFY(!reply->body.contains("VVVVVVVV"));
    QCOMPARE(messageCount(), before);
}

void TestHandshakes::dropboxChallenge()
{
    const quint64 before = messageCount();
    const qint64 failed = failedTotal();
    const auto reply = request(m_port, "GET", "/dropbox?challenge=Hu2vhe%2Bxv7bJfKqPz+4z");
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY(reply->header("Content-Type").startsWith("text/plain"));
    QCOMPARE(reply->header("X-Content-Type-Options"), QByteArray("nosniff"));
    QCOMPARE(reply->body, QByteArray("Hu2vhe+xv7bJfKqPz 4z"));
    QCOMPARE(messageCount(), before);
    QCOMPARE(failedTotal(), failed);

    // Everything else keeps its answer: a GET without a challenge, a GET with one elsewhere.
    const auto noChallenge = request(m_port, "GET", "/dropbox");
    QVERIFY(noChallenge);
    QCOMPARE(noChallenge->status, 405);
    QCOMPARE(request(m_port, "GET", "/dropbox?other=1")->status, 405);
    QCOMPARE(request(m_port, "GET", "/plain?challenge=abc")->status, 405);
    QCOMPARE(request(m_port, "GET", "/zoom?challenge=abc")->status, 405);

    // Dropbox's notifications: X-Dropbox-Signature = hex HMAC-SHA256 of the body with the app secret.
    const QByteArray body = R"({"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}})";
    const auto forged = request(m_port, "POST", "/dropbox", body, { { "X-Dropbox-Signature", hmacHex("guess", body) } });
    QVERIFY(forged);
    QCOMPARE(forged->status, 401);
    QCOMPARE(request(m_port, "POST", "/dropbox", body, {})->status, 401);
    QCOMPARE(messageCount(), before);
    const auto published = request(m_port, "POST", "/dropbox", body,
        { { "X-Dropbox-Signature", hmacHex(DropboxSecret, body) }, { "Idempotency-Key", uniqueKey() } });
    QVERIFY(published);
    QCOMPARE(published->status, 200);
    QCOMPARE(messageCount(), before + 1);
}

void TestHandshakes::dropboxMalformed_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("reason");
    QTest::addRow("empty") << QByteArray("challenge=") << QByteArray("challenge is empty");
    QTest::addRow("twice") << QByteArray("challenge=a&challenge=b") << QByteArray("challenge sent 2 times: send it once");
    QTest::addRow("over-long") << "challenge=" + QByteArray(1025, 'C')
                               << QByteArray("challenge is over-long (1025 bytes decoded, at most 1024)");
    QTest::addRow("line break") << QByteArray("challenge=a%0D%0AX-Injected:%201")
                                << QByteArray("challenge is not printable ASCII");
}

void TestHandshakes::dropboxMalformed()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, reason);
    const auto reply = request(m_port, "GET", "/dropbox?" + query);
    QVERIFY(reply);
    QCOMPARE(reply->status, 400);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString().toLatin1(), reason);
    QVERIFY(reply->header("X-Injected").isNull());
    QVERIFY(!reply->body.contains("CCCCCCCC"));
}

void TestHandshakes::noSecretLogged()
{
    const QStringList lines = m_log->lines();
    QVERIFY(!lines.isEmpty());
    for (const QString &line : lines) {
        QVERIFY2(!line.contains(QLatin1String(ZoomSecret)), qPrintable(line));
        QVERIFY2(!line.contains(QLatin1String(DropboxSecret)), qPrintable(line));
        QVERIFY2(!line.contains(QLatin1String(GraphClientState)), qPrintable(line));
        QVERIFY2(!line.contains(QLatin1String(ZoomEncryptedToken)), qPrintable(line));
    }
}

QTEST_GUILESS_MAIN(TestHandshakes)

#include "tst_handshakes.moc"
