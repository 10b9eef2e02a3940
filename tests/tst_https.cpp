// HTTPS on the webhook listener (issue #28 part 5): the real ackhook binary in front of a real
// nats-server, called with curl and with Qt's own TLS clients; plain HTTP on the TLS port; a
// handshake that never completes (closed by the header deadline); certificate problems stopping
// ackhook at start (and --check-config); a renewed certificate served to the next connection
// without a restart; the window showing https:// in its header. Only 127.0.0.1 traffic.
#include "ackhookprocess.h"
#include "commandline.h"
#include "gateway.h"
#include "http/httplistener.h"
#include "http/tlsidentity.h"
#include "monitorwindow.h"
#include "nats/embeddednats.h"
#include "natstestaccounts.h"
#include "runtime.h"
#include "testsenderpanel.h"
#include "testsupport.h"
#include "webhook/requestlog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdio>

using namespace TestSupport;

namespace {

bool writeFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(content) == content.size();
}

// Copies from to a temporary name next to to, then renames it over to: how renewal tools replace files.
bool replaceByRename(const QString &from, const QString &to)
{
    const QString temporary = to + QStringLiteral(".new");
    QFile::remove(temporary);
    if (!QFile::copy(from, temporary))
        return false;
    QFile::setPermissions(temporary, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return std::rename(QFile::encodeName(temporary).constData(), QFile::encodeName(to).constData()) == 0;
}

// One complete reply at the front of buffer (Content-Length framing), taken out; 0 when none yet.
int takeReply(QByteArray &buffer, QByteArray *body = nullptr)
{
    const qsizetype end = buffer.indexOf("\r\n\r\n");
    if (end < 0)
        return 0;
    const QByteArray head = buffer.left(end);
    qsizetype length = 0;
    for (const QByteArray &line : head.split('\n')) {
        if (line.toLower().startsWith("content-length:"))
            length = line.mid(15).trimmed().toLongLong();
    }
    if (buffer.size() < end + 4 + length)
        return 0;
    if (body)
        *body = buffer.mid(end + 4, length);
    const int status = head.mid(9, 3).toInt();
    buffer.remove(0, end + 4 + length);
    return status;
}

QSslConfiguration trusting(const QString &caFile)
{
    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setCaCertificates(QSslCertificate::fromPath(caFile));
    return configuration;
}

struct TlsClient {
    explicit TlsClient(quint16 port, const QString &caFile)
    {
        socket.setSslConfiguration(trusting(caFile));
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        encrypted = socket.waitForEncrypted(10000);
    }
    // Sends requests (pipelined when several) and reads as many replies; their statuses.
    QList<int> exchange(const QList<QByteArray> &requests, QList<QByteArray> *bodies = nullptr)
    {
        for (const QByteArray &request : requests)
            socket.write(request);
        QList<int> statuses;
        QByteArray buffer;
        QDeadlineTimer deadline(10000);
        while (statuses.size() < requests.size() && !deadline.hasExpired()) {
            QByteArray body;
            if (const int status = takeReply(buffer, &body)) {
                statuses.append(status);
                if (bodies)
                    bodies->append(body);
                continue;
            }
            if (!socket.waitForReadyRead(static_cast<int>(deadline.remainingTime())))
                break;
            buffer += socket.readAll();
        }
        return statuses;
    }
    QSslSocket socket;
    bool encrypted = false;
};

QByteArray webhookPost(const QByteArray &body, const QByteArray &key)
{
    return rawRequest("POST", "/webhook", body,
        { { "Content-Type", "application/json" }, { "Idempotency-Key", key } });
}

} // namespace

class TestHttps : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    // The binary, over HTTPS.
    void curlPostIsAnsweredAfterThePubAck();
    void qtClientsOverTls();
    void refusedBodyStillGetsItsAnswer();
    void plainHttpToTheTlsPortIsClosed();
    void startupLineAndStatusSayHttps();
    void renewedCertificateServesTheNextConnection();
    // The listener in process: the handshake inside the header deadline.
    void stalledHandshakeIsClosedByTheHeaderDeadline();
    void connectionCapsHoldOverTls();
    // Problems at start and in --check-config; the flags, environment and config keys.
    void certificateProblemsStopAckhook_data();
    void certificateProblemsStopAckhook();
    void checkConfigReportsTlsFiles();
    void flagsEnvironmentAndConfigKeys();
    // The window.
    void windowHeaderShowsHttps();

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    int curlPost(const QByteArray &body, const QByteArray &key, QByteArray *answer);
    QByteArray servedSerial();

    QTemporaryDir m_dir;
    std::unique_ptr<EmbeddedNats> m_nats;
    std::unique_ptr<AckhookProcess> m_ackhook;
    quint16 m_port = 0;
    QString m_natsUrl;
};

