// One window per data directory, said in the window: a second windowed start brings the running
// window to the front and exits 0; a start that cannot happen (the directory used by a headless
// ackhook, a port taken) puts its reason on screen, not only on a stderr a launcher throws away.
#include "ackhookprocess.h"
#include "instancechannel.h"
#include "startfailuredialog.h"
#include "testsupport.h"

#include <QFile>
#include <QLocalSocket>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <future>

using namespace TestSupport;
using namespace std::chrono_literals;

class TestOneInstance : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void channelShowsOnRequest();
    void channelIgnoresOtherWords();
    void nobodyListening();
    void adviceNamesTheWayOut_data();
    void adviceNamesTheWayOut();
    void secondWindowedStartRaisesTheFirst();
    void portClashStaysOnScreen();
};

namespace {
QStringList windowed(const QString &dataDir, quint16 port = 0)
{
    return { QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
        QStringLiteral("127.0.0.1:%1").arg(port ? port : freePort()) };
}
} // namespace

void TestOneInstance::channelShowsOnRequest()
{
    QTemporaryDir dir;
    InstanceChannel channel;
    QString error;
    QVERIFY2(channel.listen(dir.path(), &error), qPrintable(error));
    QVERIFY(QFile::exists(InstanceChannel::socketPath(dir.path())));
    QSignalSpy shown(&channel, &InstanceChannel::showRequested);
    // askToShow blocks (a second process does), so it runs on another thread while this one serves.
    auto asked = std::async(std::launch::async, [path = dir.path()] { return InstanceChannel::askToShow(path); });
    QTRY_VERIFY_WITH_TIMEOUT(asked.wait_for(0ms) == std::future_status::ready, 10000);
    QVERIFY(asked.get());
    QCOMPARE(shown.size(), 1);
}

void TestOneInstance::channelIgnoresOtherWords()
{
    QTemporaryDir dir;
    InstanceChannel channel;
    QString error;
    QVERIFY2(channel.listen(dir.path(), &error), qPrintable(error));
    QSignalSpy shown(&channel, &InstanceChannel::showRequested);
    for (const QByteArray &words : { QByteArray("raise\n"), QByteArray(200, 'x') }) {
        QLocalSocket socket;
        socket.connectToServer(InstanceChannel::socketPath(dir.path()));
        QVERIFY(socket.waitForConnected(5000));
        socket.write(words);
        QTRY_COMPARE_WITH_TIMEOUT(socket.state(), QLocalSocket::UnconnectedState, 5000);
        QVERIFY(socket.readAll().isEmpty());
    }
    QCOMPARE(shown.size(), 0);
}

void TestOneInstance::nobodyListening()
{
    QTemporaryDir dir;
    QVERIFY(!InstanceChannel::askToShow(dir.path())); // no socket file
    {
        QFile stale(InstanceChannel::socketPath(dir.path())); // a file nobody listens on
        QVERIFY(stale.open(QIODevice::WriteOnly));
    }
    QVERIFY(!InstanceChannel::askToShow(dir.path(), 2000));
    // The next owner of the directory replaces what a dead one left.
    InstanceChannel channel;
    QString error;
    QVERIFY2(channel.listen(dir.path(), &error), qPrintable(error));
    QVERIFY(InstanceChannel::socketPath(QStringLiteral("/") + QString(200, u'd')).isEmpty()); // too long for a socket
}

void TestOneInstance::adviceNamesTheWayOut_data()
{
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("wayOut");
    QTest::addRow("data directory in use")
        << QStringLiteral("the data directory /d is in use by another ackhook (PID 42 on host); stop it, or give "
                          "this one its own directory with --data-dir")
        << QStringLiteral("--data-dir");
    QTest::addRow("webhook port taken") << QStringLiteral(
        "cannot listen on 127.0.0.1:8080: The bound address is already in use") << QStringLiteral("--listen");
    QTest::addRow("admin port taken") << QStringLiteral(
        "cannot listen for the admin API on 127.0.0.1:8081: The bound address is already in use")
                                      << QStringLiteral("--admin-listen");
    QTest::addRow("anything else") << QStringLiteral("nats-server not found") << QStringLiteral("--help");
}

void TestOneInstance::adviceNamesTheWayOut()
{
    QFETCH(QString, error);
    QFETCH(QString, wayOut);
    const auto box = StartFailure::makeDialog(error);
    QCOMPARE(box->objectName(), QStringLiteral("startFailure"));
    QCOMPARE(box->icon(), QMessageBox::Critical);
    QVERIFY2(box->text().contains(error), qPrintable(box->text()));
    QVERIFY2(box->informativeText().contains(wayOut), qPrintable(box->informativeText()));
}

void TestOneInstance::secondWindowedStartRaisesTheFirst()
{
    QTemporaryDir dir;
    AckhookProcess first(windowed(dir.path()));
    QVERIFY2(first.waitUntilListening(), first.err().constData());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(InstanceChannel::socketPath(dir.path())), 10000);
    AckhookProcess second(windowed(dir.path()));
    QVERIFY2(second.process().waitForFinished(20000), "the second start did not exit");
    second.collect();
    QCOMPARE(second.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(second.process().exitCode(), 0);
    QVERIFY2(second.out().contains("its window was brought to the front"), second.out().constData());
    QTRY_VERIFY2_WITH_TIMEOUT(
        (first.collect(), first.out().contains("window brought to the front")), first.out().constData(), 10000);
    QCOMPARE(first.process().state(), QProcess::Running); // still serving
    QVERIFY(first.sanitizerReports().isEmpty());
}

void TestOneInstance::portClashStaysOnScreen()
{
    QTcpServer holder;
    QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir dir;
    AckhookProcess clash(windowed(dir.path(), holder.serverPort()));
    QTRY_VERIFY2_WITH_TIMEOUT(
        (clash.collect(), clash.err().contains("cannot listen on")), clash.err().constData(), 20000);
    // Logged, and then the dialog holds it on screen until the user closes it (a headless start
    // would have exited 1 at once: tst_ackhook).
    QVERIFY2(!clash.process().waitForFinished(1500), clash.err().constData());
    // A stop by signal closes the dialog: the process ends at once, with the failed start's status.
    clash.process().terminate();
    QVERIFY2(clash.process().waitForFinished(5000), "SIGTERM did not end the start-failure dialog");
    QCOMPARE(clash.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(clash.process().exitCode(), 1);
}

QTEST_MAIN(TestOneInstance)
#include "tst_oneinstance.moc"
