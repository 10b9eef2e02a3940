// Senders against the real ackhook binary (embedded nats-server, loopback HTTP): a scheme defined only
// in the config file ([[scheme]]) verifies, refuses and deduplicates; Standard Webhooks signed by its
// published algorithm passes, tampered, stale and future fail, a redelivery is a duplicate; the
// window's sample request (SampleRequest) passes for every signing endpoint; --check-config names a
// wrong scheme's key and line.
#include "ackhookprocess.h"
#include "testsupport.h"
#include "webhook/endpoint.h"
#include "webhook/samplerequest.h"
#include "webhook/sourcepreset.h"

#include <QDateTime>
#include <QFile>
#include <QMessageAuthenticationCode>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

const QByteArray AcmeSecret = "acme shared secret";
const QByteArray WhsecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// "acme" exists nowhere in ackhook's code: its whole description is here.
const QByteArray Config = R"(# tst_senders
[stream]
name = "SENDERS"
subjects = ["acme.>", "sw.>", "inline.>"]

[[scheme]]
name = "acme"
header = "Acme-Signature"
layout = "keyed"
separator = ";"
timestamp_key = "ts"
signature_key = "sig"
algorithm = "hmac-sha256"
encoding = "base64"
message = "{id}:{timestamp}:{method}:{body}"
id_header = "Acme-Delivery"
tolerance = "2m"
event_header = "Acme-Event"
idempotency_headers = ["Acme-Delivery"]
keep_headers = ["Acme-Event"]

[[endpoint]]
path = "/acme"
source = "acme"
secret_env = "TST_SENDERS_ACME"
subject = "acme.{event}"

[[endpoint]]
path = "/sw"
source = "standard-webhooks"
secret_env = "TST_SENDERS_WHSEC"
subject = "sw.{event}"

[[endpoint]]
path = "/inline"
secret_env = "TST_SENDERS_ACME"
subject = "inline.{event}"
scheme = { header = "X-Inline-Sig", prefix = "sha1=", algorithm = "hmac-sha1", event_json_path = "kind" }
)";

QByteArray hmac(QCryptographicHash::Algorithm algorithm, const QByteArray &key, const QByteArray &message)
{
    return QMessageAuthenticationCode::hash(message, key, algorithm);
}

// The acme recipe as its description says: base64 HMAC-SHA256 of "<id>:<ts>:<method>:<body>".
HeaderList acme(const QByteArray &id, qint64 ts, const QByteArray &body, const QByteArray &event = "order.paid")
{
    const QByteArray t = QByteArray::number(ts);
    return { { "Content-Type", "application/json" }, { "Acme-Delivery", id }, { "Acme-Event", event },
        { "Acme-Signature",
            "ts=" + t
                + ";sig=" + hmac(QCryptographicHash::Sha256, AcmeSecret, id + ':' + t + ":POST:" + body).toBase64() } };
}

// Standard Webhooks' algorithm: key = base64-decoded part after whsec_; "v1," + base64 HMAC-SHA256 of
// "<webhook-id>.<webhook-timestamp>.<body>".
HeaderList standardWebhooks(const QByteArray &id, qint64 ts, const QByteArray &body)
{
    const QByteArray key = QByteArray::fromBase64(WhsecSecret.mid(6));
    const QByteArray t = QByteArray::number(ts);
    return { { "Content-Type", "application/json" }, { "webhook-id", id }, { "webhook-timestamp", t },
        { "webhook-signature",
            "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= v1,"
                + hmac(QCryptographicHash::Sha256, key, id + '.' + t + '.' + body).toBase64() } };
}

} // namespace

class TestSenders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void configOnlyScheme_data();
    void configOnlyScheme();
    void redeliveryIsDuplicate_data();
    void redeliveryIsDuplicate();
    void sampleRequestPasses_data();
    void sampleRequestPasses();
    void checkConfigExplainsAWrongScheme_data();
    void checkConfigExplainsAWrongScheme();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<AckhookProcess> m_ackhook;
    std::unique_ptr<StreamReader> m_reader;
    quint16 m_port = 0;
};