void TestHttps::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!ackhookBinary().isEmpty(), "ACKHOOK_BINARY is not set");
    QVERIFY2(!QStandardPaths::findExecutable(QStringLiteral("curl")).isEmpty(), "curl is needed (apt install curl)");
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests"));
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, path(QStringLiteral("settings")));
    QString error;
    QVERIFY2(makeTestCertificates(m_dir.path(), &error), qPrintable(error));
    for (const QString &key : { QStringLiteral("server.key"), QStringLiteral("client.key") })
        QFile::setPermissions(path(key), QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    // The files ackhook serves: replaced by rename in renewedCertificateServesTheNextConnection.
    QVERIFY(replaceByRename(path(QStringLiteral("server.pem")), path(QStringLiteral("live.pem"))));
    QVERIFY(replaceByRename(path(QStringLiteral("server.key")), path(QStringLiteral("live.key"))));

    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = path(QStringLiteral("nats"));
    m_nats = std::make_unique<EmbeddedNats>(natsOptions);
    QVERIFY2(m_nats->start(&error), qPrintable(error));
    m_natsUrl = QStringLiteral("nats://127.0.0.1:%1").arg(m_nats->port());

    m_port = freePort();
    m_ackhook = std::make_unique<AckhookProcess>(QStringList { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(m_port), QStringLiteral("--data-dir"), path(QStringLiteral("ackhook")),
        QStringLiteral("--nats-url"), m_natsUrl, QStringLiteral("--tls-cert-file"), path(QStringLiteral("live.pem")),
        QStringLiteral("--tls-key-file"), path(QStringLiteral("live.key")) });
    QVERIFY2(m_ackhook->waitUntilListening(), m_ackhook->err().constData());
    QCOMPARE(m_ackhook->webhookPort(), m_port);
    // Ready once the stream is: the first 200 over HTTPS.
    QTRY_COMPARE_WITH_TIMEOUT(
        TlsClient(m_port, path(QStringLiteral("ca.pem"))).exchange({ webhookPost("{}", uniqueKey()) }).value(0), 200,
        15000);
}

void TestHttps::cleanupTestCase()
{
    if (m_ackhook) {
        m_ackhook->process().terminate();
        QVERIFY(m_ackhook->process().waitForFinished(15000));
        m_ackhook->collect();
        QVERIFY2(m_ackhook->sanitizerReports().isEmpty(), m_ackhook->sanitizerReports().constData());
        QCOMPARE(m_ackhook->process().exitCode(), 0);
        // The key never shows in what ackhook wrote.
        QVERIFY(!QByteArray(m_ackhook->out() + m_ackhook->err()).contains(keyBody(path(QStringLiteral("server.key")))));
    }
    m_ackhook.reset();
    m_nats.reset();
}

int TestHttps::curlPost(const QByteArray &body, const QByteArray &key, QByteArray *answer)
{
    QProcess curl;
    curl.start(QStringLiteral("curl"),
        { QStringLiteral("-sS"), QStringLiteral("--max-time"), QStringLiteral("10"), QStringLiteral("--cacert"),
            path(QStringLiteral("ca.pem")), QStringLiteral("-H"), QStringLiteral("Content-Type: application/json"),
            QStringLiteral("-H"), QStringLiteral("Idempotency-Key: ") + QString::fromLatin1(key),
            QStringLiteral("--data-binary"), QString::fromUtf8(body), QStringLiteral("-w"),
            QStringLiteral("\n%{http_code}"), QStringLiteral("https://127.0.0.1:%1/webhook").arg(m_port) });
    if (!curl.waitForFinished(15000))
        return -1;
    const QByteArray out = curl.readAllStandardOutput();
    if (curl.exitCode() != 0)
        qWarning("curl: %s", curl.readAllStandardError().constData());
    const qsizetype newline = out.lastIndexOf('\n');
    if (answer)
        *answer = out.left(newline);
    return out.mid(newline + 1).toInt();
}

