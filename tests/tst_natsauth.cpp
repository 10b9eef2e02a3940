// ackhook in front of a secured NATS: user/password, token, NKey, creds file, TLS and mutual TLS,
// each with and without the fault proxy. Real nats-server processes configured by the test, the
// real ackhook binary, real HTTP: publish → 200, a wrong secret → exit 1 with a clear message, and
// no secret in anything ackhook writes or shows (stdout, stderr/log, /api/status, /metrics).
#include "ackhookprocess.h"
#include "nats/embeddednats.h"
#include "nats/natsaccess.h"
#include "nats/nkey.h"
#include "natstestaccounts.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace TestSupport;

namespace {

enum class Kind { UrlPassword, FlagPassword, UrlToken, EnvToken, NKeySeed, Creds, Tls, MutualTls, ConfigFileTlsCreds };

struct Setup {
    QByteArray serverConfig;
    QStringList good; // ackhook's NATS arguments ({PORT} replaced)
    QStringList wrong;
    QProcessEnvironment goodEnvironment = QProcessEnvironment::systemEnvironment();
    QProcessEnvironment wrongEnvironment = QProcessEnvironment::systemEnvironment();
    QList<QByteArray> secrets; // must appear nowhere
    QByteArray wrongMessage; // in stderr when the wrong secret is refused
};

QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    QFile file(dir.filePath(name));
    if (!file.open(QIODevice::WriteOnly))
        qFatal("cannot write %s", qPrintable(file.fileName()));
    file.write(content);
    return file.fileName();
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

class TestNatsAuth : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void securedNats_data();
    void securedNats();
    void outagesOverTls();
    void credentialsRefusedWhileRunning();
    void optionProblemsAtStart_data();
    void optionProblemsAtStart();
    void nkeyText();
    void urlCredentials();

private:
    Setup setup(Kind kind);
    QTemporaryDir m_dir;
};

void TestNatsAuth::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(!ackhookBinary().isEmpty(), "ACKHOOK_BINARY is not set");
    QString error;
    QVERIFY2(makeTestCertificates(m_dir.path(), &error), qPrintable(error));
}

