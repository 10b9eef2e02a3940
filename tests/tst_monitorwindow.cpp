// The monitor window end to end, offscreen: real Runtime, events sent with the window's own
// button through the HTTP listener, the outage switch, the failed queue and replay.
#include "monitorwindow.h"
#include "requesttablemodel.h"
#include "runtime.h"
#include "testsupport.h"

#include <QApplication>
#include <QComboBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

class TestMonitorWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void greenOutageAndRecovery();

private:
    bool hasRowWithStatus(int status) const
    {
        for (int row = 0; row < m_window->requestModel()->rowCount(); ++row) {
            if (m_window->requestModel()->record(row).status == status)
                return true;
        }
        return false;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<MonitorWindow> m_window;
};

void TestMonitorWindow::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests")); // QSettings stay out of the user's
    QString error;
    m_runtime = TestSupport::startRuntime({}, m_dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    m_window = std::make_unique<MonitorWindow>(m_runtime.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
}

void TestMonitorWindow::cleanupTestCase()
{
    m_window.reset();
    m_runtime.reset();
}

void TestMonitorWindow::greenOutageAndRecovery()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_window->connectivityText(), QStringLiteral("NATS connected"), 5000);
    m_window->sendCount()->setValue(3);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->requestModel()->rowCount() >= 3, 5000);
    QVERIFY(hasRowWithStatus(200));
    QVERIFY(!hasRowWithStatus(500));

    // Outage on: answers turn 500, the badge says so, the failed queue fills.
    m_window->outageMode()->setCurrentText(QStringLiteral("down"));
    QTest::mouseClick(m_window->outageSwitch(), Qt::LeftButton);
    QVERIFY(m_window->outageSwitch()->isChecked());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->connectivityText(), QStringLiteral("SIMULATED OUTAGE: down"), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_runtime->gateway()->bus()->isConnected(), 3000);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(hasRowWithStatus(500), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueText().startsWith(QLatin1String("3 pending")), 5000);

    // Off again, replay all: the queue drains and the badge is green.
    QTest::keyClick(m_window.get(), Qt::Key_O, Qt::ControlModifier); // the keyboard shortcut
    QVERIFY(!m_window->outageSwitch()->isChecked());
    QTRY_COMPARE_WITH_TIMEOUT(m_window->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->replayAllButton()->isEnabled(), 3000);
    QTest::mouseClick(m_window->replayAllButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueText().startsWith(QStringLiteral("0 pending · 3 replayed")), 10000);
}

QTEST_MAIN(TestMonitorWindow)
#include "tst_monitorwindow.moc"