void TestSenders::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!ackhookBinary().isEmpty(), "ACKHOOK_BINARY is not set (ctest sets it)");
    QFile file(m_dir.filePath(QStringLiteral("ackhook.toml")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(Config);
    file.close();
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TST_SENDERS_ACME"), QString::fromLatin1(AcmeSecret));
    environment.insert(QStringLiteral("TST_SENDERS_WHSEC"), QString::fromLatin1(WhsecSecret));
    environment.remove(QStringLiteral("NATS_URL"));
    m_port = freePort();
    m_ackhook = std::make_unique<AckhookProcess>(
        QStringList { QStringLiteral("--headless"), QStringLiteral("--config"), file.fileName(),
            QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(m_port), QStringLiteral("--data-dir"),
            m_dir.filePath(QStringLiteral("data")) },
        environment);
    QVERIFY2(m_ackhook->waitUntilListening(), m_ackhook->err().constData());
    m_reader = std::make_unique<StreamReader>(m_ackhook->natsUrl());
    QVERIFY(m_reader->isValid());
    // The stream is created after the connection: wait until a signed event is stored.
    const QByteArray body = R"({"ready":true})";
    QTRY_COMPARE_WITH_TIMEOUT(
        request(m_port, "POST", "/acme", body, acme(uniqueKey(), QDateTime::currentSecsSinceEpoch(), body))
            .value_or(HttpReply {})
            .status,
        200, 15000);
}

void TestSenders::cleanupTestCase()
{
    m_reader.reset();
    if (m_ackhook) {
        m_ackhook->collect();
        QVERIFY2(!m_ackhook->err().contains("acme shared secret"), "a secret in the log");
    }
    m_ackhook.reset(); // killed by its PID
}

void TestSenders::configOnlyScheme_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("reason"); // a part of the 401's error
    QTest::addColumn<QByteArray>("subject");

    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const QByteArray body = R"({"order":42})";
    QTest::addRow("acme good") << QByteArray("/acme") << acme(uniqueKey(), now, body) << body << 200 << QString()
                               << QByteArray("acme.order.paid");
    HeaderList tampered = acme(uniqueKey(), now, body);
    QTest::addRow("acme tampered body") << QByteArray("/acme") << tampered << QByteArray(R"({"order":43})") << 401
                                        << QStringLiteral("Acme-Signature does not match") << QByteArray();
    HeaderList otherId = acme("one", now, body);
    otherId[1].second = "two";
    QTest::addRow("acme id changed") << QByteArray("/acme") << otherId << body << 401
                                     << QStringLiteral("does not match") << QByteArray();
    QTest::addRow("acme stale") << QByteArray("/acme") << acme(uniqueKey(), now - 600, body) << body << 401
                                << QStringLiteral("stale") << QByteArray();
    QTest::addRow("acme future") << QByteArray("/acme") << acme(uniqueKey(), now + 600, body) << body << 401
                                 << QStringLiteral("in the future") << QByteArray();
    HeaderList noDelivery = acme(uniqueKey(), now, body);
    noDelivery.removeAt(1);
    QTest::addRow("acme missing id") << QByteArray("/acme") << noDelivery << body << 401
                                     << QStringLiteral("missing Acme-Delivery") << QByteArray();
    HeaderList twice = acme(uniqueKey(), now, body);
    twice.append(twice.last());
    QTest::addRow("acme signature twice")
        << QByteArray("/acme") << twice << body << 401 << QStringLiteral("Acme-Signature sent 2 times") << QByteArray();
    HeaderList nonAscii = acme(uniqueKey(), now, body);
    nonAscii.last().second += "\xc3\xa9";
    QTest::addRow("acme non-ascii") << QByteArray("/acme") << nonAscii << body << 401
                                    << QStringLiteral("not printable ASCII") << QByteArray();
    HeaderList overLong = acme(uniqueKey(), now, body);
    overLong.last().second += QByteArray(5000, 'A');
    QTest::addRow("acme over-long") << QByteArray("/acme") << overLong << body << 401 << QStringLiteral("over-long")
                                    << QByteArray();

    QTest::addRow("standard-webhooks good") << QByteArray("/sw") << standardWebhooks("msg_" + uniqueKey(), now, body)
                                            << body << 200 << QString() << QByteArray("sw.unknown");
    QTest::addRow("standard-webhooks tampered")
        << QByteArray("/sw") << standardWebhooks("msg_" + uniqueKey(), now, body) << QByteArray(R"({"order":0})") << 401
        << QStringLiteral("no signature in webhook-signature matches") << QByteArray();
    QTest::addRow("standard-webhooks stale")
        << QByteArray("/sw") << standardWebhooks("msg_" + uniqueKey(), now - 400, body) << body << 401
        << QStringLiteral("stale") << QByteArray();
    QTest::addRow("standard-webhooks future")
        << QByteArray("/sw") << standardWebhooks("msg_" + uniqueKey(), now + 400, body) << body << 401
        << QStringLiteral("in the future") << QByteArray();

    const QByteArray kindBody = R"({"kind":"build.done"})";
    QTest::addRow("inline scheme good")
        << QByteArray("/inline")
        << HeaderList { { "X-Inline-Sig", "sha1=" + hmac(QCryptographicHash::Sha1, AcmeSecret, kindBody).toHex() } }
        << kindBody << 200 << QString() << QByteArray("inline.build.done");
    QTest::addRow("inline scheme sha256 refused")
        << QByteArray("/inline")
        << HeaderList { { "X-Inline-Sig", "sha1=" + hmac(QCryptographicHash::Sha256, AcmeSecret, kindBody).toHex() } }
        << kindBody << 401 << QStringLiteral("malformed X-Inline-Sig") << QByteArray();
}