Setup TestNatsAuth::setup(Kind kind)
{
    Setup s;
    const QString password = QStringLiteral("pw-") + QString::fromLatin1(uniqueKey());
    const QString token = QStringLiteral("tok-") + QString::fromLatin1(uniqueKey());
    const QString serverTls
        = QStringLiteral("tls { cert_file: \"%1\", key_file: \"%2\" }\n")
              .arg(m_dir.filePath(QStringLiteral("server.pem")), m_dir.filePath(QStringLiteral("server.key")));
    const QString ca = m_dir.filePath(QStringLiteral("ca.pem"));
    switch (kind) {
    case Kind::UrlPassword:
    case Kind::FlagPassword:
        s.serverConfig = QStringLiteral("authorization { user: ackhook, password: \"%1\" }\n").arg(password).toUtf8();
        s.secrets = { password.toUtf8() };
        s.wrongMessage = "refused ackhook's credentials";
        if (kind == Kind::UrlPassword) {
            s.good
                = { QStringLiteral("--nats-url"), QStringLiteral("nats://ackhook:%1@127.0.0.1:{PORT}").arg(password) };
            s.wrong
                = { QStringLiteral("--nats-url"), QStringLiteral("nats://ackhook:%1x@127.0.0.1:{PORT}").arg(password) };
        } else {
            const QString good = writeFile(m_dir, QStringLiteral("password"), password.toUtf8() + '\n');
            const QString wrong = writeFile(m_dir, QStringLiteral("wrong-password"), "not-" + password.toUtf8());
            s.good = { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:{PORT}"),
                QStringLiteral("--nats-user"), QStringLiteral("ackhook"), QStringLiteral("--nats-password-file"),
                good };
            s.wrong = s.good;
            s.wrong.last() = wrong;
        }
        break;
    case Kind::UrlToken:
    case Kind::EnvToken:
        s.serverConfig = QStringLiteral("authorization { token: \"%1\" }\n").arg(token).toUtf8();
        s.secrets = { token.toUtf8() };
        s.wrongMessage = "refused ackhook's credentials";
        if (kind == Kind::UrlToken) {
            s.good = { QStringLiteral("--nats-url"), QStringLiteral("nats://%1@127.0.0.1:{PORT}").arg(token) };
            s.wrong = { QStringLiteral("--nats-url"), QStringLiteral("nats://%1x@127.0.0.1:{PORT}").arg(token) };
        } else {
            s.good = s.wrong = { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:{PORT}") };
            s.goodEnvironment.insert(QStringLiteral("NATS_TOKEN"), token);
            s.wrongEnvironment.insert(QStringLiteral("NATS_TOKEN"), token + QStringLiteral("x"));
        }
        break;
    case Kind::NKeySeed: {
        const NKey user = NKey::generate(NKey::Type::User);
        const NKey stranger = NKey::generate(NKey::Type::User);
        s.serverConfig = "authorization { users: [ { nkey: " + user.publicKey() + " } ] }\n";
        const QString seed = writeFile(m_dir, QStringLiteral("user.nk"), user.seed() + '\n');
        const QString wrong = writeFile(m_dir, QStringLiteral("stranger.nk"), stranger.seed() + '\n');
        s.good = { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:{PORT}"),
            QStringLiteral("--nats-nkey"), seed };
        s.wrong = { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:{PORT}"),
            QStringLiteral("--nats-nkey"), wrong };
        s.secrets = { user.seed(), stranger.seed() };
        s.wrongMessage = "refused ackhook's credentials";
        break;
    }
    case Kind::Creds:
    case Kind::ConfigFileTlsCreds: {
        const TestOperator trusted = makeTestOperator();
        const TestOperator stranger = makeTestOperator(); // its user is signed by an account the server does not know
        s.serverConfig = trusted.serverConfig;
        const QString creds = writeFile(m_dir, QStringLiteral("ackhook.creds"), trusted.userCreds);
        const QString wrong = writeFile(m_dir, QStringLiteral("stranger.creds"), stranger.userCreds);
        s.secrets = { trusted.userSeed, stranger.userSeed };
        s.wrongMessage = "refused ackhook's credentials";
        if (kind == Kind::Creds) {
            s.good = { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:{PORT}"),
                QStringLiteral("--nats-creds"), creds };
            s.wrong = s.good;
            s.wrong.last() = wrong;
            break;
        }
        // One config file: TLS with a CA and a creds file, as an operator would write it.
        s.serverConfig += serverTls.toUtf8();
        const auto config = [&](const QString &name, const QString &credsFile) {
            return writeFile(m_dir, name,
                QStringLiteral(
                    "[nats]\nurl = \"tls://127.0.0.1:{PORT}\"\ntls_hostname = \"localhost\"\n"
                    "credentials_file = \"%1\"\ntls_ca_file = \"%2\"\n")
                    .arg(QFileInfo(credsFile).fileName(), ca)
                    .toUtf8());
        };
        s.good = { QStringLiteral("--config"), config(QStringLiteral("good.toml"), creds) };
        s.wrong = { QStringLiteral("--config"), config(QStringLiteral("wrong.toml"), wrong) };
        break;
    }
    case Kind::Tls:
        s.serverConfig = serverTls.toUtf8();
        // 127.0.0.1 and an explicit name: a fresh Debian root has no /etc/hosts, so "localhost" need not
        // resolve; the name the certificate is checked against is still given and still checked.
        s.good = { QStringLiteral("--nats-url"), QStringLiteral("tls://127.0.0.1:{PORT}"),
            QStringLiteral("--nats-tls-ca"), ca, QStringLiteral("--nats-tls-hostname"), QStringLiteral("localhost") };
        // The server's certificate names localhost and 127.0.0.1, not this.
        s.wrong = s.good.mid(0, s.good.size() - 1) + QStringList { QStringLiteral("nats.example.org") };
        s.wrongMessage = "TLS to NATS";
        break;
    case Kind::MutualTls:
        s.serverConfig
            = QStringLiteral("tls { cert_file: \"%1\", key_file: \"%2\", ca_file: \"%3\", verify: true }\n")
                  .arg(m_dir.filePath(QStringLiteral("server.pem")), m_dir.filePath(QStringLiteral("server.key")), ca)
                  .toUtf8();
        s.wrong = { QStringLiteral("--nats-url"), QStringLiteral("tls://127.0.0.1:{PORT}"),
            QStringLiteral("--nats-tls-ca"), ca, QStringLiteral("--nats-tls-hostname"), QStringLiteral("localhost") };
        s.good = s.wrong
            + QStringList { QStringLiteral("--nats-tls-cert"), m_dir.filePath(QStringLiteral("client.pem")),
                  QStringLiteral("--nats-tls-key"), m_dir.filePath(QStringLiteral("client.key")) };
        s.secrets = { keyBody(m_dir.filePath(QStringLiteral("client.key"))) };
        s.wrongMessage = "NATS at"; // the server ends the handshake: refused or TLS failure, both name the server
        break;
    }
    return s;
}

void TestNatsAuth::securedNats_data()
{
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<bool>("proxy");
    const std::pair<const char *, Kind> kinds[] = { { "user:password in the URL", Kind::UrlPassword },
        { "--nats-user, --nats-password-file", Kind::FlagPassword }, { "token in the URL", Kind::UrlToken },
        { "NATS_TOKEN", Kind::EnvToken }, { "--nats-nkey", Kind::NKeySeed }, { "--nats-creds", Kind::Creds },
        { "TLS, --nats-tls-ca", Kind::Tls }, { "mutual TLS", Kind::MutualTls },
        { "config file: TLS and creds", Kind::ConfigFileTlsCreds } };
    for (const auto &[name, kind] : kinds) {
        QTest::addRow("%s, direct", name) << kind << false;
        QTest::addRow("%s, through the fault proxy", name) << kind << true;
    }
}

void TestNatsAuth::securedNats()
{
    QFETCH(Kind, kind);
    QFETCH(bool, proxy);
    const Setup s = setup(kind);
    QTemporaryDir dir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = dir.filePath(QStringLiteral("nats"));
    natsOptions.extraConfig = s.serverConfig;
    EmbeddedNats nats(natsOptions);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    const auto withPort = [&](QStringList arguments) {
        for (QString &argument : arguments)
            argument.replace(QLatin1String("{PORT}"), QString::number(nats.port()));
        // A config file names the port too.
        for (qsizetype i = 0; i + 1 < arguments.size(); ++i) {
            if (arguments.at(i) == QLatin1String("--config")) {
                const QString path = arguments.at(i + 1) + QStringLiteral(".run.toml");
                QFile out(path);
                out.open(QIODevice::WriteOnly);
                out.write(readFile(arguments.at(i + 1)).replace("{PORT}", QByteArray::number(nats.port())));
                arguments[i + 1] = path;
            }
        }
        return arguments;
    };
    const quint16 port = freePort();
    QStringList common { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("ackhook")),
        QStringLiteral("--ack-timeout"), QStringLiteral("2000") };
    if (proxy)
        common.append(QStringLiteral("--fault-proxy"));

    QByteArray shown; // everything ackhook wrote or showed, searched for the secrets at the end
    {
        AckhookProcess ackhook(common + withPort(s.good), s.goodEnvironment);
        QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
        QTRY_COMPARE_WITH_TIMEOUT(
            request(port, "POST", "/webhook", R"({"hello":"secured"})", { { "Idempotency-Key", uniqueKey() } })
                .value_or(HttpReply {})
                .status,
            200, 10000);
        const std::optional<HttpReply> reply
            = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QVERIFY(reply->json().value(QLatin1String("seq")).toInteger() >= 2); // stored in the real stream

        const std::optional<HttpReply> status = request(ackhook.adminPort(), "GET", "/api/status");
        const std::optional<HttpReply> metrics = request(ackhook.adminPort(), "GET", "/metrics");
        QVERIFY(status && metrics);
        QCOMPARE(status->status, 200);
        const QJsonObject natsJson = status->json().value(QLatin1String("nats")).toObject();
        QCOMPARE(natsJson.value(QLatin1String("via_proxy")).isString(), proxy);
        QCOMPARE(natsJson.value(QLatin1String("proxy_in_path")).toBool(), false); // mode off: direct
        shown += status->body + metrics->body;
        if (proxy) {
            // Through the proxy as well: a fault moves the connection onto it, a new connection with
            // the same credentials and TLS end to end (the proxy only forwards bytes).
            const std::optional<HttpReply> moved = request(ackhook.adminPort(), "PUT", "/api/outage",
                R"({"mode":"latency","latency_ms":1})", { { "Content-Type", "application/json" } });
            QVERIFY(moved);
            QVERIFY2(moved->status == 200, moved->body.constData());
            const std::optional<HttpReply> through
                = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
            QVERIFY(through);
            QVERIFY2(through->status == 200, through->body.constData());
            const std::optional<HttpReply> proxied = request(ackhook.adminPort(), "GET", "/api/status");
            QVERIFY(proxied);
            QVERIFY(proxied->json().value(QLatin1String("nats")).toObject().value(QLatin1String("proxy_in_path")).toBool());
            shown += proxied->body;
        }
        ackhook.process().terminate();
        QVERIFY(ackhook.process().waitForFinished(15000));
        ackhook.collect();
        QVERIFY2(ackhook.sanitizerReports().isEmpty(), ackhook.sanitizerReports().constData());
        QCOMPARE(ackhook.process().exitCode(), 0);
        QVERIFY2(ackhook.out().contains(proxy ? "fault proxy on" : "fault proxy off"), ackhook.out().constData());
        shown += ackhook.out() + ackhook.err();
    }
    {
        AckhookProcess wrong(common + withPort(s.wrong), s.wrongEnvironment);
        const bool exited = wrong.process().waitForFinished(20000);
        wrong.collect();
        QVERIFY2(exited, wrong.err().constData());
        QVERIFY2(wrong.sanitizerReports().isEmpty(), wrong.sanitizerReports().constData());
        QCOMPARE(wrong.process().exitCode(), 1);
        QVERIFY2(wrong.err().contains(s.wrongMessage), wrong.err().constData());
        QVERIFY2(!wrong.out().contains("listening on"), wrong.out().constData());
        shown += wrong.out() + wrong.err();
    }
    for (const QByteArray &secret : s.secrets) {
        QVERIFY(!secret.isEmpty());
        QVERIFY2(
            !shown.contains(secret), qPrintable(QStringLiteral("a secret was shown:\n") + QString::fromUtf8(shown)));
    }
}

