// AWS SNS end to end on a real Runtime (embedded nats-server, HTTP on loopback): message signatures
// verified with the certificate from SigningCertURL (fetched once, cached, only from an
// https://sns.<region>.amazonaws.com/….pem URL), a SubscriptionConfirmation shown and confirmed only
// when a person asks (admin API, the window's button), never on its own.
//
// SNS itself is not reachable from a test: a loopback HTTP server stands in for sns.<region>.amazonaws.com
// (ACKHOOK_SNS_ORIGIN, which ackhook honours only for http://127.0.0.1:PORT). Its certificate is made
// here by openssl, and every message is signed here by openssl following AWS's documented recipe
// ("Verifying the signatures of Amazon SNS messages": the fields as "Name\nvalue\n" in a fixed order,
// RSA over SHA1 for SignatureVersion 1, SHA256 for 2, base64).
// The SNS messages are JSON objects written out field by field: string literals as QString here.
#undef QT_NO_CAST_FROM_ASCII
#include "configruntime.h"
#include "testsupport.h"
#ifdef ACKHOOK_HAVE_UI
#include "monitorwindow.h"
#include "snsconfirmationbar.h"

#include <QPushButton>
#endif

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

namespace {

constexpr int AckTimeoutMs = 2000;
const QByteArray TopicArn = "arn:aws:sns:eu-west-1:123456789012:tst-sns";
const QByteArray CertificatePath = "/SimpleNotificationService-tst.pem";
const QByteArray CertificateUrl = "https://sns.eu-west-1.amazonaws.com" + CertificatePath;
const QByteArray MissingCertificateUrl = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-gone.pem";
const QByteArray SubscriptionArn = "arn:aws:sns:eu-west-1:123456789012:tst-sns:5a9c1f0e-0000-4000-8000-000000000001";

const QByteArray Config = R"([stream]
name = "EVENTS"
subjects = ["sns.>"]

[[endpoint]]
path = "/sns"
source = "aws-sns"
subject = "sns.{event}"

[[endpoint]]
path = "/orders"
source = "aws-sns"
sns_topics = ["arn:aws:sns:eu-west-1:123456789012:tst-sns"]
subject = "sns.orders.{event}"
)";


// sns.<region>.amazonaws.com on loopback: answers GETs from a table, one connection per request,
// and remembers what was asked.
class FakeSns : public QObject {
public:
    struct Answer {
        int status = 200;
        QByteArray contentType = "text/plain";
        QByteArray body;
        bool silent = false; // reads the request and never answers
    };
    FakeSns()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
    }
    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    quint16 port() const { return m_server.serverPort(); }
    void answer(const QByteArray &target, const Answer &answer) { m_answers.insert(target, answer); }
    QList<QByteArray> asked() const { return m_asked; }
    int count(const QByteArray &target) const { return int(m_asked.count(target)); }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        const qsizetype end = buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> requestLine = buffer.left(buffer.indexOf("\r\n")).split(' ');
        m_buffers.remove(socket);
        const QByteArray target = requestLine.value(1);
        m_asked.append(target);
        const Answer answer = m_answers.value(target, Answer { 404, "text/plain", "no such thing" });
        if (answer.silent)
            return;
        socket->write("HTTP/1.1 " + QByteArray::number(answer.status) + " X\r\nContent-Type: " + answer.contentType
            + "\r\nContent-Length: " + QByteArray::number(answer.body.size()) + "\r\nConnection: close\r\n\r\n"
            + answer.body);
        socket->disconnectFromHost();
    }

    QTcpServer m_server;
    QHash<QByteArray, Answer> m_answers;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<QByteArray> m_asked;
};

const HeaderList JsonContent { { "Content-Type", "application/json" } };

} // namespace

class TestSns : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void notificationsVerifiedAndStored();
    void tamperedRefused();
    void badEnvelope_data();
    void badEnvelope();
    void onlyItsTopics();
    void certificateUnavailable();
    void certificateServerSilent();
    void confirmationShownNeverFetched();
    void confirmationMalformed_data();
    void confirmationMalformed();
    void confirmByAdminCall();
    void confirmRefusedBySns();
#ifdef ACKHOOK_HAVE_UI
    void confirmFromTheWindow();
#endif

