// Command line parsing and validation as a data table.
#include "commandline.h"

#include <QTest>

class TestCommandLine : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void defaults();
    void valid();
    void invalid_data();
    void invalid();
};

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
    QTest::addRow("empty nats url") << QStringList { QStringLiteral("--nats-url"), QStringLiteral(",") }
                                    << QStringLiteral("--nats-url");
    QTest::addRow("positional") << QStringList { QStringLiteral("extra") } << QStringLiteral("extra");
    QTest::addRow("unknown outage") << QStringList { QStringLiteral("--outage"), QStringLiteral("meteor") }
                                    << QStringLiteral("--outage");
    QTest::addRow("public admin without token") << QStringList { QStringLiteral("--admin-listen"),
        QStringLiteral("0.0.0.0:9") } << QStringLiteral("--admin-token");
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

QTEST_GUILESS_MAIN(TestCommandLine)
#include "tst_commandline.moc"