void TestSenders::configOnlyScheme()
{
    QFETCH(QByteArray, path);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, reason);
    QFETCH(QByteArray, subject);
    const quint64 before = m_reader->messageCount("SENDERS");
    const auto reply = request(m_port, "POST", path, body, headers);
    QVERIFY(reply);
    QCOMPARE(reply->status, status);
    if (status != 200) {
        const QString error = reply->json().value(QLatin1String("error")).toString();
        QVERIFY2(error.contains(reason), qPrintable(error));
        QVERIFY(!error.contains(QLatin1String("secret")));
        QCOMPARE(m_reader->messageCount("SENDERS"), before); // nothing published
        return;
    }
    const auto stored = m_reader->message("SENDERS", reply->json().value(QLatin1String("seq")).toInteger());
    QVERIFY(stored);
    QCOMPARE(stored->subject, subject);
    QCOMPARE(stored->data, body);
    const QByteArray id = headerValue(headers, path == "/sw" ? "webhook-id" : "Acme-Delivery");
    if (!id.isEmpty())
        QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId(path, id));
    if (path == "/acme")
        QCOMPARE(stored->header("Acme-Event"), QByteArray("order.paid"));
    QVERIFY(stored->header("Acme-Signature").isEmpty()); // the credential is never published
}

// A sender retries with the same id, a fresh timestamp and signature: stored once.
void TestSenders::redeliveryIsDuplicate_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addRow("standard-webhooks") << QByteArray("/sw");
    QTest::addRow("config-only acme") << QByteArray("/acme");
}

void TestSenders::redeliveryIsDuplicate()
{
    QFETCH(QByteArray, path);
    const QByteArray id = "msg_" + uniqueKey();
    const QByteArray body = R"({"type":"invoice.paid"})";
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const auto sign = [&](qint64 ts) { return path == "/sw" ? standardWebhooks(id, ts, body) : acme(id, ts, body); };
    const auto first = request(m_port, "POST", path, body, sign(now - 5));
    QVERIFY(first);
    QCOMPARE(first->status, 200);
    QCOMPARE(first->json().value(QLatin1String("duplicate")).toBool(), false);
    const quint64 count = m_reader->messageCount("SENDERS");
    const auto retry = request(m_port, "POST", path, body, sign(now));
    QVERIFY(retry);
    QCOMPARE(retry->status, 200);
    QCOMPARE(retry->json().value(QLatin1String("duplicate")).toBool(), true);
    QCOMPARE(
        retry->json().value(QLatin1String("seq")).toInteger(), first->json().value(QLatin1String("seq")).toInteger());
    QCOMPARE(m_reader->messageCount("SENDERS"), count);
    if (path == "/sw")
        QCOMPARE(m_reader->message("SENDERS", first->json().value(QLatin1String("seq")).toInteger())->subject,
            QByteArray("sw.invoice.paid"));
}

// The window's test sender builds its request in core: for each signing scheme it passes.
void TestSenders::sampleRequestPasses_data()
{
    QTest::addColumn<QByteArray>("source");
    QTest::addColumn<QByteArray>("secret");
    QTest::addRow("standard-webhooks") << QByteArray("standard-webhooks") << WhsecSecret;
}