private:
    // The body SNS would send: the fields, with Signature and SigningCertURL added, signed by the
    // test's key over AWS's string to sign.
    QByteArray signedMessage(QJsonObject fields, int version = 2, const QByteArray &certificateUrl = CertificateUrl);
    QJsonObject confirmation(const QByteArray &token, const QByteArray &topic = TopicArn);
    std::optional<HttpReply> post(const QByteArray &body, const QByteArray &type, HeaderList extra = {});
    QJsonObject endpointJson();
    quint64 messageCount() { return m_reader->messageCount("EVENTS"); }

    std::unique_ptr<LogCapture> m_log;
    QTemporaryDir m_dir;
    FakeSns m_sns;
    QString m_key;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<StreamReader> m_reader;
    quint16 m_port = 0;
};

void TestSns::initTestCase()
{
    m_log = std::make_unique<LogCapture>();
    QVERIFY(m_dir.isValid());
    // SNS's signing certificate: an RSA key and a self-signed certificate made by openssl.
    m_key = m_dir.filePath(QStringLiteral("sns.key"));
    const QString certificate = m_dir.filePath(QStringLiteral("sns.pem"));
    runOpenssl({ QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
        QStringLiteral("-nodes"), QStringLiteral("-keyout"), m_key, QStringLiteral("-out"), certificate,
        QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=sns.amazonaws.com") });
    QFile pem(certificate);
    QVERIFY2(pem.open(QIODevice::ReadOnly), "openssl req failed (./dev test installs openssl)");
    QVERIFY(m_sns.listen());
    m_sns.answer(CertificatePath, { 200, "application/x-pem-file", pem.readAll() });
    // Before anything of ackhook's runs: it reads the variable once.
    qputenv("ACKHOOK_SNS_ORIGIN", "http://127.0.0.1:" + QByteArray::number(m_sns.port()));

    QFile config(m_dir.filePath(QStringLiteral("ackhook.toml")));
    QVERIFY(config.open(QIODevice::WriteOnly) && config.write(Config) == Config.size());
    config.close();
    qunsetenv("NATS_URL");
    QString error;
    m_runtime = startRuntimeFromConfigFile(config.fileName(), m_dir.filePath(QStringLiteral("data")),
        std::chrono::milliseconds(AckTimeoutMs), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_port = m_runtime->webhookPort();
    m_reader = std::make_unique<StreamReader>(m_runtime->upstreamUrls().constFirst());
    QVERIFY(m_reader->isValid());
    QTRY_COMPARE_WITH_TIMEOUT(request(m_port, "GET", "/ready").value_or(HttpReply {}).status, 200, 10000);
}

void TestSns::cleanupTestCase()
{
    m_reader.reset();
    m_runtime.reset();
    // Nothing of the test's key in the log; the certificate's URL and topics may be.
    QVERIFY(!m_log->contains({ QStringLiteral("PRIVATE KEY") }));
    m_log.reset();
}

QByteArray TestSns::signedMessage(QJsonObject fields, int version, const QByteArray &certificateUrl)
{
    // AWS's string to sign: these fields, in this order, each as "Name\nvalue\n"; Subject only when
    // the message has one; a confirmation signs SubscribeURL and Token instead of Subject.
    const bool notification = fields.value(QLatin1String("Type")).toString() == QLatin1String("Notification");
    const QStringList names = notification
        ? QStringList { "Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type" }
        : QStringList { "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type" };
    QByteArray toSign;
    for (const QString &name : names) {
        if (fields.contains(name))
            toSign += name.toUtf8() + '\n' + fields.value(name).toString().toUtf8() + '\n';
    }
    const QByteArray signature = runOpenssl(
        { QStringLiteral("dgst"), version == 1 ? QStringLiteral("-sha1") : QStringLiteral("-sha256"),
            QStringLiteral("-sign"), m_key },
        toSign);
    fields.insert(QStringLiteral("SignatureVersion"), QString::number(version));
    fields.insert(QStringLiteral("Signature"), QString::fromLatin1(signature.toBase64()));
    fields.insert(QStringLiteral("SigningCertURL"), QString::fromLatin1(certificateUrl));
    return QJsonDocument(fields).toJson(QJsonDocument::Compact);
}

QJsonObject TestSns::confirmation(const QByteArray &token, const QByteArray &topic)
{
    return { { "Type", "SubscriptionConfirmation" }, { "MessageId", QString::fromLatin1(uniqueKey()) },
        { "Token", QString::fromLatin1(token) }, { "TopicArn", QString::fromLatin1(topic) },
        { "Message", "You have chosen to subscribe to the topic." },
        { "SubscribeURL",
            QStringLiteral("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=%1&Token=%2")
                .arg(QString::fromLatin1(topic), QString::fromLatin1(token)) },
        { "Timestamp", "2026-12-07T12:00:00.000Z" } };
}

std::optional<HttpReply> TestSns::post(const QByteArray &body, const QByteArray &type, HeaderList extra)
{
    HeaderList headers { { "Content-Type", "text/plain; charset=UTF-8" }, { "x-amz-sns-message-type", type },
        { "x-amz-sns-topic-arn", TopicArn } };
    headers += extra;
    return request(m_port, "POST", "/sns", body, headers);
}

QJsonObject TestSns::endpointJson()
{
    const auto reply = request(m_runtime->adminPort(), "GET", "/api/endpoints");
    if (!reply)
        return {};
    return reply->json().value(QLatin1String("endpoints")).toArray().first().toObject();
}

void TestSns::notificationsVerifiedAndStored()
{
    const quint64 before = messageCount();
    // Version 1 (SHA1) with a Subject, version 2 (SHA256) without: both verify, both are stored.
    const QByteArray withSubject = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-1" },
                                                     { "TopicArn", QString::fromLatin1(TopicArn) }, { "Subject", "hello" },
                                                     { "Message", "{\"order\":42}" },
                                                     { "Timestamp", "2026-12-07T12:00:00.000Z" } },
        1);
    const auto first = post(withSubject, "Notification");
    QVERIFY(first);
    QCOMPARE(first->status, 200);
    const QByteArray withoutSubject = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-2" },
        { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "line one\nline \"two\" é" },
        { "Timestamp", "2026-12-07T12:00:01.000Z" } });
    const auto second = post(withoutSubject, "Notification");
    QVERIFY(second);
    QCOMPARE(second->status, 200);
    QCOMPARE(messageCount(), before + 2);
    const auto stored = m_reader->message("EVENTS", m_reader->lastSeq("EVENTS"));
    QVERIFY(stored);
    QCOMPARE(stored->subject, QByteArray("sns.notification"));
    QCOMPARE(stored->data, withoutSubject);
    QCOMPARE(stored->keyOn("/sns"), QByteArray("tst-sns-2")); // MessageId: SNS's redelivery is a duplicate

    // SNS redelivers with the same MessageId: deduplicated, not stored twice.
    const auto again = post(withoutSubject, "Notification");
    QVERIFY(again);
    QCOMPARE(again->status, 200);
    QCOMPARE(again->json().value(QLatin1String("duplicate")), QJsonValue(true));
    QCOMPARE(messageCount(), before + 2);
    // One certificate fetch for all of them.
    QCOMPARE(m_sns.count(CertificatePath), 1);
}

