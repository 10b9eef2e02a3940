// Command line parsing and validation as a data table.
#include "commandline.h"
#include "commandlineoptions.h"
#include "config/configfile.h"
#include "config/settingschema.h"

#include <QFile>
#include <QHash>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

class TestCommandLine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void valid();
    void invalid_data();
    void invalid();
    void authFlagsAndEnvironment();
    void configFile();
    void tomlConfigFileAndOverrides();
    void configArguments_data();
    void configArguments();
    void faultProxyPlacement_data();
    void faultProxyPlacement();
    void natsAccessFromFlagsEnvironmentAndFile();
    void durationsAndSizes_data();
    void durationsAndSizes();
    void listenForms_data();
    void listenForms();
    void environmentMapsEveryFlag();
    void precedenceFlagsThenEnvironmentThenFile();
    void adminTokenFromFileOrEnvironment();
    void secretFilesByOneReader();
    void numericBoundsDeclaredOnce_data();
    void numericBoundsDeclaredOnce();
    void settingsDeclaredOnce();
    void logFormat();
    void helpNamesAckhookAndTheEnvironment();
    void manPageListsEveryFlag();
};

namespace {
// Sets environment variables for its lifetime (a failing check cannot leak them into the next test).
class ScopedEnvironment {
public:
    ScopedEnvironment(std::initializer_list<std::pair<const char *, QByteArray>> variables)
    {
        for (const auto &[name, value] : variables) {
            m_names.append(name);
            qputenv(name, value);
        }
    }
    ~ScopedEnvironment()
    {
        for (const char *name : std::as_const(m_names))
            qunsetenv(name);
    }

private:
    QList<const char *> m_names;
};

CommandLine parseWith(QStringList arguments)
{
    arguments.prepend(QStringLiteral("ackhook"));
    return CommandLine::parse(arguments);
}
} // namespace

void TestCommandLine::defaults()
{
    const CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--headless") });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QVERIFY(cli.headless);
    QCOMPARE(cli.runtime.gateway.listenAddress, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(cli.runtime.gateway.listenPort, quint16(12000));
    QVERIFY(cli.runtime.gateway.natsUrls.isEmpty()); // embedded nats-server
    QCOMPARE(cli.runtime.gateway.stream, QStringLiteral("EVENTS"));
    QCOMPARE(cli.runtime.gateway.ackTimeout, std::chrono::milliseconds(5000));
    QCOMPARE(cli.runtime.gateway.maxPayload, qint64(1024 * 1024));
    QCOMPARE(cli.runtime.gateway.endpoints.size(), 1);
    QCOMPARE(cli.runtime.gateway.endpoints[0].path, QByteArray("/webhook"));
    QCOMPARE(cli.runtime.gateway.endpoints[0].subject, QByteArray("ackhook.webhook"));
    QVERIFY(!cli.runtime.dataDir.isEmpty());
    QCOMPARE(cli.runtime.adminAddress, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(cli.runtime.adminPort, quint16(12001));
    QCOMPARE(cli.runtime.outage.mode, OutageSettings::Mode::Off);
}

void TestCommandLine::valid()
{
    const CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--headless"),
        QStringLiteral("--listen"), QStringLiteral("0.0.0.0:8080"), QStringLiteral("--nats-url"),
        QStringLiteral("nats://a:4222, nats://b:4222"), QStringLiteral("--stream"), QStringLiteral("HOOKS"),
        QStringLiteral("--ack-timeout"), QStringLiteral("250"), QStringLiteral("--max-inflight"), QStringLiteral("10"),
        QStringLiteral("--max-payload"), QStringLiteral("2048"), QStringLiteral("--data-dir"),
        QStringLiteral("/tmp/x") });
    QCOMPARE(cli.action, CommandLine::Action::Run);
    QCOMPARE(cli.runtime.gateway.listenAddress, QHostAddress(QHostAddress::AnyIPv4));
    QCOMPARE(cli.runtime.gateway.listenPort, quint16(8080));
    QCOMPARE(cli.runtime.gateway.natsUrls,
        QStringList({ QStringLiteral("nats://a:4222"), QStringLiteral("nats://b:4222") }));
    QCOMPARE(cli.runtime.gateway.stream, QStringLiteral("HOOKS"));
    QCOMPARE(cli.runtime.gateway.ackTimeout, std::chrono::milliseconds(250));
    QCOMPARE(cli.runtime.gateway.maxInFlight, 10);
    QCOMPARE(cli.runtime.gateway.maxPayload, qint64(2048));
    QCOMPARE(cli.runtime.dataDir, QStringLiteral("/tmp/x"));

    const CommandLine admin = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--admin-listen"),
        QStringLiteral("0.0.0.0:9000"), QStringLiteral("--admin-token"), QStringLiteral("s3cret"),
        QStringLiteral("--outage"), QStringLiteral("ack-loss") });
    QCOMPARE(admin.action, CommandLine::Action::Run);
    QCOMPARE(admin.runtime.adminPort, quint16(9000));
    QCOMPARE(admin.runtime.adminToken, QStringLiteral("s3cret"));
    QCOMPARE(admin.runtime.outage.mode, OutageSettings::Mode::AckLoss);
    const CommandLine allowed = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--admin-allowed-host"),
        QStringLiteral("ops.example:8443, gateway"), QStringLiteral("--admin-allowed-host"), QStringLiteral("lb") });
    QCOMPARE(allowed.action, CommandLine::Action::Run);
    QCOMPARE(allowed.runtime.adminAllowedHosts,
        QStringList({ QStringLiteral("ops.example:8443"), QStringLiteral("gateway"), QStringLiteral("lb") }));

    QCOMPARE(
        CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--help") }).action, CommandLine::Action::Help);
    const CommandLine version = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--version") });
    QCOMPARE(version.action, CommandLine::Action::Version);
    QVERIFY(version.message.startsWith(QStringLiteral("ackhook ")));
    const CommandLine local
        = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--listen"), QStringLiteral("localhost:9") });
    QCOMPARE(local.runtime.gateway.listenAddress, QHostAddress(QHostAddress::LocalHost));
}

