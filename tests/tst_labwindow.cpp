// The lab in the window: the red fire-and-forget banner while any endpoint uses that policy, the
// loss detector's line, the scenario button, shown only when the scenario can run, and an endpoint's
// policy switched from the window while running.
#include "failedeventmodel.h"
#include "failedqueuepanel.h"
#include "lab/lossdetector.h"
#include "lab/lossystore.h"
#include "monitorwindow.h"
#include "nats/embeddednats.h"
#include "outagepanel.h"
#include "requestdetailview.h"
#include "requestfilterproxy.h"
#include "requestspanel.h"
#include "requesttablemodel.h"
#include "runtime.h"
#include "scenariochart.h"
#include "scenariopanel.h"
#include "scenariorunner.h"
#include "scenariosummarydialog.h"
#include "statusheader.h"
#include "store/failedeventstore.h"
#include "testsenderpanel.h"
#include "testsupport.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QMessageBox>
#include <QTimer>
#include <QDialog>
#include <QDir>
#include <QLabel>
#include <QPushButton>
#include <QTemporaryDir>
#include <QScreen>
#include <QTest>
#include <QJsonArray>
#include <QTableView>
#include <QTextEdit>
#include <QToolButton>
#include <QItemSelectionModel>

class TestLabWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void threePolicies();
    void ackOnly();
    void powerCutFromTheMenu();
    void switchPolicyInWindow();
    void scenarioChart();
    void scenarioSummaryDialog();
};

namespace {
// Answers the next modal message box (the window's exec()) once it is up: confirm presses the
// button with the given role, else Cancel. Polls from the event loop exec() runs.
void answerNextMessageBox(QMessageBox::ButtonRole confirm, QString *seenText, QString *seenName)
{
    QTimer::singleShot(10, [=] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!box) {
            answerNextMessageBox(confirm, seenText, seenName);
            return;
        }
        *seenText = box->text();
        *seenName = box->objectName();
        for (QAbstractButton *button : box->buttons()) {
            if (box->buttonRole(button) == confirm) {
                button->click();
                return;
            }
        }
        box->reject();
    });
}

void choosePolicy(QComboBox *combo, DispatchPolicy policy)
{
    const int item = combo->findData(static_cast<int>(policy));
    combo->setCurrentIndex(item);
    Q_EMIT combo->activated(item); // what a user's choice emits
}
} // namespace