void TestSns::tamperedRefused()
{
    const quint64 before = messageCount();
    QByteArray body = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-tampered" },
        { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "pay 10" },
        { "Timestamp", "2026-12-07T12:00:00.000Z" } });
    body.replace("pay 10", "pay 99");
    const auto reply = post(body, "Notification");
    QVERIFY(reply);
    QCOMPARE(reply->status, 401);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString(),
        QStringLiteral("SNS message's Signature does not verify with the certificate at SigningCertURL"));
    // Signed as version 1 but labelled 2: the digest differs, refused too.
    QByteArray relabelled = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-relabelled" },
                                              { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "m" },
                                              { "Timestamp", "2026-12-07T12:00:00.000Z" } },
        1);
    relabelled.replace(R"("SignatureVersion":"1")", R"("SignatureVersion":"2")");
    QCOMPARE(post(relabelled, "Notification").value_or(HttpReply {}).status, 401);
    QCOMPARE(messageCount(), before);
    QCOMPARE(m_runtime->failedEvents()->stats().total, 0);
}

void TestSns::badEnvelope_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("reason");
    const QJsonObject fields { { "Type", "Notification" }, { "MessageId", "tst-sns-bad" },
        { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "m" }, { "Timestamp", "2026-12-07T12:00:00.000Z" } };
    const QByteArray good = signedMessage(fields);
    const auto without = [&](const char *name) {
        QJsonObject object = QJsonDocument::fromJson(good).object();
        object.remove(QLatin1String(name));
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    };
    const auto with = [&](const char *name, const QJsonValue &value) {
        QJsonObject object = QJsonDocument::fromJson(good).object();
        object.insert(QLatin1String(name), value);
        return QJsonDocument(object).toJson(QJsonDocument::Compact);
    };
    const QString notSns = QStringLiteral("SNS message's SigningCertURL is not an https://sns.<region>.amazonaws.com/….pem URL");
    QTest::addRow("no Signature") << without("Signature") << QByteArray() << QStringLiteral("SNS message without Signature");
    QTest::addRow("no MessageId") << without("MessageId") << QByteArray() << QStringLiteral("SNS message without MessageId");
    QTest::addRow("version 3") << with("SignatureVersion", "3") << QByteArray()
                               << QStringLiteral("SNS message's SignatureVersion is not 1 or 2");
    QTest::addRow("Signature not base64") << with("Signature", "not*base64") << QByteArray()
                                          << QStringLiteral("SNS message's Signature is not base64 of 1 to 1024 bytes");
    QTest::addRow("Message a number") << with("Message", 7) << QByteArray()
                                      << QStringLiteral("SNS message's Message is not a string");
    QTest::addRow("other Type") << with("Type", "Hello") << QByteArray()
                                << QStringLiteral("SNS message's Type is not Notification, SubscriptionConfirmation or "
                                                  "UnsubscribeConfirmation");
    QTest::addRow("certificate elsewhere") << with("SigningCertURL", "https://example.net/SimpleNotificationService-x.pem")
                                           << QByteArray() << notSns;
    QTest::addRow("look-alike host")
        << with("SigningCertURL", "https://sns.eu-west-1.amazonaws.com.example.net/SimpleNotificationService-x.pem")
        << QByteArray() << notSns;
    QTest::addRow("plain http") << with("SigningCertURL", QString::fromLatin1("http://sns.eu-west-1.amazonaws.com" + CertificatePath))
                                << QByteArray() << notSns;
    QTest::addRow("not a .pem") << with("SigningCertURL", "https://sns.eu-west-1.amazonaws.com/cert.txt") << QByteArray()
                                << notSns;
    QTest::addRow("a port") << with("SigningCertURL", QString::fromLatin1("https://sns.eu-west-1.amazonaws.com:8443" + CertificatePath))
                            << QByteArray() << notSns;
    QTest::addRow("not JSON") << QByteArray("Type=Notification") << QByteArray()
                              << QStringLiteral("body is not an SNS message (a JSON object with its Signature)");
    QTest::addRow("line break in TopicArn") << with("TopicArn", "arn:aws:sns:x\nFAKE LOG LINE") << QByteArray()
                                            << QStringLiteral("SNS message's TopicArn is not printable ASCII of at "
                                                              "most 2048 characters");
    QTest::addRow("raw delivery") << QByteArray("{\"order\":42}") << QByteArray("true")
                                  << QStringLiteral("raw message delivery carries no SNS signature, so ackhook cannot "
                                                    "verify it: turn RawMessageDelivery off for this subscription");
}