void TestSenders::sampleRequestPasses()
{
    QFETCH(QByteArray, source);
    QFETCH(QByteArray, secret);
    Endpoint endpoint = Endpoint::fromPreset(*SourcePreset::find(source), "/sw", "sw.{event}");
    endpoint.auth.secret = secret;
    const QByteArray base = "http://127.0.0.1:" + QByteArray::number(m_port);
    for (const QByteArray &key : { QByteArray(), QByteArray("demo-" + uniqueKey()) }) {
        const SampleRequest sample = SampleRequest::build(endpoint, base, 1, key, QDateTime::currentSecsSinceEpoch());
        QVERIFY(sample.unsigned_.isEmpty());
        const auto reply = request(m_port, sample.method, sample.target, sample.body, sample.headers);
        QVERIFY(reply);
        QVERIFY2(reply->status == 200, reply->body.constData());
    }
}

void TestSenders::checkConfigExplainsAWrongScheme_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("output");
    const QByteArray head = "[[scheme]]\nname = \"bad\"\nheader = \"X-Bad\"\n";
    const QByteArray endpoint
        = "\n[[endpoint]]\npath = \"/b\"\nsource = \"bad\"\nsecret_env = \"HOME\"\nsubject = \"b.x\"\n";
    QTest::addRow("algorithm") << head + "algorithm = \"md5\"\n" + endpoint
                               << QStringLiteral(
                                      ":4: scheme[1].algorithm: 'md5' is not one of hmac-sha256, hmac-sha1, ed25519");
    QTest::addRow("placeholder") << head + "message = \"{nonce}.{body}\"\n" + endpoint
                                 << QStringLiteral(":4: scheme[1].message: unknown placeholder {nonce}");
    QTest::addRow("no body") << head + "message = \"{timestamp}\"\ntimestamp_header = \"X-Ts\"\n" + endpoint
                             << QStringLiteral(":4: scheme[1].message: '{timestamp}' does not sign the body");
    QTest::addRow("timestamp nowhere") << head + "message = \"{timestamp}.{body}\"\n"
            + endpoint << QStringLiteral(":1: scheme[1]: the message signs {timestamp} but no timestamp_header");
    QTest::addRow("non-ASCII message") << head + "message = \"{body}\u20ac\"\n" + endpoint
                                       << QStringLiteral(":4: scheme[1].message: must be printable ASCII");
    QTest::addRow("unknown key") << head + "nonce = \"x\"\n" + endpoint
                                 << QStringLiteral(":4: scheme[1].nonce: unknown key");
    QTest::addRow("unknown source") << QByteArray(
        "[[endpoint]]\npath = \"/b\"\nsource = \"acmee\"\nsubject = \"b.x\"\n")
                                    << QStringLiteral(":3: endpoint[1].source: unknown source 'acmee'");
    QTest::addRow("whsec secret") << QByteArray("[[endpoint]]\npath = \"/b\"\nsource = \"standard-webhooks\"\n"
                                                "secret_env = \"TST_SENDERS_NOT_WHSEC\"\nsubject = \"b.x\"\n")
                                  << QStringLiteral(":4: endpoint[1].secret_env: the secret is not whsec_<base64>");
    QTest::addRow("inline and source") << QByteArray(
        "[[endpoint]]\npath = \"/b\"\nsource = \"github\"\nsecret_env = \"HOME\"\n"
        "subject = \"b.x\"\nscheme = { header = \"X-S\" }\n")
                                       << QStringLiteral(
                                              ":3: endpoint[1].source: give source or an inline scheme, not both");
}

void TestSenders::checkConfigExplainsAWrongScheme()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, output);
    const QString path = m_dir.filePath(QStringLiteral("check.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
    file.close();
    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("TST_SENDERS_NOT_WHSEC"), QStringLiteral("not base64!"));
    process.setProcessEnvironment(environment);
    process.start(ackhookBinary(), { QStringLiteral("--check-config"), path });
    QVERIFY(process.waitForFinished(30000));
    QCOMPARE(process.exitCode(), 1);
    const QString all = QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
    QVERIFY2(all.contains(output), qPrintable(all));
    QVERIFY(!all.contains(QLatin1String("not base64!")));
    QVERIFY2(!all.contains(QLatin1String("unknown source 'bad'")), qPrintable(all)); // one problem, said once
}

QTEST_GUILESS_MAIN(TestSenders)
#include "tst_senders.moc"
