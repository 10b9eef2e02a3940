// Unix signals as an operator sends them: SIGHUP (log rotation, closed terminal) keeps ackhook
// running and answering; SIGTERM then stops it with exit status 0.
#include "ackhookprocess.h"
#include "testsupport.h"

#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <csignal>

using namespace TestSupport;

class TestSignals : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hangupKeepsServing();
};

void TestSignals::hangupKeepsServing()
{
    QTemporaryDir dir;
    const quint16 port = freePort();
    AckhookProcess ackhook({ QStringLiteral("--headless"), QStringLiteral("--data-dir"), dir.path(),
        QStringLiteral("--listen"), QStringLiteral("127.0.0.1:%1").arg(port) });
    QVERIFY2(ackhook.waitUntilListening(), ackhook.err().constData());

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGHUP);
    QTRY_VERIFY_WITH_TIMEOUT((ackhook.collect(), ackhook.err().contains("SIGHUP")), 10000);
    QCOMPARE(ackhook.process().state(), QProcess::Running);
    const auto reply = request(port, "POST", "/webhook", "{}", { { "Idempotency-Key", uniqueKey() } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);

    ::kill(static_cast<pid_t>(ackhook.pid()), SIGTERM);
    QVERIFY(ackhook.process().waitForFinished(20000));
    QCOMPARE(ackhook.process().exitStatus(), QProcess::NormalExit);
    QCOMPARE(ackhook.process().exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestSignals)
#include "tst_signals.moc"