QByteArray TestHttps::servedSerial()
{
    TlsClient client(m_port, path(QStringLiteral("ca.pem")));
    if (!client.encrypted)
        return {};
    return client.socket.peerCertificate().serialNumber();
}

void TestHttps::curlPostIsAnsweredAfterThePubAck()
{
    const QByteArray key = uniqueKey();
    QByteArray answer;
    QCOMPARE(curlPost(R"({"via":"curl"})", key, &answer), 200);
    const qint64 seq = QJsonDocument::fromJson(answer).object().value(QLatin1String("seq")).toInteger();
    QVERIFY2(seq > 0, answer.constData());
    StreamReader reader(m_natsUrl);
    QVERIFY(reader.isValid());
    const std::optional<StoredMessage> stored = reader.message("EVENTS", static_cast<quint64>(seq));
    QVERIFY(stored);
    QCOMPARE(stored->keyOn("/webhook"), key);
    QCOMPARE(stored->data, QByteArray(R"({"via":"curl"})"));
}

void TestHttps::qtClientsOverTls()
{
    // QSslSocket: two requests pipelined on one connection, answered in order.
    TlsClient client(m_port, path(QStringLiteral("ca.pem")));
    QVERIFY2(client.encrypted, qPrintable(client.socket.errorString()));
    QCOMPARE(client.socket.peerCertificate(), QSslCertificate::fromPath(path(QStringLiteral("server.pem"))).value(0));
    const QByteArray first = uniqueKey();
    const QByteArray second = uniqueKey();
    QList<QByteArray> bodies;
    QCOMPARE(client.exchange({ webhookPost(R"({"n":1})", first), webhookPost(R"({"n":2})", second) }, &bodies),
        (QList<int> { 200, 200 }));
    const qint64 seq1 = QJsonDocument::fromJson(bodies.value(0)).object().value(QLatin1String("seq")).toInteger();
    const qint64 seq2 = QJsonDocument::fromJson(bodies.value(1)).object().value(QLatin1String("seq")).toInteger();
    QVERIFY(seq1 > 0 && seq2 > seq1);

    // QNetworkAccessManager, trusting the test CA only.
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(QStringLiteral("https://127.0.0.1:%1/webhook").arg(m_port)));
    request.setSslConfiguration(trusting(path(QStringLiteral("ca.pem"))));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const QByteArray key = uniqueKey();
    request.setRawHeader("Idempotency-Key", key);
    QNetworkReply *reply = network.post(request, QByteArray(R"({"via":"qnam"})"));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    QVERIFY2(reply->error() == QNetworkReply::NoError, qPrintable(reply->errorString()));
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    const qint64 seq = QJsonDocument::fromJson(reply->readAll()).object().value(QLatin1String("seq")).toInteger();
    reply->deleteLater();
    StreamReader reader(m_natsUrl);
    const std::optional<StoredMessage> stored = reader.message("EVENTS", static_cast<quint64>(seq));
    QVERIFY(stored);
    QCOMPARE(stored->keyOn("/webhook"), key);

    // Answers that close the connection arrive whole before the close (the answer, then FIN):
    // a body over the limit (413, refused on its head) and a request with "Connection: close".
    TlsClient tooLarge(m_port, path(QStringLiteral("ca.pem")));
    QVERIFY(tooLarge.encrypted);
    QCOMPARE(tooLarge.exchange({ "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 50000000\r\n\r\n" }),
        QList<int> { 413 });
    QTRY_COMPARE_WITH_TIMEOUT(tooLarge.socket.state(), QAbstractSocket::UnconnectedState, 5000);
    TlsClient closing(m_port, path(QStringLiteral("ca.pem")));
    QVERIFY(closing.encrypted);
    QCOMPARE(closing.exchange({ rawRequest("POST", "/webhook", "{}",
                 { { "Content-Type", "application/json" }, { "Idempotency-Key", uniqueKey() } }, false) }),
        QList<int> { 200 });
    QTRY_COMPARE_WITH_TIMEOUT(closing.socket.state(), QAbstractSocket::UnconnectedState, 5000);

    // A client that does not trust the certificate gets no answer at all.
    QSslSocket stranger;
    stranger.connectToHostEncrypted(QStringLiteral("127.0.0.1"), m_port);
    QVERIFY(!stranger.waitForEncrypted(10000));
}