void TestLabWindow::switchPolicyInWindow()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = TestSupport::startRuntime({}, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QVERIFY(!runtime->lossDetector());
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    QComboBox *policy = window.testSender()->policyBox();
    QVERIFY(policy && policy->isVisible() && policy->isEnabled());
    QCOMPARE(policy->currentData().toInt(), int(DispatchPolicy::Ack));
    const QByteArray stream = runtime->config().gateway.stream.toUtf8();
    TestSupport::StreamReader reader(runtime->upstreamUrls().constFirst());
    QVERIFY(reader.isValid());
    const auto storedKeys = [&] {
        QList<QByteArray> keys;
        for (const TestSupport::StoredMessage &message : reader.all(stream))
            keys.append(message.callerKey());
        return keys;
    };
    const auto statusDispatch = [&] {
        const auto reply = TestSupport::request(runtime->adminPort(), "GET", "/api/status");
        return reply ? reply->json().value(QStringLiteral("endpoints")).toArray().at(0).toObject().value(
                           QStringLiteral("dispatch")).toString()
                     : QString();
    };
    QCOMPARE(statusDispatch(), QStringLiteral("ack"));

    // Fire-and-forget asks first; cancelled, nothing changes.
    QString text, name;
    answerNextMessageBox(QMessageBox::RejectRole, &text, &name);
    choosePolicy(policy, DispatchPolicy::FireAndForget);
    QCOMPARE(name, QStringLiteral("confirmFireAndForget"));
    QVERIFY2(text.contains(QLatin1String("/webhook")) && text.contains(QLatin1String("BEFORE")), qPrintable(text));
    QCOMPARE(policy->currentData().toInt(), int(DispatchPolicy::Ack));
    QVERIFY(!window.findChild<QLabel *>(QStringLiteral("fireAndForgetBanner")));
    QCOMPARE(runtime->config().gateway.endpoints.at(0).dispatch.value_or(DispatchPolicy::Ack), DispatchPolicy::Ack);

    // Confirmed: the endpoint answers at once, the red banner names it, the loss detector runs.
    answerNextMessageBox(QMessageBox::DestructiveRole, &text, &name);
    choosePolicy(policy, DispatchPolicy::FireAndForget);
    QCOMPARE(policy->currentData().toInt(), int(DispatchPolicy::FireAndForget));
    const auto *banner = window.findChild<QLabel *>(QStringLiteral("fireAndForgetBanner"));
    QVERIFY(banner && banner->isVisible());
    QVERIFY(banner->text().contains(QLatin1String("/webhook")));
    QVERIFY(runtime->lossDetector());
    QTRY_VERIFY(window.findChild<QLabel *>(QStringLiteral("lossDetector"))->isVisible());
    QCOMPARE(statusDispatch(), QStringLiteral("fire-and-forget"));
    auto reply = TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}",
        { { "Idempotency-Key", TestSupport::uniqueKey() } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QCOMPARE(reply->json().value(QStringLiteral("policy")).toString(), QStringLiteral("fire-and-forget"));

    // Back to ack (no question asked): the banner goes, a 200 means the event is in the stream.
    choosePolicy(policy, DispatchPolicy::Ack);
    QVERIFY(!banner->isVisible());
    QCOMPARE(statusDispatch(), QStringLiteral("ack"));
    const QByteArray ackKey = TestSupport::uniqueKey();
    reply = TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}", { { "Idempotency-Key", ackKey } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 200);
    QVERIFY2(reply->json().value(QStringLiteral("seq")).toInteger() > 0, reply->body.constData());
    QVERIFY(storedKeys().contains(ackKey)); // already: the 200 followed the PubAck

    // Spool: opened now (it was not), 202, and forwarded to the stream.
    QVERIFY(!runtime->gateway()->spool());
    choosePolicy(policy, DispatchPolicy::Spool);
    QCOMPARE(policy->currentData().toInt(), int(DispatchPolicy::Spool));
    QVERIFY(runtime->gateway()->spool());
    QCOMPARE(statusDispatch(), QStringLiteral("spool"));
    const QByteArray spoolKey = TestSupport::uniqueKey();
    reply = TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}", { { "Idempotency-Key", spoolKey } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 202);
    QCOMPARE(reply->json().value(QStringLiteral("policy")).toString(), QStringLiteral("spool"));
    QTRY_VERIFY_WITH_TIMEOUT(storedKeys().contains(spoolKey), 10000);
    // "202 Accepted" everywhere: the row, the detail view, the header's counts apart from the 200s.
    RequestTableModel *model = window.requests()->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->newestRowWithKey(QString::fromLatin1(spoolKey)) >= 0
            && model->record(model->newestRowWithKey(QString::fromLatin1(spoolKey))).status == 202,
        5000);
    const int spoolRow = model->newestRowWithKey(QString::fromLatin1(spoolKey));
    QCOMPARE(model->index(spoolRow, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("202 Accepted"));
    window.requests()->table()->selectionModel()->setCurrentIndex(
        window.requests()->filter()->mapFromSource(model->index(spoolRow, 0)),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(window.detailView()->record().key, QString::fromLatin1(spoolKey));
    const QString timeline = window.detailView()->timelineText();
    QVERIFY2(timeline.contains(QStringLiteral("→ spooled ")) && timeline.contains(QStringLiteral("→ answered 202 Accepted")),
        qPrintable(timeline));
    // The header: "answered 200: 2 · answered 202: 1" (the ack and fire-and-forget 200s, the spool's 202).
    QTRY_VERIFY2_WITH_TIMEOUT(
        window.statusHeader()->outcomesText().startsWith(QStringLiteral("answered 200: 2 · answered 202: 1 ·")),
        qPrintable(window.statusHeader()->outcomesText()), 3000);
    QVERIFY2(window.totalsText().contains(QStringLiteral("2xx 3 (200: 2 · 202 Accepted: 1)")),
        qPrintable(window.totalsText()));
    window.close();
    runtime->shutdownAndWait();
}

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
    window.scenarioPanel()->setOptions(options);
    QVERIFY(run->isEnabled());
    QVERIFY2(run->toolTip().contains(QLatin1String("about a minute")), qPrintable(run->toolTip()));
    auto *simulate = window.findChild<QPushButton *>(QStringLiteral("simulateOutage"));
    auto *endOutage = window.findChild<QPushButton *>(QStringLiteral("endOutage"));
    auto *natsStop = window.findChild<QPushButton *>(QStringLiteral("natsStop"));
    auto *natsStart = window.findChild<QPushButton *>(QStringLiteral("natsStart"));
    auto *powerCut = window.findChild<QAction *>(QStringLiteral("powerCut"));
    QVERIFY(simulate && endOutage && natsStop && natsStart && powerCut);
    QVERIFY(simulate->isEnabled());
    QVERIFY(window.outagePanel()->action(OutageSettings::Mode::Down)->isEnabled());
    QTRY_VERIFY(natsStop->isEnabled()); // the embedded nats-server runs
    const bool powerCutUsable = powerCut->isEnabled();
    QTest::mouseClick(run, Qt::LeftButton);
    QVERIFY(!run->isEnabled());
    QVERIFY(window.scenarioPanel()->isRunning());
    // While it runs the scenario owns the outage: the window's controls for it are off.
    const auto outageControlsOff = [&] {
        return !simulate->isEnabled() && !endOutage->isEnabled() && !natsStop->isEnabled() && !natsStart->isEnabled()
            && !powerCut->isEnabled() && !window.outagePanel()->action(OutageSettings::Mode::Down)->isEnabled()
            && !window.outagePanel()->action(OutageSettings::Mode::Blackhole)->isEnabled();
    };
    QVERIFY(outageControlsOff());
    // ... through the outage too (the scenario starts it: End outage stays off, nats-server's refresh too).
    QTRY_VERIFY_WITH_TIMEOUT(runtime->faultProxy()->mode() != OutageSettings::Mode::Off, 10000);
    // The header has refreshed since (it shows the outage): still off.
    QTRY_VERIFY_WITH_TIMEOUT(
        window.statusHeader()->connectivityText().startsWith(QLatin1String("SIMULATED OUTAGE")), 5000);
    QVERIFY(outageControlsOff());
    QDialog *dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = window.findChild<QDialog *>(QStringLiteral("scenarioSummary"))), 40000);
    QVERIFY(run->isEnabled());
    QVERIFY(!window.scenarioPanel()->isRunning());
    // Finished: the controls are back.
    QVERIFY(simulate->isEnabled());
    QVERIFY(window.outagePanel()->action(OutageSettings::Mode::Down)->isEnabled());
    QCOMPARE(powerCut->isEnabled(), powerCutUsable);
    QTRY_VERIFY(natsStop->isEnabled());
    QVERIFY(!endOutage->isEnabled()); // no outage on
    const QString text = dialog->findChild<QTextEdit *>()->toPlainText();
    QVERIFY2(text.contains(QLatin1String("fire-and-forget")) && text.contains(QLatin1String("lost after 2xx")),
        qPrintable(text));
    QVERIFY(dialog->findChild<QPushButton *>(QStringLiteral("saveScenarioChart")));
    const auto *chart = dialog->findChild<QLabel *>(QStringLiteral("scenarioChartView"));
    QVERIFY(chart && !chart->pixmap().isNull());
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("lost_fire-and-forget")));
    dialog->close();

    // The scenario's 500s (the ack endpoint during the outage) are lab events in the failed queue;
    // a real sender's failure is not. "Discard lab events" discards only the lab's.
    QVERIFY(TestSupport::setOutageAndWait(runtime.get(), OutageSettings::Mode::Down));
    const QByteArray realKey = TestSupport::uniqueKey();
    const auto realReply
        = TestSupport::request(runtime->webhookPort(), "POST", "/lab/ack", "{}", { { "Idempotency-Key", realKey } });
    QVERIFY(realReply);
    QCOMPARE(realReply->status, 500);
    QVERIFY(TestSupport::setOutageAndWait(runtime.get(), OutageSettings::Mode::Off));
    FailedEventStore *store = runtime->failedEvents();
    const auto pendingLab = [store] {
        int n = 0;
        for (const FailedEvent &e : store->list(FailedEvent::State::Pending, 10000, 0))
            n += e.isLab();
        return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(pendingLab() > 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(store->stats().pending == pendingLab() + 1, 5000);
    FailedQueuePanel *panel = window.failedPanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->discardLabButton()->isEnabled() && !panel->discardLabButton()->isHidden(), 3000);
    // The panel follows the store (a reload shortly after each change): both kinds listed, tagged apart.
    const auto listed = [panel, &realKey] {
        bool lab = false;
        bool real = false;
        for (int row = 0; row < panel->model()->rowCount(); ++row) {
            const FailedEvent &e = panel->model()->event(row);
            const QString endpoint = panel->model()->index(row, FailedEventModel::EndpointColumn).data().toString();
            if (e.key == realKey)
                real = endpoint == QStringLiteral("POST /lab/ack");
            else if (e.state == FailedEvent::State::Pending && !endpoint.startsWith(QStringLiteral("[lab] POST /lab/ack")))
                return false; // every lab row is tagged
            else if (e.state == FailedEvent::State::Pending)
                lab = true;
        }
        return lab && real;
    };
    QTRY_VERIFY_WITH_TIMEOUT(listed(), 3000);
    QTest::mouseClick(panel->discardLabButton(), Qt::LeftButton);
    QCOMPARE(pendingLab(), 0);
    store->flush();
    QCOMPARE(store->stats().pending, 1); // the real sender's event, still to replay
    QCOMPARE(store->list(FailedEvent::State::Pending, 10).constFirst().key, realKey);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->discardLabButton()->isEnabled(), 3000);
    QVERIFY(panel->discardLabButton()->isHidden()); // no lab events left: the button goes
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
    // The scenario cannot run here: its button shows, greyed out, the reason as its tooltip.
    const auto *run = window.findChild<QPushButton *>(QStringLiteral("runScenario"));
    QVERIFY(run->isVisible());
    QVERIFY(!run->isEnabled());
    const auto scenario = ScenarioRunner::find(window.scenarioPanel()->choice()->currentText());
    QVERIFY(scenario);
    QCOMPARE(run->toolTip(), ScenarioRunner::problem(runtime.get(), *scenario));
    QVERIFY2(run->toolTip().contains(QLatin1String("one endpoint per dispatch policy")), qPrintable(run->toolTip()));
    // Without --lab-lossy-store the power cut is greyed out, the reason as its tooltip.
    const QAction *powerCut = window.findChild<QAction *>(QStringLiteral("powerCut"));
    QVERIFY(powerCut);
    QVERIFY(!powerCut->isEnabled());
    QVERIFY2(powerCut->toolTip().contains(QLatin1String("--lab-lossy-store")), qPrintable(powerCut->toolTip()));
    window.close();
    runtime->shutdownAndWait();
}

