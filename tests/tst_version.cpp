// ackhook --version, as a user runs it: its own version and those of Qt, cnats and the nats-server
// that the embedded mode would start.
#include <QProcess>
#include <QTest>

class TestVersion : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void namesEveryComponent();
};

void TestVersion::namesEveryComponent()
{
    QProcess ackhook;
    ackhook.start(qEnvironmentVariable("ACKHOOK_BINARY"), { QStringLiteral("--version") });
    QVERIFY(ackhook.waitForFinished(30000));
    QCOMPARE(ackhook.exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.exitCode(), 0);
    const QStringList lines = QString::fromUtf8(ackhook.readAllStandardOutput()).split(QLatin1Char('\n'));
    QVERIFY2(lines.size() >= 4, qPrintable(lines.join(QLatin1Char('|'))));
    QCOMPARE(lines[0], QStringLiteral("ackhook " ACKHOOK_VERSION));
    QCOMPARE(lines[1],
        QStringLiteral("Qt %1 (built with %2)").arg(QString::fromLatin1(qVersion()), QStringLiteral(QT_VERSION_STR)));
    QVERIFY2(lines[2].startsWith(QLatin1String("cnats 3.")), qPrintable(lines[2]));
    QVERIFY2(lines[3].startsWith(QLatin1String("nats-server: v2.")), qPrintable(lines[3]));
    QVERIFY(ackhook.readAllStandardError().isEmpty());
}

QTEST_GUILESS_MAIN(TestVersion)
#include "tst_version.moc"