// A client that goes on sending a body ackhook refused on its head (413) reads the 413 whole: ackhook
// drains what still comes over TLS before it closes, as it does over plain TCP (closing a socket
// with unread bytes resets the connection, and the reset can take the answer with it).
void TestHttps::refusedBodyStillGetsItsAnswer()
{
    for (int attempt = 0; attempt < 3; ++attempt) { // the reset is a race: give it three chances
        TlsClient client(m_port, path(QStringLiteral("ca.pem")));
        QVERIFY(client.encrypted);
        QSslSocket &socket = client.socket;
        socket.setReadBufferSize(1); // Qt takes (almost) nothing from the kernel: the answer waits there
        socket.write("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: 50000000\r\n\r\n");
        const QByteArray piece(64 * 1024, 'x');
        QByteArray buffer;
        int status = 0;
        qint64 sent = 0;
        QElapsedTimer clock;
        clock.start();
        // Bounded by bytes and time; the body goes on after the answer came, as a busy sender's does.
        while (sent < 16 * 1024 * 1024 && clock.elapsed() < 20000 && socket.state() == QAbstractSocket::ConnectedState) {
            socket.write(piece);
            sent += piece.size();
            socket.waitForBytesWritten(50);
        }
        socket.setReadBufferSize(0);
        buffer += socket.readAll();
        status = takeReply(buffer, nullptr);
        QDeadlineTimer deadline(5000);
        while (!status && !deadline.hasExpired() && socket.waitForReadyRead(100)) {
            buffer += socket.readAll();
            status = takeReply(buffer, nullptr);
        }
        QVERIFY2(status == 413,
            qPrintable(QStringLiteral("attempt %1: status %2 after %3 KiB sent; %4")
                           .arg(attempt)
                           .arg(status)
                           .arg(sent / 1024)
                           .arg(socket.errorString())));
    }
}

void TestHttps::plainHttpToTheTlsPortIsClosed()
{
    for (int i = 0; i < 3; ++i) {
        HttpClient plain(m_port);
        QVERIFY(plain.isConnected());
        plain.send(webhookPost("{}", uniqueKey()));
        QVERIFY(!plain.readReply(5000)); // no HTTP answer: the bytes are not a TLS handshake
        QVERIFY(plain.waitForClose(5000));
    }
    QCOMPARE(m_ackhook->process().state(), QProcess::Running);
    QCOMPARE(curlPost("{}", uniqueKey(), nullptr), 200);
    // Counted as refusals (bad_request) on the webhook listener's metrics.
    const std::optional<HttpReply> metrics = request(m_ackhook->adminPort(), "GET", "/metrics");
    QVERIFY(metrics);
    QCOMPARE(metrics->status, 200);
}

void TestHttps::startupLineAndStatusSayHttps()
{
    m_ackhook->collect();
    QVERIFY2(m_ackhook->out().contains(QStringLiteral("listening on https://127.0.0.1:%1/webhook").arg(m_port).toUtf8()),
        m_ackhook->out().constData());
    // The admin API stays plain HTTP on loopback, and says where the webhooks go.
    const std::optional<HttpReply> status = request(m_ackhook->adminPort(), "GET", "/api/status");
    QVERIFY(status);
    QCOMPARE(status->status, 200);
    QCOMPARE(status->json().value(QLatin1String("webhook")).toString(),
        QStringLiteral("https://127.0.0.1:%1/webhook").arg(m_port));
}