void TestSns::badEnvelope()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, header);
    QFETCH(QString, reason);
    const quint64 before = messageCount();
    const QList<QByteArray> askedBefore = m_sns.asked();
    HeaderList extra;
    if (!header.isEmpty())
        extra.append({ "x-amz-sns-rawdelivery", header });
    const auto reply = post(body, "Notification", extra);
    QVERIFY(reply);
    QCOMPARE(reply->status, 401);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString(), reason);
    QCOMPARE(messageCount(), before);
    QCOMPARE(m_sns.asked(), askedBefore); // nothing fetched for a message that names no SNS certificate
    QVERIFY(!m_log->contains({ QStringLiteral("FAKE LOG LINE") }));
}

void TestSns::onlyItsTopics()
{
    // /orders takes only its sns_topics: another topic's message is refused before any certificate
    // is fetched for it, however well signed; its own topic's message is stored.
    const quint64 before = messageCount();
    const QList<QByteArray> askedBefore = m_sns.asked();
    QJsonObject fields { { "Type", "Notification" }, { "MessageId", "tst-sns-other-topic" },
        { "TopicArn", "arn:aws:sns:eu-west-1:210987654321:someone-elses" }, { "Message", "m" },
        { "Timestamp", "2026-12-07T12:00:00.000Z" } };
    const auto other = request(m_port, "POST", "/orders", signedMessage(fields, 2, "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-never.pem"),
        { { "x-amz-sns-message-type", "Notification" } });
    QVERIFY(other);
    QCOMPARE(other->status, 401);
    QCOMPARE(other->json().value(QLatin1String("error")).toString(),
        QStringLiteral("TopicArn arn:aws:sns:eu-west-1:210987654321:someone-elses is not one of /orders's sns_topics"));
    QCOMPARE(m_sns.asked(), askedBefore);
    fields.insert("TopicArn", QString::fromLatin1(TopicArn));
    fields.insert("MessageId", "tst-sns-own-topic");
    const auto own = request(m_port, "POST", "/orders", signedMessage(fields), { { "x-amz-sns-message-type", "Notification" } });
    QVERIFY(own);
    QCOMPARE(own->status, 200);
    QCOMPARE(messageCount(), before + 1);
}

