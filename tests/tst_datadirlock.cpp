// One ackhook per data directory: a second one refuses to start and names the holder; the lock a
// kill -9 leaves behind is taken over; a Runtime that stopped lets the next one in.
#include "ackhookprocess.h"
#include "testsupport.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <unistd.h>

using namespace TestSupport;

class TestDataDirLock : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void secondProcessRefusesAndNamesTheHolder();
    void secondRuntimeInOneProcessRefuses();
    void lockOfAKilledProcessIsTakenOver();
};

static QStringList headless(const QString &dataDir)
{
    return { QStringLiteral("--headless"), QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(freePort()) };
}

void TestDataDirLock::secondProcessRefusesAndNamesTheHolder()
{
    QTemporaryDir dir;
    AckhookProcess first(headless(dir.path()));
    QVERIFY2(first.waitUntilListening(), first.err().constData());

    AckhookProcess second(headless(dir.path()));
    QVERIFY(second.process().waitForFinished(20000));
    second.collect();
    QCOMPARE(second.process().exitCode(), 1);
    const QByteArray expected = "in use by another ackhook (PID " + QByteArray::number(first.pid());
    QVERIFY2(second.err().contains(expected), second.err().constData());
    QVERIFY2(second.err().contains("--data-dir"), second.err().constData());
    QVERIFY(!second.out().contains("listening on"));

    // The first is untouched: it still answers through its own nats-server.
    first.collect();
    QCOMPARE(first.process().state(), QProcess::Running);
    const quint16 port = first.webhookPort();
    QVERIFY2(port > 0, first.out().constData());
    const auto reply = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
}

void TestDataDirLock::secondRuntimeInOneProcessRefuses()
{
    QTemporaryDir dir;
    QString error;
    auto first = startRuntime({}, dir.path(), std::chrono::milliseconds(2000), &error);
    QVERIFY2(first, qPrintable(error));
    auto second = startRuntime({}, dir.path(), std::chrono::milliseconds(2000), &error);
    QVERIFY(!second);
    QVERIFY2(error.contains(QStringLiteral("in use by another ackhook (PID %1").arg(::getpid())), qPrintable(error));

    first.reset(); // stopped: the directory is free again
    auto third = startRuntime({}, dir.path(), std::chrono::milliseconds(2000), &error);
    QVERIFY2(third, qPrintable(error));
}

void TestDataDirLock::lockOfAKilledProcessIsTakenOver()
{
    QTemporaryDir dir;
    {
        AckhookProcess killed(headless(dir.path()));
        QVERIFY2(killed.waitUntilListening(), killed.err().constData());
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("ackhook.lock"))));
        ::kill(static_cast<pid_t>(killed.pid()), SIGKILL);
        QVERIFY(killed.process().waitForFinished(10000));
    }
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("ackhook.lock")))); // left behind by kill -9

    AckhookProcess next(headless(dir.path()));
    QVERIFY2(next.waitUntilListening(), next.err().constData());
}

QTEST_GUILESS_MAIN(TestDataDirLock)
#include "tst_datadirlock.moc"
