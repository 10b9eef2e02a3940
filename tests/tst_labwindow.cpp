// The lab in the window: the red fire-and-forget banner while any endpoint uses that policy, the
// loss detector's line, and the scenario button, shown only when the scenario can run.
#include "monitorwindow.h"
#include "runtime.h"
#include "scenariorunner.h"
#include "testsupport.h"

#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTextEdit>

class TestLabWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void threePolicies();
    void ackOnly();
};

void TestLabWindow::threePolicies()
{
    RuntimeConfig config;
    config.gateway.endpoints.clear();
    for (DispatchPolicy policy : { DispatchPolicy::Ack, DispatchPolicy::FireAndForget, DispatchPolicy::Spool }) {
        const QByteArray name = dispatchPolicyName(policy).toLatin1();
        Endpoint endpoint("/lab/" + name, "ackhook.lab." + name);
        endpoint.dispatch = policy;
        config.gateway.endpoints.append(endpoint);
    }
    QTemporaryDir dir;
    QString error;
    auto runtime = TestSupport::startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const auto *banner = window.findChild<QLabel *>(QStringLiteral("fireAndForgetBanner"));
    QVERIFY(banner);
    QVERIFY(banner->isVisible());
    QVERIFY(banner->text().contains(QLatin1String("/lab/fire-and-forget")));
    QVERIFY(banner->styleSheet().contains(QLatin1String("#b71c1c"))); // red

    const auto *loss = window.findChild<QLabel *>(QStringLiteral("lossDetector"));
    QVERIFY(loss);
    QTRY_VERIFY(loss->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const auto reply = TestSupport::request(runtime->webhookPort(), "POST", "/lab/ack", "{}");
    QVERIFY(reply && reply->status == 200);
    QTRY_VERIFY_WITH_TIMEOUT(loss->text().contains(QString::fromUtf8("ack: 1 × 2xx, 1 stored, 0 LOST")), 5000);

    auto *run = window.findChild<QPushButton *>(QStringLiteral("runScenario"));
    QVERIFY(run);
    QVERIFY(run->isVisible());

    // One click, the scenario (shortened here), and the summary in a dialog.
    ScenarioRunner::Options options;
    options.before = options.outage = options.after = std::chrono::milliseconds(1000);
    options.settleTimeout = std::chrono::milliseconds(20000);
    window.setScenarioOptions(options);
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(!run->isEnabled());
    QDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<QDialog *>(QStringLiteral("scenarioSummary"))), 40000);
    QVERIFY(run->isEnabled());
    const QString text = dialog->findChild<QTextEdit *>()->toPlainText();
    QVERIFY2(text.contains(QLatin1String("fire-and-forget")) && text.contains(QLatin1String("lost after 2xx")),
        qPrintable(text));
    QVERIFY(dialog->findChild<QPushButton *>(QStringLiteral("saveScenarioChart")));
    dialog->close();
    window.close();
    runtime->shutdownAndWait();
}

void TestLabWindow::ackOnly()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = TestSupport::startRuntime({}, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(!window.findChild<QLabel *>(QStringLiteral("fireAndForgetBanner")));
    QVERIFY(!window.findChild<QLabel *>(QStringLiteral("lossDetector"))->isVisible());
    QVERIFY(!window.findChild<QPushButton *>(QStringLiteral("runScenario"))->isVisible());
    window.close();
    runtime->shutdownAndWait();
}

QTEST_MAIN(TestLabWindow)
#include "tst_labwindow.moc"