void TestHttps::renewedCertificateServesTheNextConnection()
{
    const QByteArray original = QSslCertificate::fromPath(path(QStringLiteral("server.pem"))).value(0).serialNumber();
    QCOMPARE(servedSerial(), original);
    QString error;
    QVERIFY2(makeServerCertificate(m_dir.path(), QStringLiteral("renewed"), &error), qPrintable(error));
    const QByteArray renewed = QSslCertificate::fromPath(path(QStringLiteral("renewed.pem"))).value(0).serialNumber();
    QVERIFY(!renewed.isEmpty() && renewed != original);

    // A connection open across the renewal keeps working with the certificate it started with.
    TlsClient open(m_port, path(QStringLiteral("ca.pem")));
    QVERIFY(open.encrypted);
    // Key first, then certificate, each replaced by rename (as certbot and cert-manager do).
    QVERIFY(replaceByRename(path(QStringLiteral("renewed.key")), path(QStringLiteral("live.key"))));
    QVERIFY(replaceByRename(path(QStringLiteral("renewed.pem")), path(QStringLiteral("live.pem"))));
    QCOMPARE(servedSerial(), renewed); // the very next connection, no restart
    QCOMPARE(open.exchange({ webhookPost("{}", uniqueKey()) }), QList<int> { 200 });
    QCOMPARE(open.socket.peerCertificate().serialNumber(), original);
    QCOMPARE(curlPost("{}", uniqueKey(), nullptr), 200);

    // A renewal that does not parse keeps the previous certificate, with a warning in the log.
    QVERIFY(writeFile(path(QStringLiteral("broken.pem")), "-----BEGIN CERTIFICATE-----\nnot base64\n"));
    QVERIFY(replaceByRename(path(QStringLiteral("broken.pem")), path(QStringLiteral("live.pem"))));
    QCOMPARE(servedSerial(), renewed);
    QCOMPARE(curlPost("{}", uniqueKey(), nullptr), 200);
    QTRY_VERIFY_WITH_TIMEOUT((m_ackhook->collect(), QByteArray(m_ackhook->out() + m_ackhook->err())
                                                         .contains("renewed TLS certificate not used")),
        5000);
    QVERIFY(QByteArray(m_ackhook->out() + m_ackhook->err()).contains(path(QStringLiteral("live.pem")).toUtf8()));
    // The right files again: served again.
    QVERIFY(replaceByRename(path(QStringLiteral("renewed.pem")), path(QStringLiteral("live.pem"))));
    QCOMPARE(servedSerial(), renewed);
    QVERIFY(!QByteArray(m_ackhook->out() + m_ackhook->err()).contains(keyBody(path(QStringLiteral("renewed.key")))));
}

void TestHttps::stalledHandshakeIsClosedByTheHeaderDeadline()
{
    constexpr int HeaderTimeoutMs = 600;
    HttpListener::Options options;
    options.headerTimeout = std::chrono::milliseconds(HeaderTimeoutMs);
    options.tls = std::make_shared<TlsIdentity>(path(QStringLiteral("server.pem")), path(QStringLiteral("server.key")));
    QString error;
    QVERIFY2(options.tls->load(&error), qPrintable(error));
    HttpListener listener(options);
    listener.setRequestHandler([](HttpRequest &&, const HttpResponder &responder) {
        HttpResponse response;
        response.status = 200;
        response.body = "ok";
        responder.respond(response);
    });
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));

    // Connects and sends nothing; sends half a ClientHello; finishes the handshake but sends no request.
    QTcpSocket silent;
    QTcpSocket halfHello;
    QSslSocket noRequest;
    QElapsedTimer clock;
    clock.start();
    silent.connectToHost(QHostAddress::LocalHost, listener.serverPort());
    halfHello.connectToHost(QHostAddress::LocalHost, listener.serverPort());
    noRequest.setSslConfiguration(trusting(path(QStringLiteral("ca.pem"))));
    QByteArray noRequestGot;
    connect(&noRequest, &QSslSocket::readyRead, this, [&] { noRequestGot += noRequest.readAll(); });
    noRequest.connectToHostEncrypted(QStringLiteral("127.0.0.1"), listener.serverPort());
    QVERIFY(silent.waitForConnected(5000));
    QVERIFY(halfHello.waitForConnected(5000));
    halfHello.write(QByteArray::fromHex("160301020001"));
    QTRY_VERIFY_WITH_TIMEOUT(noRequest.isEncrypted(), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(listener.connectionCount(), 3, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(silent.state() == QAbstractSocket::UnconnectedState
            && halfHello.state() == QAbstractSocket::UnconnectedState
            && noRequest.state() == QAbstractSocket::UnconnectedState,
        HeaderTimeoutMs + 5000);
    QVERIFY(clock.elapsed() >= HeaderTimeoutMs); // not before the deadline
    // The one that finished its handshake got its 408 over TLS before the close.
    noRequestGot += noRequest.readAll();
    QVERIFY2(noRequestGot.startsWith("HTTP/1.1 408"), noRequestGot.constData());
    QTRY_COMPARE_WITH_TIMEOUT(listener.connectionCount(), 0, 5000);
    QCOMPARE(listener.refusals().of(Refusal::Timeout), quint64(3));

    // The listener still serves a client that completes in time (the event loop runs both ends).
    QSslSocket client;
    client.setSslConfiguration(trusting(path(QStringLiteral("ca.pem"))));
    client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), listener.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(client.isEncrypted(), 5000);
    client.write(rawRequest("GET", "/"));
    QByteArray buffer;
    QByteArray body;
    int status = 0;
    // (Not QTRY_: it evaluates its expression once more at the end, and taking a reply consumes it.)
    QVERIFY(QTest::qWaitFor(
        [&] {
            buffer += client.readAll();
            status = takeReply(buffer, &body);
            return status != 0;
        },
        5000));
    QCOMPARE(status, 200);
    QCOMPARE(body, QByteArray("ok"));
    QCOMPARE(listener.refusals().of(Refusal::Timeout), quint64(3));
}