void TestSns::certificateUnavailable()
{
    // The certificate's URL is SNS's, but SNS answers 404: 503 with Retry-After (SNS retries), the
    // reason names the URL, and the failure is kept for a while instead of fetched again.
    const quint64 before = messageCount();
    const QByteArray body = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-nocert" },
                                              { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "m" },
                                              { "Timestamp", "2026-12-07T12:00:00.000Z" } },
        2, MissingCertificateUrl);
    const auto reply = post(body, "Notification");
    QVERIFY(reply);
    QCOMPARE(reply->status, 503);
    QVERIFY(!reply->header("Retry-After").isEmpty());
    QCOMPARE(reply->json().value(QLatin1String("error")).toString(),
        QStringLiteral("cannot fetch SNS's signing certificate %1: HTTP 404").arg(QString::fromLatin1(MissingCertificateUrl)));
    QCOMPARE(post(body, "Notification").value_or(HttpReply {}).status, 503);
    QCOMPARE(m_sns.count("/SimpleNotificationService-gone.pem"), 1);
    QCOMPARE(messageCount(), before);
}

void TestSns::certificateServerSilent()
{
    // SNS accepts the connection and never answers: the message gets its 503 when the fetch's 5 s
    // are up, not when the sender gives up.
    const QByteArray path = "/SimpleNotificationService-silent.pem";
    m_sns.answer(path, { 200, "text/plain", {}, true });
    const QByteArray body = signedMessage({ { "Type", "Notification" }, { "MessageId", "tst-sns-silent" },
                                              { "TopicArn", QString::fromLatin1(TopicArn) }, { "Message", "m" },
                                              { "Timestamp", "2026-12-07T12:00:00.000Z" } },
        2, "https://sns.eu-west-1.amazonaws.com" + path);
    QElapsedTimer clock;
    clock.start();
    const auto reply = request(m_port, "POST", "/sns", body,
        { { "x-amz-sns-message-type", "Notification" }, { "Content-Type", "text/plain" } }, 20000);
    QVERIFY(reply);
    QCOMPARE(reply->status, 503);
    QCOMPARE(reply->json().value(QLatin1String("error")).toString(),
        QStringLiteral("cannot fetch SNS's signing certificate https://sns.eu-west-1.amazonaws.com%1: no whole answer "
                       "within 5 s")
            .arg(QString::fromLatin1(path)));
    QVERIFY2(clock.elapsed() < 15000, qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(m_sns.count(path), 1);
}

void TestSns::confirmationShownNeverFetched()
{
    const quint64 before = messageCount();
    const QList<QByteArray> askedBefore = m_sns.asked();
    const QJsonObject fields = confirmation("tokenshown");
    const auto reply = post(signedMessage(fields), "SubscriptionConfirmation");
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->json().value(QLatin1String("confirmed")), QJsonValue(false));
    const QString subscribeUrl = fields.value(QLatin1String("SubscribeURL")).toString();
    QTRY_VERIFY_WITH_TIMEOUT(m_log->contains({ QStringLiteral("/sns"), QString::fromLatin1(TopicArn), subscribeUrl }), 5000);
    const QJsonObject pending = endpointJson().value(QLatin1String("pending_confirmation")).toObject();
    QCOMPARE(pending.value(QLatin1String("topic_arn")).toString().toLatin1(), TopicArn);
    QCOMPARE(pending.value(QLatin1String("subscribe_url")).toString(), subscribeUrl);
    QCOMPARE(pending.value(QLatin1String("signature_verified")), QJsonValue(true));
    // Not published, and SubscribeURL never fetched by ackhook on its own.
    QCOMPARE(messageCount(), before);
    QCOMPARE(m_sns.asked(), askedBefore);

    // An unsigned (forged) confirmation is refused and does not replace the pending one.
    QJsonObject forged = confirmation("tokenforged");
    forged.insert(QStringLiteral("Signature"), QStringLiteral("c2ln"));
    forged.insert(QStringLiteral("SignatureVersion"), QStringLiteral("1"));
    forged.insert(QStringLiteral("SigningCertURL"), QString::fromLatin1(CertificateUrl));
    QCOMPARE(post(QJsonDocument(forged).toJson(), "SubscriptionConfirmation").value_or(HttpReply {}).status, 401);
    QCOMPARE(endpointJson().value(QLatin1String("pending_confirmation")).toObject().value(QLatin1String("subscribe_url")),
        QJsonValue(subscribeUrl));
}