// With the lossy store, the window's power cut really cuts: nats-server restarts (a new PID) and
// the loss detector counts the 200s answered before it as lost.
void TestLabWindow::powerCutFromTheMenu()
{
    qputenv("ACKHOOK_LOSSYFS", qgetenv("LOSSYFS_BINARY")); // ctest's lossyfs: the dev tree has none in PATH
    const QString fuse = LossyStore::unusableReason();
    QVERIFY2(fuse.isEmpty(), qPrintable(fuse)); // CI installs fuse3: never skipped
    QTemporaryDir dir;
    RuntimeConfig config;
    config.labLossyStore = true;
    config.lossDetector = true;
    QString error;
    auto runtime = TestSupport::startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QVERIFY2(runtime->powerCutRefusal().isEmpty(), qPrintable(runtime->powerCutRefusal()));
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction *powerCut = window.findChild<QAction *>(QStringLiteral("powerCut"));
    QVERIFY(powerCut);
    QVERIFY(powerCut->isEnabled());
    constexpr int Events = 20;
    for (int i = 0; i < Events; ++i) {
        const auto reply = TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}",
            { { "Idempotency-Key", TestSupport::uniqueKey() } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }
    QTRY_COMPARE_WITH_TIMEOUT(runtime->lossDetector()->figures().of(DispatchPolicy::Ack).stored, quint64(Events), 10000);
    const qint64 natsPid = runtime->embeddedNats()->pid();
    powerCut->trigger();
    QCOMPARE(runtime->powerCuts(), 1);
    QVERIFY(runtime->embeddedNats()->isRunning());
    QVERIFY(runtime->embeddedNats()->pid() != natsPid);
    QTRY_COMPARE_WITH_TIMEOUT(
        runtime->lossDetector()->figures().of(DispatchPolicy::Ack).lostAfter2xx, quint64(Events), 20000);
    window.close();
    runtime->shutdownAndWait();
}