void TestHttps::connectionCapsHoldOverTls()
{
    HttpListener::Options options;
    options.maxConnections = 1;
    options.tls = std::make_shared<TlsIdentity>(path(QStringLiteral("server.pem")), path(QStringLiteral("server.key")));
    QString error;
    QVERIFY2(options.tls->load(&error), qPrintable(error));
    HttpListener listener(options);
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    QSslSocket first;
    first.setSslConfiguration(trusting(path(QStringLiteral("ca.pem"))));
    first.connectToHostEncrypted(QStringLiteral("127.0.0.1"), listener.serverPort());
    QTRY_VERIFY_WITH_TIMEOUT(first.isEncrypted(), 5000);
    // Over the cap: closed at once, before any handshake (no 503: it would cost one), and counted.
    QSslSocket second;
    second.setSslConfiguration(trusting(path(QStringLiteral("ca.pem"))));
    second.connectToHostEncrypted(QStringLiteral("127.0.0.1"), listener.serverPort());
    QTRY_COMPARE_WITH_TIMEOUT(second.state(), QAbstractSocket::UnconnectedState, 5000);
    QVERIFY(!second.isEncrypted());
    QCOMPARE(listener.refusals().of(Refusal::TooManyConnections), quint64(1));
    QCOMPARE(listener.connectionCount(), 1);
    QVERIFY(first.isEncrypted());
}

void TestHttps::certificateProblemsStopAckhook_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QStringList>("environment"); // NAME=VALUE
    QTest::addColumn<QString>("message");
    const QString cert = path(QStringLiteral("server.pem"));
    const QString key = path(QStringLiteral("server.key"));
    const QString clientKey = path(QStringLiteral("client.key"));
    const QString missing = path(QStringLiteral("missing.pem"));
    const QString garbage = path(QStringLiteral("garbage.pem"));
    writeFile(garbage, "this is not PEM\n");
    const QString certFlag = QStringLiteral("--tls-cert-file");
    const QString keyFlag = QStringLiteral("--tls-key-file");
    QTest::newRow("certificate missing") << QStringList { certFlag, missing, keyFlag, key } << QStringList {}
                                         << QStringLiteral("TLS certificate file %1 does not exist").arg(missing);
    QTest::newRow("certificate not PEM") << QStringList { certFlag, garbage, keyFlag, key } << QStringList {}
                                         << QStringLiteral("TLS certificate file %1 holds no PEM certificate").arg(garbage);
    QTest::newRow("key not PEM") << QStringList { certFlag, cert, keyFlag, garbage } << QStringList {}
                                 << QStringLiteral("TLS key file %1 holds no PEM private key").arg(garbage);
    QTest::newRow("key of another certificate")
        << QStringList { certFlag, cert, keyFlag, clientKey } << QStringList {}
        << QStringLiteral("TLS key file %1 does not match the certificate in %2").arg(clientKey, cert);
    QTest::newRow("certificate without key") << QStringList { certFlag, cert } << QStringList {}
                                             << QStringLiteral("--tls-cert-file needs --tls-key-file");
    QTest::newRow("key without certificate (environment)")
        << QStringList {} << QStringList { QStringLiteral("ACKHOOK_TLS_KEY_FILE=") + key }
        << QStringLiteral("--tls-key-file needs --tls-cert-file");
    QTest::newRow("mismatch from the environment")
        << QStringList {}
        << QStringList { QStringLiteral("ACKHOOK_TLS_CERT_FILE=") + cert, QStringLiteral("ACKHOOK_TLS_KEY_FILE=") + clientKey }
        << QStringLiteral("does not match the certificate in %1 (set by ACKHOOK_TLS_KEY_FILE)").arg(cert);
}