void TestNatsAuth::outagesOverTls()
{
    // Through the fault proxy TLS goes end to end: the byte-level outages work, ack-loss (which must
    // read the NATS protocol) is refused, at start and at run time.
    QTemporaryDir dir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = dir.filePath(QStringLiteral("nats"));
    natsOptions.extraConfig
        = QStringLiteral("tls { cert_file: \"%1\", key_file: \"%2\" }\n")
              .arg(m_dir.filePath(QStringLiteral("server.pem")), m_dir.filePath(QStringLiteral("server.key")))
              .toUtf8();
    EmbeddedNats nats(natsOptions);
    QString error;
    QVERIFY2(nats.start(&error), qPrintable(error));
    const quint16 port = freePort();
    const QStringList arguments { QStringLiteral("--headless"), QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port), QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("ackhook")),
        QStringLiteral("--ack-timeout"), QStringLiteral("1500"), QStringLiteral("--nats-url"),
        QStringLiteral("tls://127.0.0.1:%1").arg(nats.port()), QStringLiteral("--nats-tls-hostname"),
        QStringLiteral("localhost"), QStringLiteral("--nats-tls-ca"), m_dir.filePath(QStringLiteral("ca.pem")),
        QStringLiteral("--fault-proxy") };
    {
        AckhookProcess refused(arguments + QStringList { QStringLiteral("--outage"), QStringLiteral("ack-loss") });
        QVERIFY(refused.process().waitForFinished(20000));
        refused.collect();
        QCOMPARE(refused.process().exitCode(), 1);
        QVERIFY2(refused.err().contains("ack-loss") && refused.err().contains("TLS"), refused.err().constData());
    }
    AckhookProcess ackhook(arguments);
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const auto post = [port] {
        return request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }).value_or(HttpReply {});
    };
    QTRY_COMPARE_WITH_TIMEOUT(post().status, 200, 10000);
    const quint16 admin = ackhook.adminPort();
    const auto putOutage = [admin](const QByteArray &json) {
        return request(admin, "PUT", "/api/outage", json, { { "Content-Type", "application/json" } })
            .value_or(HttpReply {});
    };

    const HttpReply ackLoss = putOutage(R"({"mode":"ack-loss"})");
    QCOMPARE(ackLoss.status, 409);
    QVERIFY2(ackLoss.body.contains("TLS"), ackLoss.body.constData());
    QCOMPARE(post().status, 200); // nothing changed

    QCOMPARE(putOutage(R"({"mode":"latency","latency_ms":50})").status, 200);
    QCOMPARE(post().status, 200); // TLS records delayed, not corrupted

    QCOMPARE(putOutage(R"({"mode":"down"})").status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(post().status, 500, 10000);
    const HttpReply down = post();
    QCOMPARE(down.json().value(QLatin1String("reason")).toString(), QStringLiteral("disconnected"));

    QCOMPARE(putOutage(R"({"mode":"blackhole"})").status, 200);
    QCOMPARE(putOutage(R"({"mode":"off"})").status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(post().status, 200, 15000); // a new TLS session through the proxy
}

void TestNatsAuth::credentialsRefusedWhileRunning()
{
    // The server's password changes under a running ackhook: not ready, with the reason, and no
    // secret in the reason; back to 200 once the server takes the password again.
    QTemporaryDir dir;
    EmbeddedNats::Options natsOptions;
    natsOptions.dataDir = dir.filePath(QStringLiteral("nats"));
    natsOptions.extraConfig = "authorization { user: ackhook, password: \"first-pw-4711\" }\n";
    auto nats = std::make_unique<EmbeddedNats>(natsOptions);
    QString error;
    QVERIFY2(nats->start(&error), qPrintable(error));
    const quint16 natsPort = nats->port();
    const QString passwordFile = writeFile(m_dir, QStringLiteral("running-password"), "first-pw-4711\n");
    const quint16 port = freePort();
    AckhookProcess ackhook(
        { QStringLiteral("--headless"), QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port),
            QStringLiteral("--data-dir"), dir.filePath(QStringLiteral("ackhook")), QStringLiteral("--nats-url"),
            QStringLiteral("nats://127.0.0.1:%1").arg(natsPort), QStringLiteral("--nats-user"),
            QStringLiteral("ackhook"), QStringLiteral("--nats-password-file"), passwordFile });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());
    const auto post = [port] {
        return request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } }).value_or(HttpReply {});
    };
    QTRY_COMPARE_WITH_TIMEOUT(post().status, 200, 10000);

    const auto restartWith = [&](const QByteArray &config) {
        nats->stop();
        nats.reset();
        EmbeddedNats::Options options = natsOptions;
        options.port = natsPort;
        options.extraConfig = config;
        nats = std::make_unique<EmbeddedNats>(options);
        QString message;
        return nats->start(&message);
    };
    QVERIFY(restartWith("authorization { user: ackhook, password: \"second-pw-0815\" }\n"));
    const auto ready = [&] { return request(port, "GET", "/ready").value_or(HttpReply {}); };
    QTRY_VERIFY_WITH_TIMEOUT(ready().body.contains("uthorization"), 15000);
    QCOMPARE(ready().status, 503);
    QCOMPARE(post().status, 500);
    const std::optional<HttpReply> status = request(ackhook.adminPort(), "GET", "/api/status");
    QVERIFY(status);
    QVERIFY2(status->json()
                 .value(QLatin1String("nats"))
                 .toObject()
                 .value(QLatin1String("connect_error"))
                 .toString()
                 .contains(QLatin1String("uthorization")),
        status->body.constData());

    QVERIFY(restartWith("authorization { user: ackhook, password: \"first-pw-4711\" }\n"));
    QTRY_COMPARE_WITH_TIMEOUT(post().status, 200, 15000);
    ackhook.collect();
    const QByteArray shown = ackhook.out() + ackhook.err() + status->body;
    QVERIFY(!shown.contains("first-pw-4711"));
    QVERIFY(!shown.contains("second-pw-0815"));
}