// The scenario's chart: one panel per policy; red (lost after 2xx) appears only where events were lost.
namespace {
// Nine seconds of 20 events per second and policy, an outage in seconds 3 to 5 (ack answers 5xx).
ScenarioRunner::Summary syntheticSummary()
{
    ScenarioRunner::Summary summary;
    summary.scenario = QStringLiteral("down");
    summary.seed = 7;
    summary.outageFromMs = 3000;
    summary.outageToMs = 6000;
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        ScenarioRunner::Row row;
        row.policy = dispatchPolicyName(static_cast<DispatchPolicy>(i));
        for (int second = 0; second < 9; ++second) {
            ScenarioRunner::Second s;
            const bool outage = second >= 3 && second < 6;
            s.answered2xx = outage && i == int(DispatchPolicy::Ack) ? 0 : 20;
            s.answered5xx = outage && i == int(DispatchPolicy::Ack) ? 20 : 0;
            row.seconds.append(s);
        }
        summary.rows.append(row);
    }
    summary.settled = true;
    return summary;
}
} // namespace

void TestLabWindow::scenarioChart()
{
    ScenarioRunner::Summary summary = syntheticSummary();
    const QColor lost(0xd6, 0x27, 0x28); // ScenarioChart's colour for lost events
    const auto lostPixels = [&lost](const QImage &image) {
        int count = 0;
        for (int y = 0; y < image.height(); ++y) {
            for (int x = 0; x < image.width(); ++x)
                count += image.pixelColor(x, y) == lost;
        }
        return count;
    };
    const QImage clean = ScenarioChart::render(summary);
    QCOMPARE(clean.size(), QSize(960, 560));
    QCOMPARE(lostPixels(clean), 12 * 12); // only the legend's square
    // fire-and-forget lost the first outage second's 20 events.
    ScenarioRunner::Row &ff = summary.rows[int(DispatchPolicy::FireAndForget)];
    ff.seconds[3].lostAfter2xx = 20;
    ff.lostAfter2xx = 20;
    const QImage lossy = ScenarioChart::render(summary);
    QVERIFY(lostPixels(lossy) > 12 * 12 + 60 * 60); // a whole bar of a second (~100 px wide, 1/4 of the panel high)
}