void TestHttps::certificateProblemsStopAckhook()
{
    QFETCH(QStringList, arguments);
    QFETCH(QStringList, environment);
    QFETCH(QString, message);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const QString &variable : environment)
        env.insert(variable.section(QLatin1Char('='), 0, 0), variable.section(QLatin1Char('='), 1));
    AckhookProcess ackhook(QStringList { QStringLiteral("--headless"), QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"),
                               path(QStringLiteral("refused")), QStringLiteral("--nats-url"), m_natsUrl }
            + arguments,
        env);
    QVERIFY(ackhook.process().waitForFinished(15000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QVERIFY(ackhook.process().exitCode() != 0);
    QVERIFY2(ackhook.err().contains(message.toUtf8()), ackhook.err().constData());
    QVERIFY(!ackhook.out().contains("listening on"));
    for (const QString &key : { QStringLiteral("server.key"), QStringLiteral("client.key") })
        QVERIFY(!QByteArray(ackhook.out() + ackhook.err()).contains(keyBody(path(key))));
}

void TestHttps::checkConfigReportsTlsFiles()
{
    const QString config = path(QStringLiteral("tls.toml"));
    QVERIFY(writeFile(config, "[server]\nlisten = \"127.0.0.1:12000\"\ntls_cert_file = \"server.pem\"\n"
                              "tls_key_file = \"client.key\"\n"));
    QProcess check;
    check.start(ackhookBinary(), { QStringLiteral("--check-config"), config });
    QVERIFY(check.waitForFinished(15000));
    const QByteArray err = check.readAllStandardError();
    QCOMPARE(check.exitCode(), 1);
    QVERIFY2(err.contains(QStringLiteral("%1:4: server.tls_key_file: TLS key file %2 does not match")
                              .arg(config, path(QStringLiteral("client.key")))
                              .toUtf8()),
        err.constData());
    QVERIFY(!err.contains(keyBody(path(QStringLiteral("client.key")))));

    QVERIFY(writeFile(config, "[server]\ntls_cert_file = \"server.pem\"\n"));
    check.start(ackhookBinary(), { QStringLiteral("--check-config"), config });
    QVERIFY(check.waitForFinished(15000));
    QCOMPARE(check.exitCode(), 1);
    QVERIFY(check.readAllStandardError().contains("server.tls_cert_file: tls_cert_file and tls_key_file go together"));

    QVERIFY(writeFile(config, "[server]\ntls_cert_file = \"server.pem\"\ntls_key_file = \"server.key\"\n"));
    check.start(ackhookBinary(), { QStringLiteral("--check-config"), config });
    QVERIFY(check.waitForFinished(15000));
    QCOMPARE(check.exitCode(), 0);
    QVERIFY(check.readAllStandardOutput().contains(
        QStringLiteral("HTTPS on the webhook listener: certificate %1").arg(path(QStringLiteral("server.pem"))).toUtf8()));
}

void TestHttps::flagsEnvironmentAndConfigKeys()
{
    const QString cert = path(QStringLiteral("server.pem"));
    const QString key = path(QStringLiteral("server.key"));
    // Flags.
    CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--tls-cert-file"), cert,
        QStringLiteral("--tls-key-file"), key });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QCOMPARE(cli.runtime.gateway.tlsCertFile, cert);
    QCOMPARE(cli.runtime.gateway.tlsKeyFile, key);
    QVERIFY(cli.runtime.gateway.tls());
    QCOMPARE(cli.runtime.gateway.webhookScheme(), QStringLiteral("https"));
    QVERIFY2(cli.warnings.isEmpty(), qPrintable(cli.warnings.join(QLatin1Char('\n'))));
    // The config file's keys, relative to the file.
    const QString config = path(QStringLiteral("keys.toml"));
    QVERIFY(writeFile(config, "[server]\ntls_cert_file = \"server.pem\"\ntls_key_file = \"server.key\"\n"));
    cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--config"), config });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QCOMPARE(cli.runtime.gateway.tlsCertFile, cert);
    QCOMPARE(cli.runtime.gateway.tlsKeyFile, key);
    // The environment, as for every flag.
    QCOMPARE(CommandLine::environmentName(QStringLiteral("tls-cert-file")), QStringLiteral("ACKHOOK_TLS_CERT_FILE"));
    qputenv("ACKHOOK_TLS_CERT_FILE", cert.toUtf8());
    qputenv("ACKHOOK_TLS_KEY_FILE", key.toUtf8());
    cli = CommandLine::parse({ QStringLiteral("ackhook") });
    qunsetenv("ACKHOOK_TLS_CERT_FILE");
    qunsetenv("ACKHOOK_TLS_KEY_FILE");
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QCOMPARE(cli.runtime.gateway.tlsKeyFile, key);
    // Neither: plain HTTP.
    cli = CommandLine::parse({ QStringLiteral("ackhook") });
    QVERIFY(!cli.runtime.gateway.tls());
    QCOMPARE(cli.runtime.gateway.webhookScheme(), QStringLiteral("http"));
    // A key others can read: a warning naming the file.
    const QString shared = path(QStringLiteral("shared.key"));
    QVERIFY(QFile::copy(key, shared));
    QVERIFY(QFile::setPermissions(shared, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
            | QFileDevice::ReadOther));
    cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--tls-cert-file"), cert,
        QStringLiteral("--tls-key-file"), shared });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QCOMPARE(cli.warnings.size(), 1);
    QVERIFY2(cli.warnings.constFirst().contains(shared) && cli.warnings.constFirst().contains(QLatin1String("0644"))
            && cli.warnings.constFirst().contains(QLatin1String("chmod 600")),
        qPrintable(cli.warnings.constFirst()));
    // The lab's scenario drives the listener over plain HTTP: refused with TLS.
    cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--tls-cert-file"), cert,
        QStringLiteral("--tls-key-file"), key, QStringLiteral("--scenario"), QStringLiteral("down") });
    QCOMPARE(cli.action, CommandLine::Action::Error);
    QVERIFY2(cli.message.contains(QLatin1String("--scenario sends plain HTTP")), qPrintable(cli.message));
    // --help lists both flags.
    cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--help") });
    QVERIFY(cli.message.contains(QLatin1String("--tls-cert-file <FILE>")));
    QVERIFY(cli.message.contains(QLatin1String("--tls-key-file <FILE>")));
}