void TestCommandLine::invalid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("unknown flag") << QStringList { QStringLiteral("--frobnicate") } << QStringLiteral("frobnicate");
    QTest::addRow("listen without port") << QStringList { QStringLiteral("--listen"), QStringLiteral("127.0.0.1") }
                                         << QStringLiteral("--listen");
    QTest::addRow("listen bad port") << QStringList { QStringLiteral("--listen"), QStringLiteral("127.0.0.1:70000") }
                                     << QStringLiteral("--listen");
    QTest::addRow("listen bad host") << QStringList { QStringLiteral("--listen"), QStringLiteral("nohost:1") }
                                     << QStringLiteral("--listen");
    QTest::addRow("ack timeout zero") << QStringList { QStringLiteral("--ack-timeout"), QStringLiteral("0") }
                                      << QStringLiteral("--ack-timeout");
    QTest::addRow("ack timeout text") << QStringList { QStringLiteral("--ack-timeout"), QStringLiteral("soon") }
                                      << QStringLiteral("--ack-timeout");
    QTest::addRow("max inflight negative")
        << QStringList { QStringLiteral("--max-inflight"), QStringLiteral("-1") } << QStringLiteral("--max-inflight");
    QTest::addRow("max payload huge") << QStringList { QStringLiteral("--max-payload"), QStringLiteral("999999999999") }
                                      << QStringLiteral("--max-payload");
    QTest::addRow("stream with dot") << QStringList { QStringLiteral("--stream"), QStringLiteral("a.b") }
                                     << QStringLiteral("--stream");
    QTest::addRow("stream replicas 6") << QStringList { QStringLiteral("--stream-replicas"), QStringLiteral("6") }
                                       << QStringLiteral("--stream-replicas expects a count between 1 and 5");
    QTest::addRow("empty nats url") << QStringList { QStringLiteral("--nats-url"), QStringLiteral(",") }
                                    << QStringLiteral("--nats-url");
    QTest::addRow("positional") << QStringList { QStringLiteral("extra") } << QStringLiteral("extra");
    QTest::addRow("unknown outage") << QStringList { QStringLiteral("--outage"), QStringLiteral("meteor") }
                                    << QStringLiteral("--outage");
    QTest::addRow("public admin without token") << QStringList { QStringLiteral("--admin-listen"),
        QStringLiteral("0.0.0.0:9") } << QStringLiteral("--admin-token");
    QTest::addRow("signature header with colon") << QStringList { QStringLiteral("--signature-header"),
        QStringLiteral("X-Sig: 1") } << QStringLiteral("--signature-header");
    // An empty secret (an unset shell variable: --auth-token=$TOKEN) must never mean "no authentication".
    QTest::addRow("admin allowed host with a path") << QStringList { QStringLiteral("--admin-allowed-host"),
        QStringLiteral("proxy/x") } << QStringLiteral("--admin-allowed-host expects NAME or NAME:PORT");
    QTest::addRow("empty auth token") << QStringList { QStringLiteral("--auth-token=") }
                                      << QStringLiteral("--auth-token is empty");
    QTest::addRow("blank auth token") << QStringList { QStringLiteral("--auth-token"), QStringLiteral("  ") }
                                      << QStringLiteral("--auth-token is empty");
    QTest::addRow("empty hmac secret") << QStringList { QStringLiteral("--hmac-secret=") }
                                       << QStringLiteral("--hmac-secret is empty");
    QTest::addRow("empty admin token") << QStringList { QStringLiteral("--admin-token"), QString() }
                                       << QStringLiteral("--admin-token is empty");
    QTest::addRow("missing config file") << QStringList { QStringLiteral("--config"), QStringLiteral("/no/such.json") }
                                         << QStringLiteral("cannot read");
}

void TestCommandLine::invalid()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    arguments.prepend(QStringLiteral("ackhook"));
    const CommandLine cli = CommandLine::parse(arguments);
    QCOMPARE(cli.action, CommandLine::Action::Error);
    QVERIFY2(cli.message.contains(mentions), qPrintable(cli.message));
}

void TestCommandLine::authFlagsAndEnvironment()
{
    const CommandLine none = CommandLine::parse({ QStringLiteral("ackhook") });
    QVERIFY(!none.runtime.gateway.auth.isEnabled());

    const CommandLine flags = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--auth-token"),
        QStringLiteral("t0k"), QStringLiteral("--hmac-secret"), QStringLiteral("s3"),
        QStringLiteral("--signature-header"), QStringLiteral("X-Signature") });
    QCOMPARE(flags.action, CommandLine::Action::Run);
    QCOMPARE(flags.runtime.gateway.auth.bearerToken, QByteArray("t0k"));
    QCOMPARE(flags.runtime.gateway.auth.hmacSecret, QByteArray("s3"));
    QCOMPARE(flags.runtime.gateway.auth.signatureHeader, QByteArray("X-Signature"));

    // Secrets can stay out of argv (and ps): the environment, unless a flag says otherwise.
    qputenv("ACKHOOK_AUTH_TOKEN", "from-env");
    qputenv("ACKHOOK_HMAC_SECRET", "env-secret");
    const CommandLine env = CommandLine::parse({ QStringLiteral("ackhook") });
    const CommandLine flagWins
        = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--auth-token"), QStringLiteral("flag") });
    qunsetenv("ACKHOOK_AUTH_TOKEN");
    qunsetenv("ACKHOOK_HMAC_SECRET");
    QCOMPARE(env.runtime.gateway.auth.bearerToken, QByteArray("from-env"));
    QCOMPARE(env.runtime.gateway.auth.hmacSecret, QByteArray("env-secret"));
    QCOMPARE(env.runtime.gateway.auth.signatureHeader, QByteArray("X-Hub-Signature-256"));
    QCOMPARE(flagWins.runtime.gateway.auth.bearerToken, QByteArray("flag"));
}