void TestNatsAuth::optionProblemsAtStart_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QByteArray>("message");
    const QString missing = QStringLiteral("/nonexistent/ackhook.creds");
    QTest::addRow("creds file missing") << QStringList { QStringLiteral("--nats-url"),
        QStringLiteral("nats://127.0.0.1:9"), QStringLiteral("--nats-creds"), missing }
                                        << QByteArray("NATS creds file /nonexistent/ackhook.creds: no such file");
    QTest::addRow("creds file without a JWT")
        << QStringList { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:9"),
               QStringLiteral("--nats-creds"), writeFile(m_dir, QStringLiteral("empty.creds"), "nothing here\n") }
        << QByteArray("no user JWT in it");
    QTest::addRow("nkey file not a seed")
        << QStringList { QStringLiteral("--nats-url"), QStringLiteral("nats://127.0.0.1:9"),
               QStringLiteral("--nats-nkey"), writeFile(m_dir, QStringLiteral("bad.nk"), "SUAXXXX\n") }
        << QByteArray("NATS NKey seed file");
    QTest::addRow("user without password") << QStringList { QStringLiteral("--nats-url"),
        QStringLiteral("nats://127.0.0.1:9"), QStringLiteral("--nats-user"), QStringLiteral("someone") }
                                           << QByteArray("needs a password");
    QTest::addRow("two ways to authenticate") << QStringList { QStringLiteral("--nats-url"),
        QStringLiteral("nats://tok@127.0.0.1:9"), QStringLiteral("--nats-creds"), missing }
                                              << QByteArray("one way to authenticate");
    QTest::addRow("certificate without key")
        << QStringList { QStringLiteral("--nats-url"), QStringLiteral("tls://127.0.0.1:9"),
               QStringLiteral("--nats-tls-cert"), m_dir.filePath(QStringLiteral("client.pem")) }
        << QByteArray("needs its key");
    QTest::addRow("credentials for the embedded server")
        << QStringList { QStringLiteral("--nats-token-file"), writeFile(m_dir, QStringLiteral("token"), "t0ken\n") }
        << QByteArray("for an external NATS");
}