void TestSns::confirmationMalformed_data()
{
    // Signed, so they pass the signature; what a SubscriptionConfirmation must hold is then checked.
    QTest::addColumn<QJsonObject>("fields");
    QTest::addColumn<QByteArray>("reason");
    const auto changed = [this](const char *name, const QString &value) {
        QJsonObject fields = confirmation("tokenmalformed");
        fields.insert(QLatin1String(name), value);
        return fields;
    };
    QTest::addRow("over-long SubscribeURL")
        << changed("SubscribeURL", "https://sns.eu-west-1.amazonaws.com/?" + QString(2048, QLatin1Char('x')))
        << QByteArray("SubscribeURL must be 1 to 2048 bytes");
    QTest::addRow("plain http") << changed("SubscribeURL", "http://sns.eu-west-1.amazonaws.com/?x=1")
                                << QByteArray("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL");
    QTest::addRow("look-alike host") << changed("SubscribeURL", "https://sns.eu-west-1.amazonaws.com.example.net/?x=1")
                                     << QByteArray("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL");
    QTest::addRow("loopback") << changed("SubscribeURL", "https://127.0.0.1:1/confirm")
                              << QByteArray("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL");
    QTest::addRow("not an ARN") << changed("TopicArn", "topic") << QByteArray("TopicArn is not an ARN (arn:…)");
}

void TestSns::confirmationMalformed()
{
    QFETCH(QJsonObject, fields);
    QFETCH(QByteArray, reason);
    const quint64 before = messageCount();
    const QJsonValue pendingBefore = endpointJson().value(QLatin1String("pending_confirmation"));
    const auto reply = post(signedMessage(fields), "SubscriptionConfirmation");
    QVERIFY(reply);
    QCOMPARE(reply->status, 400);
    const QString error = reply->json().value(QLatin1String("error")).toString();
    QVERIFY2(error.startsWith(QString::fromUtf8(reason)), qPrintable(error));
    QCOMPARE(messageCount(), before);
    QCOMPARE(endpointJson().value(QLatin1String("pending_confirmation")), pendingBefore);
    QVERIFY(!m_log->contains({ QStringLiteral("FAKE LOG LINE") }));
}