void TestCommandLine::configFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ackhook.json"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"({"listen": "127.0.0.1:8088", "ack-timeout": 1500, "nats-url": ["nats://a:4222", "nats://b:4222"],
                  "headless": true, "auto-replay": false, "auth-token": "file-token"})");
    file.close();
    const CommandLine cli = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--config"), path,
        QStringLiteral("--ack-timeout"), QStringLiteral("700") });
    QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
    QCOMPARE(cli.runtime.gateway.listenPort, quint16(8088));
    QCOMPARE(cli.runtime.gateway.ackTimeout, std::chrono::milliseconds(700)); // the command line wins
    QCOMPARE(cli.runtime.gateway.natsUrls,
        QStringList({ QStringLiteral("nats://a:4222"), QStringLiteral("nats://b:4222") }));
    QVERIFY(cli.headless);
    QVERIFY(!cli.runtime.autoReplay);
    QCOMPARE(cli.runtime.gateway.auth.bearerToken, QByteArray("file-token"));

    // A bad value in the file is reported like the same flag on the command line.
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(R"({"ack-timeout": 0})");
    file.close();
    const CommandLine bad = CommandLine::parse({ QStringLiteral("ackhook"), QStringLiteral("--config"), path });
    QCOMPARE(bad.action, CommandLine::Action::Error);
    QVERIFY2(bad.message.contains(QStringLiteral("--ack-timeout")), qPrintable(bad.message));
}

void TestCommandLine::configArguments_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QStringList>("arguments"); // empty with error: rejected
    QTest::addColumn<QString>("error");
    QTest::addRow("empty object") << QByteArray("{}") << QStringList {} << QString();
    QTest::addRow("string and integer") << QByteArray(R"({"stream":"S","max-inflight":9})")
                                        << QStringList { QStringLiteral("--max-inflight"), QStringLiteral("9"),
                                               QStringLiteral("--stream"), QStringLiteral("S") }
                                        << QString();
    QTest::addRow("not json") << QByteArray("listen=1") << QStringList {} << QStringLiteral("not JSON");
    QTest::addRow("array") << QByteArray("[]") << QStringList {} << QStringLiteral("one JSON object");
    QTest::addRow("nested config") << QByteArray(R"({"config":"x"})") << QStringList {}
                                   << QStringLiteral("cannot be set");
    QTest::addRow("dash key") << QByteArray(R"({"--listen":"x"})") << QStringList {} << QStringLiteral("cannot be set");
    QTest::addRow("fraction") << QByteArray(R"({"ack-timeout":1.5})") << QStringList {}
                              << QStringLiteral("expected a string");
    QTest::addRow("object value") << QByteArray(R"({"listen":{}})") << QStringList {}
                                  << QStringLiteral("expected a string");
    QTest::addRow("url list of numbers") << QByteArray(R"({"nats-url":[1]})") << QStringList {}
                                         << QStringLiteral("list of strings");
}

void TestCommandLine::configArguments()
{
    QFETCH(QByteArray, json);
    QFETCH(QStringList, arguments);
    QFETCH(QString, error);
    QString message;
    const std::optional<QStringList> result = CommandLine::configArguments(json, &message);
    if (error.isEmpty()) {
        QVERIFY2(result, qPrintable(message));
        QCOMPARE(*result, arguments);
    } else {
        QVERIFY(!result);
        QVERIFY2(message.contains(error), qPrintable(message));
    }
}

void TestCommandLine::tomlConfigFileAndOverrides()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("ackhook.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(R"([server]
listen = "127.0.0.1:13000"
ack_timeout = "3s"
data_dir = "data"
[nats]
url = "nats://file:4222"
[stream]
name = "HOOKS"
max_age = "1d"
replicas = 3
create = false
[[endpoint]]
path = "/hooks"
subject = "hooks.{event}"
event_header = "X-Event"
)");
    file.close();
    const QString program = QStringLiteral("ackhook");
    qunsetenv("NATS_URL");

    CommandLine fromFile = CommandLine::parse({ program, QStringLiteral("--config"), path });
    QVERIFY2(fromFile.action == CommandLine::Action::Run, qPrintable(fromFile.message));
    const GatewayConfig &config = fromFile.runtime.gateway;
    QCOMPARE(config.listenPort, 13000);
    QCOMPARE(config.ackTimeout.count(), 3000);
    QCOMPARE(config.natsUrls, QStringList { QStringLiteral("nats://file:4222") });
    QCOMPARE(config.stream, QStringLiteral("HOOKS"));
    QCOMPARE(config.streamSubjects, QStringList { QStringLiteral("hooks.>") });
    QCOMPARE(config.streamSettings.maxAge, std::chrono::milliseconds(24 * 3600 * 1000));
    QCOMPARE(config.streamSettings.replicas, 3);
    QCOMPARE(config.createStream, false);
    QCOMPARE(config.endpoints.size(), 1);
    QCOMPARE(config.endpoints.first().path, QByteArray("/hooks"));
    QCOMPARE(fromFile.runtime.dataDir, dir.filePath(QStringLiteral("data")));

    // NATS_URL wins over the file, flags win over both.
    qputenv("NATS_URL", "nats://env:4222");
    CommandLine fromEnv = CommandLine::parse({ program, QStringLiteral("--config"), path });
    QCOMPARE(fromEnv.runtime.gateway.natsUrls, QStringList { QStringLiteral("nats://env:4222") });
    CommandLine fromFlags = CommandLine::parse({ program, QStringLiteral("--config"), path, QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:14000"), QStringLiteral("--nats-url"), QStringLiteral("nats://flag:4222"),
        QStringLiteral("--ack-timeout"), QStringLiteral("1500"), QStringLiteral("--data-dir"), QStringLiteral("/tmp/x"),
        QStringLiteral("--stream-replicas"), QStringLiteral("2") });
    qunsetenv("NATS_URL");
    QVERIFY2(fromFlags.action == CommandLine::Action::Run, qPrintable(fromFlags.message));
    QCOMPARE(fromFlags.runtime.gateway.listenPort, 14000);
    QCOMPARE(fromFlags.runtime.gateway.natsUrls, QStringList { QStringLiteral("nats://flag:4222") });
    QCOMPARE(fromFlags.runtime.gateway.ackTimeout.count(), 1500);
    QCOMPARE(fromFlags.runtime.dataDir, QStringLiteral("/tmp/x"));
    QCOMPARE(fromFlags.runtime.gateway.endpoints.size(), 1); // the file's endpoints stay
    QCOMPARE(fromFlags.runtime.gateway.streamSettings.replicas, 2);
    QCOMPARE(fromFlags.runtime.gateway.streamSettings.maxAge, std::chrono::milliseconds(24 * 3600 * 1000));

    // A broken file refuses to start with its line; --check-config says the same.
    QVERIFY(file.open(QIODevice::Append));
    file.write("typo = 1\n");
    file.close();
    const CommandLine broken = CommandLine::parse({ program, QStringLiteral("--config"), path });
    QCOMPARE(broken.action, CommandLine::Action::Error);
    QVERIFY2(broken.message.startsWith(path + QStringLiteral(":16: endpoint[1].typo: unknown key")),
        qPrintable(broken.message));
    const CommandLine check = CommandLine::parse({ program, QStringLiteral("--check-config"), path });
    QCOMPARE(check.action, CommandLine::Action::Error);
    QCOMPARE(check.message, broken.message);

    // Without a file: the single /webhook endpoint of before.
    const CommandLine none = CommandLine::parse({ program });
    QCOMPARE(none.runtime.gateway.endpoints.size(), 1);
    QCOMPARE(none.runtime.gateway.endpoints.first().subject, QByteArray("ackhook.webhook"));
    QCOMPARE(none.runtime.gateway.streamSubjects, QStringList { QStringLiteral("ackhook.>") });
}