// The summary for an audience: the sentence, the losses large and red, the chart inline, the table
// unwrapped, and all of it on a 1366x768 screen.
void TestLabWindow::scenarioSummaryDialog()
{
    ScenarioRunner::Summary summary = syntheticSummary();
    for (ScenarioRunner::Row &row : summary.rows) {
        row.answered2xx = 160;
        row.stored = 160;
    }
    ScenarioRunner::Row &ff = summary.rows[int(DispatchPolicy::FireAndForget)];
    ff.seconds[3].lostAfter2xx = 20;
    ff.lostAfter2xx = 20;
    ff.stored = 140;
    ScenarioSummaryDialog dialog(summary);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));

    const auto *lesson = dialog.findChild<QLabel *>(QStringLiteral("scenarioLesson"));
    QVERIFY(lesson);
    const QString sentence = lesson->text();
    QVERIFY2(sentence.contains(QLatin1String("<b>ack</b>")) && sentence.contains(QLatin1String("<b>spool</b>"))
            && sentence.contains(QLatin1String("<b>fire-and-forget (20)</b>")) && sentence.contains(QLatin1String("gone")),
        qPrintable(sentence));
    const auto *lost = dialog.findChild<QLabel *>(QStringLiteral("lost_fire-and-forget"));
    const auto *kept = dialog.findChild<QLabel *>(QStringLiteral("lost_ack"));
    QVERIFY(lost && kept);
    QCOMPARE(lost->text(), QStringLiteral("20"));
    QCOMPARE(kept->text(), QStringLiteral("0"));
    const QColor red = lost->palette().color(QPalette::WindowText);
    QVERIFY2(red.red() > 150 && red.green() < 80 && red.blue() < 80, qPrintable(red.name()));
    QVERIFY(kept->palette().color(QPalette::WindowText).green() > kept->palette().color(QPalette::WindowText).red());
    QVERIFY(lost->font().pointSizeF() > 2 * dialog.font().pointSizeF());

    const auto *chart = dialog.findChild<QLabel *>(QStringLiteral("scenarioChartView"));
    QVERIFY(chart);
    QVERIFY(!chart->pixmap().isNull());
    QCOMPARE(chart->pixmap().size(), dialog.chartSize());
    QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("saveScenarioChart")));

    const auto *table = dialog.findChild<QTextEdit *>(QStringLiteral("scenarioTable"));
    QVERIFY(table);
    QCOMPARE(table->lineWrapMode(), QTextEdit::NoWrap);
    QVERIFY(table->toPlainText().contains(QLatin1String("fire-and-forget")));

    // The dialog and a title bar fit the screen's available height (1366x768 under a desktop panel
    // leaves about 728 px; the offscreen platform's screen is 800 px high).
    const int available = dialog.screen()->availableGeometry().height();
    QVERIFY2(dialog.sizeHint().height() + ScenarioSummaryDialog::TitleBarAllowance <= available,
        qPrintable(QStringLiteral("%1 px high on a screen of %2").arg(dialog.sizeHint().height()).arg(available)));
    QVERIFY(chart->pixmap().height() >= 200);

    // Nothing lost: the sentence says so.
    ff.lostAfter2xx = 0;
    QVERIFY(ScenarioSummaryDialog::lesson(summary).startsWith(QLatin1String("Every 2xx was stored")));
}

ACKHOOK_TEST_MAIN_ON_A_LAPTOP(TestLabWindow) // the window on a 1366×768 screen
#include "tst_labwindow.moc"