void TestSns::confirmByAdminCall()
{
    const QJsonObject fields = confirmation("tokenadmin");
    QCOMPARE(post(signedMessage(fields), "SubscriptionConfirmation").value_or(HttpReply {}).status, 200);
    const QByteArray subscribeTarget = "/?Action=ConfirmSubscription&TopicArn=" + TopicArn + "&Token=tokenadmin";
    m_sns.answer(subscribeTarget,
        { 200, "text/xml",
            "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ConfirmSubscriptionResult>"
            "<SubscriptionArn>"
                + SubscriptionArn
                + "</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>r</RequestId>"
                  "</ResponseMetadata></ConfirmSubscriptionResponse>" });
    const quint16 admin = m_runtime->adminPort();
    const QByteArray route = "/api/endpoints/sns/confirm-subscription";

    // The caller names the topic it confirms: none is 400, another one 409; SNS is not asked.
    QCOMPARE(request(admin, "POST", route, "{}", JsonContent).value_or(HttpReply {}).status, 400);
    const auto other = request(admin, "POST", route, R"({"topic_arn":"arn:aws:sns:eu-west-1:1:other"})", JsonContent);
    QVERIFY(other);
    QCOMPARE(other->status, 409);
    QVERIFY(other->json().value(QLatin1String("error")).toString().contains(QLatin1String(TopicArn)));
    QCOMPARE(request(admin, "GET", route).value_or(HttpReply {}).status, 405);
    QCOMPARE(request(admin, "POST", "/api/endpoints/nowhere/confirm-subscription", "{\"topic_arn\":\"" + TopicArn + "\"}",
                 JsonContent)
                 .value_or(HttpReply {})
                 .status,
        404);
    QCOMPARE(m_sns.count(subscribeTarget), 0);

    const auto confirmed = request(admin, "POST", route, "{\"topic_arn\":\"" + TopicArn + "\"}", JsonContent);
    QVERIFY(confirmed);
    QCOMPARE(confirmed->status, 200);
    QCOMPARE(confirmed->json().value(QLatin1String("confirmed")), QJsonValue(true));
    QCOMPARE(confirmed->json().value(QLatin1String("subscription_arn")).toString().toLatin1(), SubscriptionArn);
    QCOMPARE(m_sns.count(subscribeTarget), 1);
    const QJsonObject endpoint = endpointJson();
    QVERIFY(endpoint.value(QLatin1String("pending_confirmation")).isUndefined());
    QCOMPARE(endpoint.value(QLatin1String("sns_subscription")).toObject().value(QLatin1String("subscription_arn")).toString().toLatin1(),
        SubscriptionArn);
    QVERIFY(m_log->contains({ QStringLiteral("confirmed"), QString::fromLatin1(SubscriptionArn) }));
    // Nothing waits any more.
    QCOMPARE(request(admin, "POST", route, "{\"topic_arn\":\"" + TopicArn + "\"}", JsonContent).value_or(HttpReply {}).status,
        404);
}

void TestSns::confirmRefusedBySns()
{
    // SNS refuses (an expired token): 502 with SNS's own code and message; the confirmation stays pending.
    const QJsonObject fields = confirmation("tokenexpired");
    QCOMPARE(post(signedMessage(fields), "SubscriptionConfirmation").value_or(HttpReply {}).status, 200);
    m_sns.answer("/?Action=ConfirmSubscription&TopicArn=" + TopicArn + "&Token=tokenexpired",
        { 403, "text/xml",
            "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code><Message>Token is expired"
            "</Message></Error><RequestId>r</RequestId></ErrorResponse>" });
    const auto refused = request(m_runtime->adminPort(), "POST", "/api/endpoints/0/confirm-subscription",
        "{\"topic_arn\":\"" + TopicArn + "\"}", JsonContent);
    QVERIFY(refused);
    QCOMPARE(refused->status, 502);
    QCOMPARE(refused->json().value(QLatin1String("error")).toString(),
        QStringLiteral("SNS answered HTTP 403: AuthorizationError Token is expired"));
    QCOMPARE(endpointJson().value(QLatin1String("pending_confirmation")).toObject().value(QLatin1String("topic_arn")).toString().toLatin1(),
        TopicArn);
}

#ifdef ACKHOOK_HAVE_UI
void TestSns::confirmFromTheWindow()
{
    const QByteArray topic = "arn:aws:sns:eu-west-1:123456789012:tst-sns-window";
    const QJsonObject fields = confirmation("tokenwindow", topic);
    const QByteArray subscribeTarget = "/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=tokenwindow";
    m_sns.answer(subscribeTarget,
        { 200, "text/xml",
            "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>" + topic
                + ":0001</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>" });
    MonitorWindow window(m_runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    SnsConfirmationBar *bar = window.snsConfirmationBar();
    QVERIFY(bar);
    QCOMPARE(post(signedMessage(fields), "SubscriptionConfirmation").value_or(HttpReply {}).status, 200);
    QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible() && bar->text().contains(QLatin1String(topic)), 5000);
    QVERIFY(bar->text().contains(QLatin1String("/sns")));
    QCOMPARE(m_sns.count(subscribeTarget), 0); // shown, not fetched
    QTest::mouseClick(bar->confirmButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_sns.count(subscribeTarget), 1, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!bar->isVisible(), 5000);
    QCOMPARE(endpointJson().value(QLatin1String("sns_subscription")).toObject().value(QLatin1String("topic_arn")).toString().toLatin1(),
        topic);
}
#endif

QTEST_MAIN(TestSns)
#include "tst_sns.moc"