void TestCommandLine::durationsAndSizes_data()
{
    QTest::addColumn<QString>("flag");
    QTest::addColumn<QString>("value");
    QTest::addColumn<qint64>("expected"); // -1: refused, with a message naming the flag
    QTest::addRow("ack timeout plain ms") << QStringLiteral("--ack-timeout") << QStringLiteral("250") << qint64(250);
    QTest::addRow("ack timeout ms") << QStringLiteral("--ack-timeout") << QStringLiteral("250ms") << qint64(250);
    QTest::addRow("ack timeout s") << QStringLiteral("--ack-timeout") << QStringLiteral("5s") << qint64(5000);
    QTest::addRow("ack timeout m") << QStringLiteral("--ack-timeout") << QStringLiteral("2m") << qint64(120000);
    QTest::addRow("ack timeout over 10m") << QStringLiteral("--ack-timeout") << QStringLiteral("11m") << qint64(-1);
    QTest::addRow("ack timeout zero s") << QStringLiteral("--ack-timeout") << QStringLiteral("0s") << qint64(-1);
    QTest::addRow("ack timeout unknown unit") << QStringLiteral("--ack-timeout") << QStringLiteral("5parsecs")
                                              << qint64(-1);
    QTest::addRow("ack timeout fraction") << QStringLiteral("--ack-timeout") << QStringLiteral("1.5s") << qint64(-1);
    QTest::addRow("ack timeout negative") << QStringLiteral("--ack-timeout") << QStringLiteral("-5s") << qint64(-1);
    QTest::addRow("idle timeout h") << QStringLiteral("--idle-timeout") << QStringLiteral("1h") << qint64(3600000);
    QTest::addRow("idle timeout plain") << QStringLiteral("--idle-timeout") << QStringLiteral("30000")
                                        << qint64(30000);
    QTest::addRow("max payload plain bytes") << QStringLiteral("--max-payload") << QStringLiteral("2048")
                                             << qint64(2048);
    QTest::addRow("max payload KiB") << QStringLiteral("--max-payload") << QStringLiteral("512KiB")
                                     << qint64(512 * 1024);
    QTest::addRow("max payload over 64MiB") << QStringLiteral("--max-payload") << QStringLiteral("65MiB")
                                            << qint64(-1);
    QTest::addRow("failed max bytes GiB") << QStringLiteral("--failed-max-bytes") << QStringLiteral("2GiB")
                                          << qint64(2LL * 1024 * 1024 * 1024);
    QTest::addRow("max inflight takes no unit") << QStringLiteral("--max-inflight") << QStringLiteral("5s")
                                                << qint64(-1);
}

void TestCommandLine::durationsAndSizes()
{
    QFETCH(QString, flag);
    QFETCH(QString, value);
    QFETCH(qint64, expected);
    const CommandLine cli = parseWith({ flag, value });
    if (expected < 0) {
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(flag), qPrintable(cli.message));
        return;
    }
    QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
    const GatewayConfig &config = cli.runtime.gateway;
    const QHash<QString, qint64> got { { QStringLiteral("--ack-timeout"), config.ackTimeout.count() },
        { QStringLiteral("--idle-timeout"), config.idleTimeout.count() },
        { QStringLiteral("--max-payload"), config.maxPayload },
        { QStringLiteral("--failed-max-bytes"), cli.runtime.failedQueue.maxBytes } };
    QCOMPARE(got.value(flag), expected);
}

void TestCommandLine::listenForms_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QHostAddress>("address"); // null: refused
    QTest::addColumn<int>("port");
    QTest::addRow(":PORT, every interface") << QStringLiteral(":8080") << QHostAddress(QHostAddress::Any) << 8080;
    QTest::addRow("[::]:PORT") << QStringLiteral("[::]:8080") << QHostAddress(QHostAddress::AnyIPv6) << 8080;
    QTest::addRow("[::1]:PORT") << QStringLiteral("[::1]:9") << QHostAddress(QHostAddress::LocalHostIPv6) << 9;
    QTest::addRow("IPv4:PORT") << QStringLiteral("0.0.0.0:8080") << QHostAddress(QHostAddress::AnyIPv4) << 8080;
    QTest::addRow("localhost:PORT") << QStringLiteral("localhost:9") << QHostAddress(QHostAddress::LocalHost) << 9;
    QTest::addRow("port alone") << QStringLiteral("8080") << QHostAddress() << 0;
    QTest::addRow("colon alone") << QStringLiteral(":") << QHostAddress() << 0;
    QTest::addRow("unbracketed IPv6") << QStringLiteral("::1") << QHostAddress() << 0;
    QTest::addRow("port too large") << QStringLiteral(":70000") << QHostAddress() << 0;
}