void TestHttps::windowHeaderShowsHttps()
{
    RuntimeConfig config;
    config.gateway.tlsCertFile = path(QStringLiteral("server.pem"));
    config.gateway.tlsKeyFile = path(QStringLiteral("server.key"));
    QString error;
    std::unique_ptr<Runtime> runtime
        = startRuntime(config, path(QStringLiteral("window")), std::chrono::milliseconds(2000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->gateway()->bus()->isStreamReady(), 10000);
    const QString base = QStringLiteral("https://127.0.0.1:%1").arg(runtime->webhookPort());
    QCOMPARE(runtime->webhookBaseUrl(), base);
    QCOMPARE(runtime->status().webhookBaseUrl, base);
    {
        MonitorWindow window(runtime.get());
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *header = window.findChild<QLabel *>(QStringLiteral("webhookUrl"));
        QVERIFY(header);
        QVERIFY2(header->text().contains(base + QStringLiteral("/webhook")), qPrintable(header->text()));
        // The window's own test event goes over HTTPS to its listener (whose certificate it pins).
        const quint64 before = runtime->gateway()->requestLog()->counters().ok;
        window.testSender()->countBox()->setValue(1);
        QTest::mouseClick(window.testSender()->sendButton(), Qt::LeftButton);
        QTRY_COMPARE_WITH_TIMEOUT(runtime->gateway()->requestLog()->counters().ok, before + 1, 10000);
    }
    runtime.reset();
}

QTEST_MAIN(TestHttps)
#include "tst_https.moc"