void TestNatsAuth::optionProblemsAtStart()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, message);
    QTemporaryDir dir;
    AckhookProcess ackhook(
        QStringList { QStringLiteral("--headless"), QStringLiteral("--listen"),
            QStringLiteral("127.0.0.1:%1").arg(freePort()), QStringLiteral("--data-dir"), dir.path() }
        + arguments);
    QVERIFY(ackhook.process().waitForFinished(20000));
    ackhook.collect();
    QCOMPARE(ackhook.process().exitCode(), 1);
    QVERIFY2(ackhook.err().contains(message), ackhook.err().constData());
}

void TestNatsAuth::nkeyText()
{
    // What NKey writes, it reads back; a changed character is caught by the checksum.
    const NKey key = NKey::generate(NKey::Type::User);
    QVERIFY(key.seed().startsWith("SU"));
    QVERIFY(key.publicKey().startsWith('U'));
    QCOMPARE(key.seed().size(), 58);
    QCOMPARE(key.publicKey().size(), 56);
    QString error;
    const QByteArray file = "# a comment\n" + key.seed() + "\n";
    const std::optional<NKey> back = NKey::fromSeed(file, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->publicKey(), key.publicKey());
    QByteArray changed = key.seed();
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    QVERIFY(!NKey::fromSeed(changed, &error));
    QVERIFY2(error.contains(QLatin1String("checksum")), qPrintable(error));
}