void TestCommandLine::listenForms()
{
    QFETCH(QString, text);
    QFETCH(QHostAddress, address);
    QFETCH(int, port);
    // Both listeners take the same forms (the admin one needs a token off loopback).
    const CommandLine webhook = parseWith({ QStringLiteral("--listen"), text, QStringLiteral("--hmac-secret"),
        QStringLiteral("s") });
    const CommandLine admin = parseWith({ QStringLiteral("--admin-listen"), text, QStringLiteral("--admin-token"),
        QStringLiteral("t") });
    if (address.isNull()) {
        QCOMPARE(webhook.action, CommandLine::Action::Error);
        QVERIFY2(webhook.message.contains(QStringLiteral("--listen")), qPrintable(webhook.message));
        QCOMPARE(admin.action, CommandLine::Action::Error);
        QVERIFY2(admin.message.contains(QStringLiteral("--admin-listen")), qPrintable(admin.message));
        return;
    }
    QVERIFY2(webhook.action == CommandLine::Action::Run, qPrintable(webhook.message));
    QCOMPARE(webhook.runtime.gateway.listenAddress, address);
    QCOMPARE(webhook.runtime.gateway.listenPort, quint16(port));
    QVERIFY2(admin.action == CommandLine::Action::Run, qPrintable(admin.message));
    QCOMPARE(admin.runtime.adminAddress, address);
    QCOMPARE(admin.runtime.adminPort, quint16(port));
}

void TestCommandLine::environmentMapsEveryFlag()
{
    QCOMPARE(
        CommandLine::environmentName(QStringLiteral("admin-token-file")), QStringLiteral("ACKHOOK_ADMIN_TOKEN_FILE"));
    QTemporaryDir dir;
    {
        const ScopedEnvironment environment { { "ACKHOOK_LISTEN", ":8081" }, { "ACKHOOK_ADMIN_LISTEN", "[::1]:8082" },
            { "ACKHOOK_DATA_DIR", dir.path().toUtf8() }, { "ACKHOOK_ACK_TIMEOUT", "2s" },
            { "ACKHOOK_MAX_INFLIGHT", "12" }, { "ACKHOOK_MAX_PAYLOAD", "64KiB" }, { "ACKHOOK_STREAM", "ENV" },
            { "ACKHOOK_HEADLESS", "1" }, { "ACKHOOK_AUTO_REPLAY", "false" }, { "ACKHOOK_NO_FAULT_PROXY", "yes" },
            { "ACKHOOK_OUTAGE", "latency" }, { "ACKHOOK_HMAC_SECRET", "s" }, { "ACKHOOK_LOG_FORMAT", "json" },
            { "ACKHOOK_NATS_URL", "nats://ackhook-env:4222" }, { "NATS_URL", "nats://nats-env:4222" } };
        const CommandLine cli = parseWith({});
        QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
        QCOMPARE(cli.runtime.gateway.listenAddress, QHostAddress(QHostAddress::Any));
        QCOMPARE(cli.runtime.gateway.listenPort, quint16(8081));
        QCOMPARE(cli.runtime.adminAddress, QHostAddress(QHostAddress::LocalHostIPv6));
        QCOMPARE(cli.runtime.adminPort, quint16(8082));
        QCOMPARE(cli.runtime.dataDir, dir.path());
        QCOMPARE(cli.runtime.gateway.ackTimeout.count(), 2000);
        QCOMPARE(cli.runtime.gateway.maxInFlight, 12);
        QCOMPARE(cli.runtime.gateway.maxPayload, 64 * 1024);
        QCOMPARE(cli.runtime.gateway.stream, QStringLiteral("ENV"));
        QVERIFY(cli.headless);
        QVERIFY(!cli.runtime.autoReplay);
        QVERIFY(!cli.runtime.faultProxyEnabled);
        QCOMPARE(cli.runtime.outage.mode, OutageSettings::Mode::Latency);
        QCOMPARE(cli.logFormat, LogSink::Format::Json);
        // ACKHOOK_NATS_URL is more specific than the NATS tools' NATS_URL.
        QCOMPARE(cli.runtime.gateway.natsUrls, QStringList { QStringLiteral("nats://ackhook-env:4222") });
    }
    {
        // A bad value names the variable it came from.
        const ScopedEnvironment environment { { "ACKHOOK_ACK_TIMEOUT", "soon" } };
        const CommandLine cli = parseWith({});
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(QStringLiteral("--ack-timeout"))
                && cli.message.contains(QStringLiteral("ACKHOOK_ACK_TIMEOUT")),
            qPrintable(cli.message));
    }
    {
        const ScopedEnvironment environment { { "ACKHOOK_HEADLESS", "perhaps" } };
        const CommandLine cli = parseWith({});
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.contains(QStringLiteral("ACKHOOK_HEADLESS expects 1 or 0")), qPrintable(cli.message));
    }
    {
        // An empty variable is unset (a systemd Environment= line left empty).
        const ScopedEnvironment environment { { "ACKHOOK_LISTEN", "" } };
        const CommandLine cli = parseWith({});
        QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
        QCOMPARE(cli.runtime.gateway.listenPort, quint16(12000));
    }
    {
        // --help, --version and --check-config are never read from the environment.
        const ScopedEnvironment environment { { "ACKHOOK_HELP", "1" }, { "ACKHOOK_VERSION", "1" },
            { "ACKHOOK_CHECK_CONFIG", "/no/such.toml" } };
        QCOMPARE(parseWith({}).action, CommandLine::Action::Run);
    }
}

void TestCommandLine::precedenceFlagsThenEnvironmentThenFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("ackhook.toml"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("[server]\nlisten = \"127.0.0.1:13000\"\nack_timeout = \"3s\"\nmax_inflight = 30\n"
               "log_format = \"json\"\n");
    file.close();
    const ScopedEnvironment environment { { "ACKHOOK_CONFIG", path.toUtf8() }, { "ACKHOOK_ACK_TIMEOUT", "4s" },
        { "ACKHOOK_MAX_INFLIGHT", "40" } };
    const CommandLine cli = parseWith({ QStringLiteral("--max-inflight"), QStringLiteral("50") });
    QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
    QCOMPARE(cli.runtime.gateway.listenPort, quint16(13000)); // only in the file
    QCOMPARE(cli.runtime.gateway.ackTimeout.count(), 4000); // the environment over the file
    QCOMPARE(cli.runtime.gateway.maxInFlight, 50); // the flag over both
    QCOMPARE(cli.logFormat, LogSink::Format::Json); // [server] log_format

    // The legacy JSON file: the same order.
    const QString json = dir.filePath(QStringLiteral("ackhook.json"));
    QFile legacy(json);
    QVERIFY(legacy.open(QIODevice::WriteOnly));
    legacy.write(R"({"ack-timeout": "3s", "max-inflight": 30, "stream": "FILE"})");
    legacy.close();
    const CommandLine old = parseWith({ QStringLiteral("--config"), json, QStringLiteral("--max-inflight"),
        QStringLiteral("50") });
    QVERIFY2(old.action == CommandLine::Action::Run, qPrintable(old.message));
    QCOMPARE(old.runtime.gateway.stream, QStringLiteral("FILE"));
    QCOMPARE(old.runtime.gateway.ackTimeout.count(), 4000);
    QCOMPARE(old.runtime.gateway.maxInFlight, 50);
}

void TestCommandLine::adminTokenFromFileOrEnvironment()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("admin-token"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("  from-file-token\n");
    file.close();

    const CommandLine fromFile
        = parseWith({ QStringLiteral("--admin-listen"), QStringLiteral(":9000"), QStringLiteral("--admin-token-file"),
            path });
    QVERIFY2(fromFile.action == CommandLine::Action::Run, qPrintable(fromFile.message));
    QCOMPARE(fromFile.runtime.adminToken, QStringLiteral("from-file-token"));
    {
        const ScopedEnvironment environment { { "ACKHOOK_ADMIN_TOKEN_FILE", path.toUtf8() } };
        QCOMPARE(parseWith({ QStringLiteral("--admin-listen"), QStringLiteral(":9000") }).runtime.adminToken,
            QStringLiteral("from-file-token"));
    }
    {
        const ScopedEnvironment environment { { "ACKHOOK_ADMIN_TOKEN", "from-env" } };
        const CommandLine cli = parseWith({ QStringLiteral("--admin-listen"), QStringLiteral(":9000") });
        QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
        QCOMPARE(cli.runtime.adminToken, QStringLiteral("from-env"));
    }

    const CommandLine missing
        = parseWith({ QStringLiteral("--admin-token-file"), dir.filePath(QStringLiteral("none")) });
    QCOMPARE(missing.action, CommandLine::Action::Error);
    QVERIFY2(missing.message.contains(QStringLiteral("--admin-token-file: cannot read")), qPrintable(missing.message));

    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(" \n");
    file.close();
    const CommandLine empty = parseWith({ QStringLiteral("--admin-token-file"), path });
    QCOMPARE(empty.action, CommandLine::Action::Error);
    QVERIFY2(empty.message.contains(QStringLiteral("holds no token")), qPrintable(empty.message));

    const CommandLine both = parseWith(
        { QStringLiteral("--admin-token"), QStringLiteral("x"), QStringLiteral("--admin-token-file"), path });
    QCOMPARE(both.action, CommandLine::Action::Error);
    QVERIFY2(both.message.contains(QStringLiteral("keep one")), qPrintable(both.message));

    const CommandLine open = parseWith({ QStringLiteral("--admin-listen"), QStringLiteral(":9000") });
    QCOMPARE(open.action, CommandLine::Action::Error);
    QVERIFY2(open.message.contains(QStringLiteral("--admin-token-file")), qPrintable(open.message));
    {
        // Named by the environment: the variable that set the flag, and no other.
        const ScopedEnvironment environment { { "ACKHOOK_ADMIN_LISTEN", ":9000" } };
        const CommandLine cli = parseWith({});
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QVERIFY2(cli.message.endsWith(QStringLiteral(" (set by ACKHOOK_ADMIN_LISTEN)")), qPrintable(cli.message));
    }
}