void TestNatsAuth::urlCredentials()
{
    // user:password@ and token@ leave the URLs (percent-decoded), plain URLs stay as written.
    NatsAccess access;
    QString error;
    const std::optional<QStringList> urls = access.takeFromUrls(
        { QStringLiteral("nats://ack%40hook:p%3Ass@a.example:4222"), QStringLiteral("b.example:4223") }, &error);
    QVERIFY2(urls, qPrintable(error));
    QCOMPARE(*urls, QStringList({ QStringLiteral("nats://a.example:4222"), QStringLiteral("b.example:4223") }));
    QCOMPARE(access.user, QStringLiteral("ack@hook"));
    QCOMPARE(access.password, QByteArray("p:ss"));
    QVERIFY(!access.usesTls());

    NatsAccess tokenAccess;
    const std::optional<QStringList> tokenUrls
        = tokenAccess.takeFromUrls({ QStringLiteral("tls://T0K@nats.example:4222") }, &error);
    QVERIFY2(tokenUrls, qPrintable(error));
    QCOMPARE(tokenAccess.token, QByteArray("T0K"));
    QVERIFY(tokenAccess.usesTls());
    tokenAccess.resolveTlsHostname(*tokenUrls);
    QCOMPARE(tokenAccess.tlsHostname, QStringLiteral("nats.example"));

    NatsAccess ipAccess; // an IP address is no name to check a certificate against
    ipAccess.tls = true;
    ipAccess.resolveTlsHostname({ QStringLiteral("tls://127.0.0.1:4222") });
    QVERIFY(ipAccess.tlsHostname.isEmpty());

    NatsAccess conflicting;
    QVERIFY(!conflicting.takeFromUrls({ QStringLiteral("nats://a:x@h1"), QStringLiteral("nats://b:y@h2") }, &error));
    QVERIFY2(!error.contains(QLatin1String(":x@")) && !error.contains(QLatin1String(":y@")), qPrintable(error));
    NatsAccess twice;
    twice.token = "given";
    QVERIFY(!twice.takeFromUrls({ QStringLiteral("nats://other@h1") }, &error));

    QCOMPARE(NatsAccess::redact(QStringLiteral("at nats://u:pw@h:1,tls://tok@h2:2 and http://x/y@z")),
        QStringLiteral("at nats://u:***@h:1,tls://***@h2:2 and http://x/y@z"));
}

QTEST_GUILESS_MAIN(TestNatsAuth)
#include "tst_natsauth.moc"