// Every secret file flag reads through SecretFile: a FIFO is refused at once, naming the flag and the
// file; a file others can read is a warning naming the flag and the file, never the secret.
void TestCommandLine::secretFilesByOneReader()
{
    QTemporaryDir dir;
    const QString fifo = dir.filePath(QStringLiteral("fifo"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    for (const QString &flag : { QStringLiteral("--admin-token-file"), QStringLiteral("--nats-password-file"),
             QStringLiteral("--nats-token-file") }) {
        const CommandLine cli = parseWith({ flag, fifo });
        QCOMPARE(cli.action, CommandLine::Action::Error);
        QCOMPARE(cli.message, QStringLiteral("%1: %2 is a FIFO, not a regular file").arg(flag, fifo));
    }

    const QString shared = dir.filePath(QStringLiteral("shared"));
    QFile file(shared);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("tok-4711\n");
    file.close();
    QVERIFY(QFile::setPermissions(shared, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup));
    for (const QString &flag : { QStringLiteral("--admin-token-file"), QStringLiteral("--nats-token-file") }) {
        const CommandLine cli = parseWith({ flag, shared });
        QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
        QCOMPARE(cli.warnings,
            QStringList { QStringLiteral("%1: %2 can be read by its group (mode 0640): chmod 600 it").arg(flag, shared) });
    }
    QCOMPARE(parseWith({ QStringLiteral("--admin-token-file"), shared }).runtime.adminToken, QStringLiteral("tok-4711"));
    QCOMPARE(parseWith({ QStringLiteral("--nats-token-file"), shared }).runtime.gateway.natsAccess.token,
        QByteArray("tok-4711"));
}

namespace {
const NumericSetting *const NumericSettings[] { &SettingSchema::AckTimeout, &SettingSchema::IdleTimeout,
    &SettingSchema::MaxInflight, &SettingSchema::MaxPayload, &SettingSchema::FailedMaxRecords,
    &SettingSchema::FailedMaxBytes, &SettingSchema::StreamReplicas };
} // namespace

// Each numeric setting's bounds come from SettingSchema: its largest value passes, one more (and one
// less than the smallest) is refused, by the flag and by the config file's key alike.
void TestCommandLine::numericBoundsDeclaredOnce_data()
{
    QTest::addColumn<int>("index");
    for (int i = 0; i < int(std::size(NumericSettings)); ++i)
        QTest::addRow("%s", NumericSettings[i]->flag) << i;
}

void TestCommandLine::numericBoundsDeclaredOnce()
{
    QFETCH(int, index);
    const NumericSetting &setting = *NumericSettings[index];
    const QString flag = QStringLiteral("--") + QString::fromLatin1(setting.flag);
    const QString refusal = flag + QStringLiteral(" expects ") + QString::fromUtf8(setting.expects);
    const auto fromFile = [&setting](qint64 value) {
        QString error;
        const QByteArray text = QByteArray("[") + setting.section + "]\n" + setting.key + " = "
            + QByteArray::number(value) + "\n";
        return ConfigFile::parse(text, QStringLiteral("bounds.toml"), &error) ? QString() : error;
    };
    // The largest value a flag can be given: Quantity reads at most 15 digits.
    const qint64 largest = std::min<qint64>(setting.max, 999999999999999LL);
    const CommandLine atLargest = parseWith({ flag, QString::number(largest) });
    QVERIFY2(atLargest.action == CommandLine::Action::Run, qPrintable(atLargest.message));
    QCOMPARE(fromFile(largest), QString());
    const CommandLine under = parseWith({ flag, QString::number(setting.min - 1) });
    QVERIFY2(under.message.startsWith(refusal), qPrintable(under.message));
    QVERIFY(fromFile(setting.min - 1).startsWith(QStringLiteral("bounds.toml:2: %1.%2: ")
                                                      .arg(QLatin1String(setting.section), QLatin1String(setting.key))));
    if (setting.max == SettingSchema::Unbounded)
        return;
    const CommandLine over = parseWith({ flag, QString::number(setting.max + 1) });
    QVERIFY2(over.message.startsWith(refusal), qPrintable(over.message));
    QVERIFY(fromFile(setting.max + 1).startsWith(QStringLiteral("bounds.toml:2: %1.%2: ")
                                                      .arg(QLatin1String(setting.section), QLatin1String(setting.key))));
}

// A Setting names a flag and a config file key once: the flag is in --help with the schema's help,
// the key is one its section reads (a wrong value is refused as such, not as an unknown key).
void TestCommandLine::settingsDeclaredOnce()
{
    const QString help = parseWith({ QStringLiteral("--help") }).message;
    for (const Setting *setting : { &SettingSchema::Listen, &SettingSchema::TlsCertFile, &SettingSchema::TlsKeyFile,
             &SettingSchema::NatsUrl, &SettingSchema::NatsCreds, &SettingSchema::NatsNkey, &SettingSchema::NatsUser,
             &SettingSchema::NatsPasswordFile, &SettingSchema::NatsTokenFile, &SettingSchema::NatsTls,
             &SettingSchema::NatsTlsCa, &SettingSchema::NatsTlsCert, &SettingSchema::NatsTlsKey,
             &SettingSchema::NatsTlsHostname, &SettingSchema::StreamName, &SettingSchema::AdminListen,
             &SettingSchema::AdminAllowedHost, &SettingSchema::FaultProxy, &SettingSchema::AutoReplay,
             &SettingSchema::Headless, &SettingSchema::LogFormat }) {
        QVERIFY2(help.contains(QStringLiteral("--") + QString::fromLatin1(setting->flag)), setting->flag);
        QVERIFY2(help.simplified().contains(QString::fromUtf8(setting->help).left(40)), setting->flag);
        QString error;
        const QByteArray text = QByteArray("[") + setting->section + "]\n" + setting->key + " = 1.5\n";
        QVERIFY(!ConfigFile::parse(text, QStringLiteral("keys.toml"), &error));
        QVERIFY2(error.startsWith(
                     QStringLiteral("keys.toml:2: %1.%2: ").arg(QLatin1String(setting->section), QLatin1String(setting->key)))
                && !error.contains(QLatin1String("unknown key")),
            qPrintable(error));
    }
}

void TestCommandLine::logFormat()
{
    QCOMPARE(parseWith({}).logFormat, LogSink::Format::Text);
    QCOMPARE(parseWith({ QStringLiteral("--log-format"), QStringLiteral("json") }).logFormat, LogSink::Format::Json);
    const CommandLine bad = parseWith({ QStringLiteral("--log-format"), QStringLiteral("xml") });
    QCOMPARE(bad.action, CommandLine::Action::Error);
    QVERIFY2(bad.message.contains(QStringLiteral("--log-format expects text or json")), qPrintable(bad.message));
    // A listener open to the network without authentication is a warning for the log, not stderr now.
    const CommandLine open = parseWith({ QStringLiteral("--listen"), QStringLiteral(":8080") });
    QCOMPARE(open.warnings.size(), 1);
    QVERIFY(open.warnings.first().contains(QStringLiteral("reachable from other machines")));
}

void TestCommandLine::helpNamesAckhookAndTheEnvironment()
{
    const CommandLine help = parseWith({ QStringLiteral("--help") });
    QCOMPARE(help.action, CommandLine::Action::Help);
    QVERIFY2(help.message.startsWith(QStringLiteral("Usage: ackhook [options]")), qPrintable(help.message));
    QVERIFY(!help.message.contains(QStringLiteral("<executable_name>")));
    QVERIFY(help.message.contains(QStringLiteral("ACKHOOK_ADMIN_TOKEN_FILE")));
    QVERIFY(help.message.contains(QStringLiteral("NATS_URL")));
    QVERIFY(help.message.contains(QStringLiteral("250ms")));
    // --help works whatever the environment holds.
    const ScopedEnvironment environment { { "ACKHOOK_HEADLESS", "perhaps" } };
    QCOMPARE(parseWith({ QStringLiteral("--help") }).action, CommandLine::Action::Help);
}

void TestCommandLine::manPageListsEveryFlag()
{
    // packaging/ackhook.1 is written by hand: every flag --help lists must be in it (it had lost
    // twelve before this test).
    QFile page(QStringLiteral(ACKHOOK_SOURCE_DIR "/packaging/ackhook.1"));
    QVERIFY2(page.open(QIODevice::ReadOnly), qPrintable(page.fileName()));
    const QByteArray text = page.readAll();
    QStringList missing;
    const QList<QCommandLineOption> options = CommandLineOptions().all();
    QVERIFY(options.size() > 40);
    for (const QCommandLineOption &option : options) {
        for (const QString &name : option.names()) {
            if (name.size() == 1)
                continue; // -h, -v: beside their long names
            const QByteArray groff = "\\-\\-" + name.toLatin1().replace("-", "\\-");
            if (!text.contains(groff))
                missing.append(QStringLiteral("--") + name);
        }
    }
    QVERIFY2(missing.isEmpty(), qPrintable(QStringLiteral("not in the man page: ") + missing.join(QStringLiteral(", "))));
}

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"

void TestCommandLine::faultProxyPlacement_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<bool>("proxy");
    const QString url = QStringLiteral("nats://nats.example:4222");
    QTest::addRow("embedded, headless") << QStringList { QStringLiteral("--headless") } << true;
    QTest::addRow("embedded, window") << QStringList {} << true;
    QTest::addRow("external, window") << QStringList { QStringLiteral("--nats-url"), url } << true;
    QTest::addRow("external, headless") << QStringList { QStringLiteral("--headless"), QStringLiteral("--nats-url"),
        url } << false;
    QTest::addRow("external, headless, --fault-proxy") << QStringList { QStringLiteral("--headless"),
        QStringLiteral("--nats-url"), url, QStringLiteral("--fault-proxy") }
                                                       << true;
    QTest::addRow("external, headless, --outage down") << QStringList { QStringLiteral("--headless"),
        QStringLiteral("--nats-url"), url, QStringLiteral("--outage"), QStringLiteral("down") }
                                                       << true;
    QTest::addRow("embedded, --no-fault-proxy")
        << QStringList { QStringLiteral("--headless"), QStringLiteral("--no-fault-proxy") } << false;
}

void TestCommandLine::faultProxyPlacement()
{
    QFETCH(QStringList, arguments);
    QFETCH(bool, proxy);
    qunsetenv("NATS_URL");
    const CommandLine cli = CommandLine::parse(QStringList { QStringLiteral("ackhook") } + arguments);
    QVERIFY2(cli.action == CommandLine::Action::Run, qPrintable(cli.message));
    QCOMPARE(cli.runtime.faultProxyEnabled, proxy);
    const CommandLine both = CommandLine::parse(
        { QStringLiteral("ackhook"), QStringLiteral("--fault-proxy"), QStringLiteral("--no-fault-proxy") });
    QCOMPARE(both.action, CommandLine::Action::Error);
}

void TestCommandLine::natsAccessFromFlagsEnvironmentAndFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const auto write = [&dir](const QString &name, const QByteArray &content) {
        QFile file(dir.filePath(name));
        if (!file.open(QIODevice::WriteOnly))
            return QString();
        file.write(content);
        return file.fileName();
    };
    const QString password = write(QStringLiteral("password"), "s3cret\n");
    const QString config = write(QStringLiteral("ackhook.toml"), R"([server]
fault_proxy = true
[nats]
url = "tls://nats.example:4222"
user = "filer"
password_env = "ACKHOOK_TEST_NATS_PASSWORD"
tls_ca_file = "ca.pem"
tls_hostname = "nats.internal"
)");
    const QString program = QStringLiteral("ackhook");
    for (const char *variable : { "NATS_URL", "NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_CREDS", "NATS_CA" })
        qunsetenv(variable);

    qputenv("ACKHOOK_TEST_NATS_PASSWORD", "from-env");
    const CommandLine fromFile
        = CommandLine::parse({ program, QStringLiteral("--headless"), QStringLiteral("--config"), config });
    QVERIFY2(fromFile.action == CommandLine::Action::Run, qPrintable(fromFile.message));
    const NatsAccess &file = fromFile.runtime.gateway.natsAccess;
    QCOMPARE(file.user, QStringLiteral("filer"));
    QCOMPARE(file.password, QByteArray("from-env"));
    QCOMPARE(file.tlsCaFile, dir.filePath(QStringLiteral("ca.pem"))); // relative to the file
    QCOMPARE(file.tlsHostname, QStringLiteral("nats.internal"));
    QVERIFY(fromFile.runtime.faultProxyEnabled); // [server] fault_proxy = true, although headless + external

    // The NATS tools' variables win over the file, the flags over both.
    qputenv("NATS_USER", "env-user");
    qputenv("NATS_CA", "/env/ca.pem");
    const CommandLine fromFlags = CommandLine::parse(
        { program, QStringLiteral("--headless"), QStringLiteral("--config"), config, QStringLiteral("--nats-user"),
            QStringLiteral("flag-user"), QStringLiteral("--nats-password-file"), password });
    qunsetenv("NATS_USER");
    qunsetenv("NATS_CA");
    qunsetenv("ACKHOOK_TEST_NATS_PASSWORD");
    QVERIFY2(fromFlags.action == CommandLine::Action::Run, qPrintable(fromFlags.message));
    const NatsAccess &flags = fromFlags.runtime.gateway.natsAccess;
    QCOMPARE(flags.user, QStringLiteral("flag-user"));
    QCOMPARE(flags.password, QByteArray("s3cret")); // the file's trailing newline is not part of it
    QCOMPARE(flags.tlsCaFile, QStringLiteral("/env/ca.pem"));

    qputenv("NATS_TOKEN", "tok");
    const CommandLine token = CommandLine::parse(
        { program, QStringLiteral("--headless"), QStringLiteral("--nats-url"), QStringLiteral("nats://h:4222") });
    qunsetenv("NATS_TOKEN");
    QCOMPARE(token.runtime.gateway.natsAccess.token, QByteArray("tok"));

    const CommandLine missing
        = CommandLine::parse({ program, QStringLiteral("--nats-url"), QStringLiteral("nats://h:4222"),
            QStringLiteral("--nats-password-file"), dir.filePath(QStringLiteral("absent")) });
    QCOMPARE(missing.action, CommandLine::Action::Error);
    QVERIFY2(missing.message.contains(QLatin1String("--nats-password-file")), qPrintable(missing.message));
}
