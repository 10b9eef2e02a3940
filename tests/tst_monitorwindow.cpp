// The monitor window end to end, offscreen: real Runtime, events sent with the window's own
// button through the HTTP listener, the outage switch, the failed queue and replay, the detail
// view, the chart, pause, filters and the settings kept between runs.
#include "elidedlabel.h"
#include "failedeventmodel.h"
#include "failedqueuebox.h"
#include "failedqueuepanel.h"
#include "guidedtour.h"
#include "monitorwindow.h"
#include "outagepanel.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requestdetailview.h"
#include "requestfilterproxy.h"
#include "requestspanel.h"
#include "requesttablemodel.h"
#include "runtime.h"
#include "statusheader.h"
#include "testsenderpanel.h"
#include "testsupport.h"

#include "gateway.h"
#include "nats/natsbus.h"
#include "nats/streamaudit.h"
#include "outage/faultproxy.h"
#include "store/failedeventstore.h"
#include "webhook/requestlog.h"

#include <QAbstractItemModelTester>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTabBar>
#include <QTableView>
#include <QScreen>
#include <QTemporaryDir>
#include <QTest>

class TestMonitorWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void firstWindowFitsTheScreen();
    void greenOutageAndRecovery();
    void detailFollowsSelectionAndResends();
    void failedQueuePanelActions();
    void burstAtARate();
    void pauseHoldsRowsButCountersRun();
    void filtersCombineStatusAndText();
    void rateChartShowsAnswers();
    void waitingRowsShowBeforeTheAnswer();
    void replayDuringAnOutageSaysWhy();
    void storedAnywayReadsTheSameEverywhere();
    void countersMatchTheAdminApi();
    void nothingClippedOnSmallScreens_data();
    void nothingClippedOnSmallScreens();
    void helpListsTheShortcuts();
    void guidedTourFollowsTheDemo();
    void layoutIsKeptBetweenRuns();
    void testEventsCarryCredentialsWhenRequired();
    void windowOutlivesItsRuntime();

private:
    bool hasRowWithStatus(int status) const
    {
        for (int row = 0; row < m_window->requests()->model()->rowCount(); ++row) {
            if (m_window->requests()->model()->record(row).status == status)
                return true;
        }
        return false;
    }

    int rowsWithKeyPrefix(const QString &prefix) const
    {
        int n = 0;
        for (int row = 0; row < m_window->requests()->model()->rowCount(); ++row)
            n += m_window->requests()->model()->record(row).key.startsWith(prefix);
        return n;
    }
    quint64 requestsCounted() const { return m_runtime->gateway()->requestLog()->counters().requests; }

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    std::unique_ptr<MonitorWindow> m_window;
};

void TestMonitorWindow::initTestCase()
{
    QCoreApplication::setOrganizationName(QStringLiteral("ackhook-tests")); // QSettings stay out of the user's
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_dir.filePath(QStringLiteral("settings")));
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

// The first window (no saved geometry) on a 1366×768 laptop screen: its frame, a title bar and a
// desktop panel included, fits the available geometry, and its layout's minimum does too.
void TestMonitorWindow::firstWindowFitsTheScreen()
{
    const QScreen *screen = m_window->screen();
    QVERIFY(screen);
    const QRect available = screen->availableGeometry();
    QCOMPARE(screen->geometry().size(), TestSupport::LaptopScreen); // main() gave the offscreen platform that screen
    constexpr int TitleBarAndFrame = 40; // a window manager's decoration, e.g. openbox's or KWin's
    QVERIFY2(m_window->frameGeometry().height() + TitleBarAndFrame <= available.height(),
        qPrintable(QStringLiteral("%1 + %2 > %3").arg(m_window->frameGeometry().height()).arg(TitleBarAndFrame)
                .arg(available.height())));
    QVERIFY(m_window->frameGeometry().width() <= available.width());
    QVERIFY(m_window->minimumSizeHint().height() + TitleBarAndFrame <= available.height());
    QVERIFY(m_window->minimumSizeHint().width() <= available.width());
}

void TestMonitorWindow::greenOutageAndRecovery()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    m_window->testSender()->countBox()->setValue(3);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->requests()->model()->rowCount() >= 3, 5000);
    QVERIFY(hasRowWithStatus(200));
    QVERIFY(!hasRowWithStatus(500));

    // Outage on: answers turn 500, the badge says so, the failed queue fills.
    // Outage on (one action per mode): answers turn 500, the badge and the title say so, the queue fills.
    QVERIFY(!m_window->outagePanel()->endButton()->isEnabled());
    QVERIFY(!m_window->explanationPanel()->isVisible());
    m_window->outagePanel()->action(OutageSettings::Mode::Down)->trigger();
    QVERIFY(m_window->outagePanel()->action(OutageSettings::Mode::Down)->isChecked());
    QVERIFY(m_window->outagePanel()->endButton()->isEnabled());
    QVERIFY(m_window->windowTitle().contains(QStringLiteral("SIMULATED OUTAGE: down")));
    QVERIFY(!m_window->outagePanel()->latencyBox()->isEnabled()); // settings only where they apply
    QVERIFY(!m_window->outagePanel()->flapPeriodBox()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(
        m_window->statusHeader()->connectivityText(), QStringLiteral("SIMULATED OUTAGE: down"), 2000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_runtime->gateway()->bus()->isConnected(), 3000);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(hasRowWithStatus(500), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueBox()->text().startsWith(QLatin1String("3 pending")), 5000);
    // The first 500 explains itself; its failed rows say where they are kept.
    QVERIFY(m_window->explanationPanel()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->requests()
                                 ->model()
                                 ->index(0, RequestTableModel::StatusColumn)
                                 .data()
                                 .toString()
                                 .startsWith(QStringLiteral("500 failed · queued #")),
        3000);
    QVERIFY(m_window->statusHeader()->outcomesText().contains(QStringLiteral("answered 500: 3")));
    QVERIFY(m_window->statusHeader()->outcomesText().contains(QStringLiteral("still failed: 3")));
    auto *gotIt = m_window->explanationPanel()->findChild<QPushButton *>(QStringLiteral("dismissWhy500"));
    QVERIFY(gotIt);
    QTest::mouseClick(gotIt, Qt::LeftButton);
    QVERIFY(!m_window->explanationPanel()->isVisible());

    // Off again (the keyboard shortcut), replay all: the queue drains, the badge is green, and the
    // failed rows turn "recovered" with the stream sequence their replay got.
    QTest::keyClick(m_window.get(), Qt::Key_O, Qt::ControlModifier);
    QVERIFY(!m_window->outagePanel()->endButton()->isEnabled());
    QVERIFY(!m_window->windowTitle().contains(QStringLiteral("OUTAGE")));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueBox()->replayAllButton()->isEnabled(), 3000);
    QTest::mouseClick(m_window->failedQueueBox()->replayAllButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->failedQueueBox()->text().startsWith(QStringLiteral("0 pending · 3 replayed")), 10000);
    RequestTableModel *model = m_window->requests()->model();
    QTRY_VERIFY_WITH_TIMEOUT(model->index(0, RequestTableModel::StatusColumn)
                                 .data()
                                 .toString()
                                 .startsWith(QStringLiteral("500 → recovered (stream seq ")),
        3000);
    for (int row = 0; row < 3; ++row) {
        const std::optional<RequestTableModel::QueueLink> link = model->queueLink(row);
        QVERIFY(link);
        QCOMPARE(link->state, FailedEvent::State::Replayed);
        const std::optional<FailedEvent> event = m_runtime->failedEvents()->find(link->failedId);
        QVERIFY(event);
        QCOMPARE(QString::fromLatin1(event->key), model->record(row).key); // the row and its queue entry
        QCOMPARE(link->replaySeq, event->replaySeq);
        QVERIFY(model->index(row, RequestTableModel::StatusColumn)
                    .data()
                    .toString()
                    .endsWith(QStringLiteral("seq %1)").arg(event->replaySeq)));
    }
    QVERIFY(m_window->statusHeader()->outcomesText().contains(QStringLiteral("recovered: 3")));
    QVERIFY(m_window->statusHeader()->outcomesText().contains(QStringLiteral("still failed: 0")));

    // The link both ways: double-click the row, the queue shows its entry; double-click the entry,
    // the table selects its request.
    QTableView *table = m_window->requests()->table();
    Q_EMIT table->doubleClicked(table->model()->index(1, RequestTableModel::StatusColumn));
    FailedQueuePanel *panel = m_window->failedPanel();
    QTRY_VERIFY_WITH_TIMEOUT(panel->isVisible(), 2000);
    const QModelIndexList selected = panel->view()->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(panel->model()->event(selected.first().row()).id, model->queueLink(1)->failedId);
    table->clearSelection();
    Q_EMIT panel->view()->doubleClicked(selected.first());
    QCOMPARE(table->currentIndex().row(), 1);
    QVERIFY(m_window->detailView()->timelineText().contains(QStringLiteral("replayed: stored as stream seq")));
}

void TestMonitorWindow::detailFollowsSelectionAndResends()
{
    m_window->testSender()->countBox()->setValue(1);
    m_window->testSender()->keysBox()->setChecked(true);
    const int before = m_window->requests()->model()->rowCount();
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requests()->model()->rowCount(), before + 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requests()->model()->record(0).status, 200, 5000); // waiting until then
    const RequestRecord sent = m_window->requests()->model()->record(0);

    // Selecting the row shows it in the detail view.
    QTableView *table = m_window->requests()->table();
    table->selectionModel()->setCurrentIndex(
        table->model()->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    RequestDetailView *detail = m_window->detailView();
    QVERIFY(detail->hasRecord());
    QCOMPARE(detail->record().key, sent.key);
    QVERIFY(detail->bodyText().contains(QStringLiteral("\"source\": \"ackhook monitor\"")));
    QVERIFY(detail->timelineText().contains(QStringLiteral("→ acked")));

    // Resend: the same event again through the listener; JetStream recognises it.
    QVERIFY(detail->resendButton()->isEnabled());
    QTest::mouseClick(detail->resendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requests()->model()->rowCount(), before + 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requests()->model()->record(0).status, 200, 5000);
    const RequestRecord resent = m_window->requests()->model()->record(0);
    QCOMPARE(resent.key, sent.key);
    QCOMPARE(resent.status, 200);
    QVERIFY(resent.duplicate);
    QCOMPARE(resent.seq, sent.seq);
}

void TestMonitorWindow::failedQueuePanelActions()
{
    FailedQueuePanel *panel = m_window->failedPanel();
    QAbstractItemModelTester tester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 pendingBefore = m_runtime->failedEvents()->stats().pending;
    QVERIFY(TestSupport::setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Down));
    m_window->testSender()->countBox()->setValue(3);
    m_window->testSender()->rateBox()->setValue(1000);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, pendingBefore + 3, 5000);
    // The panel follows the store by itself: newest first, pending, with reason and attempts.
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowCount() >= 3
            && panel->model()->event(0).state == FailedEvent::State::Pending
            && panel->model()->event(2).state == FailedEvent::State::Pending,
        3000);
    QCOMPARE(panel->model()->index(0, FailedEventModel::ReasonColumn).data().toString().section(QLatin1Char(':'), 0, 0),
        QStringLiteral("disconnected"));
    QCOMPARE(panel->model()->event(0).attempts, 1);
    QVERIFY(TestSupport::setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));

    QTableView *view = panel->view();
    const qint64 discardId = panel->model()->event(0).id;
    const qint64 replayId = panel->model()->event(1).id;
    view->selectionModel()->select(
        view->model()->index(0, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QVERIFY(panel->discardButton()->isEnabled());
    // Discarding asks first: cancelled, nothing changes; confirmed, the event goes.
    int asked = 0;
    panel->confirmDiscard = [&asked](int count) {
        ++asked;
        return count == 1 && asked == 1 ? FailedQueuePanel::DiscardChoice::Cancel
                                        : FailedQueuePanel::DiscardChoice::Discard;
    };
    QTest::mouseClick(panel->discardButton(), Qt::LeftButton);
    QCOMPARE(asked, 1);
    QCOMPARE(m_runtime->failedEvents()->find(discardId)->state, FailedEvent::State::Pending);
    QTest::mouseClick(panel->discardButton(), Qt::LeftButton);
    QCOMPARE(asked, 2);
    panel->confirmDiscard = nullptr;
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->find(discardId)->state, FailedEvent::State::Discarded, 2000);

    view->selectionModel()->select(
        view->model()->index(1, 0), QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(panel->selectedIds(), QList<qint64> { replayId });
    QTRY_VERIFY_WITH_TIMEOUT(panel->replaySelectedButton()->isEnabled(), 2000);
    QTest::mouseClick(panel->replaySelectedButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->find(replayId)->state, FailedEvent::State::Replayed, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()
                                 ->index(1, FailedEventModel::StateColumn)
                                 .data()
                                 .toString()
                                 .startsWith(QStringLiteral("replayed (seq ")),
        3000);
    QCOMPARE(m_runtime->failedEvents()->find(replayId)->attempts, 2);
    QTRY_VERIFY_WITH_TIMEOUT(panel->countsText().contains(QStringLiteral("1 discarded")), 3000);

    // Export: the filter applies; JSON Lines has one line per event, the curl script is runnable text.
    panel->stateFilter()->setCurrentText(QStringLiteral("pending"));
    QTRY_VERIFY_WITH_TIMEOUT(panel->model()->rowCount() >= 1, 2000);
    for (int row = 0; row < panel->model()->rowCount(); ++row)
        QCOMPARE(panel->model()->event(row).state, FailedEvent::State::Pending);
    const QString jsonl = m_dir.filePath(QStringLiteral("pending.jsonl"));
    QString error;
    QVERIFY2(panel->exportTo(jsonl, FailedQueuePanel::ExportFormat::JsonLines, &error), qPrintable(error));
    QFile file(jsonl);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll().count('\n'), m_runtime->failedEvents()->stats().pending);
    const QString script = m_dir.filePath(QStringLiteral("resend.sh"));
    QVERIFY(panel->exportTo(script, FailedQueuePanel::ExportFormat::CurlScript, &error));
    QVERIFY(QFileInfo(script).isExecutable());
    QVERIFY(!panel->exportTo(
        m_dir.filePath(QStringLiteral("no/such/dir/x.jsonl")), FailedQueuePanel::ExportFormat::JsonLines, &error));
    QVERIFY(error.contains(QStringLiteral("cannot write")));
    panel->stateFilter()->setCurrentIndex(0);

    // Replay all from the panel drains what is left.
    QTRY_VERIFY_WITH_TIMEOUT(panel->replayAllButton()->isEnabled(), 3000);
    QTest::mouseClick(panel->replayAllButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 0, 10000);
}

void TestMonitorWindow::burstAtARate()
{
    const quint64 before = requestsCounted();
    m_window->testSender()->countBox()->setValue(20);
    m_window->testSender()->rateBox()->setValue(100);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    // Paced, not all at once: the burst is still running after the click returns.
    QVERIFY(m_window->testSender()->stopButton()->isEnabled());
    QVERIFY(requestsCounted() < before + 20);
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 20, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->testSender()->stopButton()->isEnabled(), 2000);

    // Stop ends a burst early: the first event went at once, no other follows.
    m_window->testSender()->countBox()->setValue(100000);
    m_window->testSender()->rateBox()->setValue(10);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTest::mouseClick(m_window->testSender()->stopButton(), Qt::LeftButton);
    QVERIFY(!m_window->testSender()->stopButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 21, 5000);
    // Nothing more arrives: three periods of the 10 /s rate. (A wait for an absence can only pass
    // wrongly on a stalled machine, never fail wrongly.)
    QTest::qWait(300);
    QCOMPARE(requestsCounted(), before + 21);
    m_window->testSender()->countBox()->setValue(1);
}

void TestMonitorWindow::pauseHoldsRowsButCountersRun()
{
    const int rows = m_window->requests()->model()->rowCount();
    const quint64 before = requestsCounted();
    // The window takes each batch of records in a slot connected before this one, on the same
    // thread: once this one has seen the four records, the window has had them too.
    int delivered = 0;
    const QMetaObject::Connection seen = connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this,
        [&delivered](const RequestRecordBatch &batch) { delivered += int(batch.size()); });
    m_window->requests()->pauseBox()->setChecked(true);
    m_window->testSender()->countBox()->setValue(4);
    m_window->testSender()->rateBox()->setValue(1000);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 4, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(delivered >= 4, 5000);
    disconnect(seen);
    QCOMPARE(m_window->requests()->model()->rowCount(), rows);
    m_window->requests()->pauseBox()->setChecked(false);
    QCOMPARE(m_window->requests()->model()->rowCount(), rows + 4);
}

void TestMonitorWindow::filtersCombineStatusAndText()
{
    RequestFilterProxy *filter = m_window->requests()->filter();
    const int all = filter->rowCount();
    QVERIFY(all > 0);
    m_window->requests()->statusFilter()->setCurrentText(QStringLiteral("5xx"));
    QVERIFY(filter->rowCount() > 0);
    for (int row = 0; row < filter->rowCount(); ++row)
        QCOMPARE(
            filter->index(row, RequestTableModel::StatusColumn).data(RequestTableModel::StatusClassRole).toString(),
            QStringLiteral("5xx"));
    m_window->requests()->textFilter()->setText(QStringLiteral("no-such-key"));
    QCOMPARE(filter->rowCount(), 0);
    m_window->requests()->textFilter()->setText(QStringLiteral("DISCONNECTED")); // case-insensitive, any column
    QVERIFY(filter->rowCount() > 0);
    m_window->requests()->statusFilter()->setCurrentText(QStringLiteral("2xx"));
    QCOMPARE(filter->rowCount(), 0);
    m_window->requests()->statusFilter()->setCurrentIndex(0);
    m_window->requests()->textFilter()->clear();
    QCOMPARE(filter->rowCount(), m_window->requests()->model()->rowCount());

    // Sorting by latency orders by the number, not the text; no sort column is arrival order.
    m_window->requests()->table()->sortByColumn(RequestTableModel::LatencyColumn, Qt::AscendingOrder);
    for (int row = 1; row < filter->rowCount(); ++row)
        QVERIFY(filter->index(row - 1, RequestTableModel::LatencyColumn).data(RequestTableModel::SortRole).toLongLong()
            <= filter->index(row, RequestTableModel::LatencyColumn).data(RequestTableModel::SortRole).toLongLong());
    m_window->requests()->table()->sortByColumn(-1, Qt::DescendingOrder);
    QCOMPARE(filter->index(0, RequestTableModel::KeyColumn).data(),
        m_window->requests()->model()->index(0, RequestTableModel::KeyColumn).data());
}

void TestMonitorWindow::rateChartShowsAnswers()
{
    RateHistoryModel *rates = m_window->rateModel();
    QAbstractItemModelTester tester(rates, QAbstractItemModelTester::FailureReportingMode::QtTest);
    int ok = 0;
    int failed = 0;
    for (int row = 0; row < rates->rowCount(); ++row) {
        ok += rates->index(row, RateHistoryModel::OkColumn).data().toInt();
        failed += rates->index(row, RateHistoryModel::FailedColumn).data().toInt();
    }
    const RequestCounters counters = m_runtime->gateway()->requestLog()->counters();
    QCOMPARE(quint64(ok), counters.ok); // every answer of this run is inside the 2-minute window
    QCOMPARE(quint64(failed), counters.failed);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->rateChart()->series(RateHistoryModel::OkColumn)->count() > 0, 2000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->rateChart()->series(RateHistoryModel::P99Column)->count() > 0, 2000);
}

void TestMonitorWindow::waitingRowsShowBeforeTheAnswer()
{
    // A blackhole holds the PubAck back for the ack timeout (1 s here): the row is there at once,
    // "waiting for PubAck", and the same row turns 500 when the timeout answers it.
    RequestTableModel *model = m_window->requests()->model();
    QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m_window->outagePanel()->action(OutageSettings::Mode::Blackhole)->trigger();
    QVERIFY(m_window->outagePanel()->blackholeSecondsBox()->isEnabled());
    QVERIFY(!m_window->outagePanel()->latencyBox()->isEnabled());
    const int before = model->rowCount();
    m_window->testSender()->countBox()->setValue(1);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), before + 1, 3000);
    QVERIFY2(model->record(0).isWaiting(),
        qPrintable(QStringLiteral("%1 %2").arg(model->record(0).status).arg(model->record(0).reason)));
    QVERIFY(model->index(0, RequestTableModel::StatusColumn)
                .data()
                .toString()
                .startsWith(QStringLiteral("waiting for PubAck")));
    const quint64 id = model->record(0).requestId;
    QSignalSpy inserted(model, &QAbstractItemModel::rowsInserted);
    QTRY_COMPARE_WITH_TIMEOUT(model->record(0).status, 500, 5000);
    QCOMPARE(model->rowCount(), before + 1); // answered in place, not a second row
    QCOMPARE(model->record(0).requestId, id);
    QCOMPARE(model->record(0).reason, QStringLiteral("timeout"));
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model->waitingCount(), 0);
    QTest::mouseClick(m_window->outagePanel()->endButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
}

void TestMonitorWindow::replayDuringAnOutageSaysWhy()
{
    FailedQueuePanel *panel = m_window->failedPanel();
    QVERIFY(TestSupport::setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Down));
    const qint64 pendingBefore = m_runtime->failedEvents()->stats().pending;
    m_window->testSender()->countBox()->setValue(2);
    m_window->testSender()->rateBox()->setValue(1000);
    QTest::mouseClick(m_window->testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, pendingBefore + 2, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->replayAllButton()->isEnabled(), 3000);
    QTest::mouseClick(panel->replayAllButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!panel->noticeText().isEmpty(), 5000);
    QVERIFY2(panel->noticeText().contains(QStringLiteral("not confirmed by NATS")), qPrintable(panel->noticeText()));
    QVERIFY(panel->noticeText().contains(QStringLiteral("simulated outage \"down\" is still on")));
    QVERIFY(panel->noticeText().contains(QStringLiteral("stay pending")));
    QCOMPARE(m_runtime->failedEvents()->stats().pending, pendingBefore + 2); // kept, not dropped
    QVERIFY(TestSupport::setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));
    QTRY_VERIFY_WITH_TIMEOUT(panel->replayAllButton()->isEnabled(), 3000);
    QTest::mouseClick(panel->replayAllButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 0, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(panel->noticeText().isEmpty(), 3000);
}

// Item 3 of #26. A silent broker: the header's RTT says how long no PONG came instead of the last
// value. Then an ack-loss outage: JetStream stores the event, the PubAck is lost, the sender gets
// 500; the replay finds it stored already. Row, Duplicate column, queue row and timeline say the
// same: stored anyway, the sender's retry will be a duplicate.
void TestMonitorWindow::storedAnywayReadsTheSameEverywhere()
{
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->statusHeader()->natsDetailsText().contains(QRegularExpression(QStringLiteral("RTT \\d+\\.\\d+ ms"))),
        5000);
    m_window->outagePanel()->action(OutageSettings::Mode::Blackhole)->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->statusHeader()->natsDetailsText().contains(QStringLiteral("RTT no PONG for ")), 10000);
    QVERIFY(TestSupport::setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off, 15000));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 15000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->statusHeader()->natsDetailsText().contains(QStringLiteral("no PONG")), 5000);

    m_window->outagePanel()->action(OutageSettings::Mode::AckLoss)->trigger();
    QCOMPARE(m_runtime->faultProxy()->mode(), OutageSettings::Mode::AckLoss);
    const QByteArray key = TestSupport::uniqueKey();
    const auto reply = TestSupport::request(
        m_runtime->webhookPort(), "POST", "/webhook", "{\"stored\":\"anyway\"}", { { "Idempotency-Key", key } });
    QVERIFY(reply);
    QCOMPARE(reply->status, 500);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->requests()->model()->newestRowWithKey(QString::fromLatin1(key)) >= 0, 5000);
    QTest::mouseClick(m_window->outagePanel()->endButton(), Qt::LeftButton);
    QCOMPARE(m_runtime->faultProxy()->mode(), OutageSettings::Mode::Off);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueBox()->replayAllButton()->isEnabled(), 5000);
    QTest::mouseClick(m_window->failedQueueBox()->replayAllButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->failedEvents()->stats().pending, 0, 10000);
    std::optional<FailedEvent> event;
    for (const FailedEvent &e : m_runtime->failedEvents()->list(std::nullopt, 20)) {
        if (e.key == key)
            event = e;
    }
    QVERIFY(event);
    QCOMPARE(event->state, FailedEvent::State::Replayed);
    QVERIFY(event->replayDuplicate); // JetStream had it: only the PubAck was lost
    QVERIFY(event->replaySeq > 0);

    const QString words = QStringLiteral("stored anyway (seq %1): the sender's retry will be a duplicate").arg(event->replaySeq);
    RequestTableModel *model = m_window->requests()->model();
    QTRY_COMPARE_WITH_TIMEOUT(model->index(model->newestRowWithKey(QString::fromLatin1(key)), RequestTableModel::StatusColumn)
                                  .data()
                                  .toString(),
        QStringLiteral("500 · ") + words, 3000);
    const int row = model->newestRowWithKey(QString::fromLatin1(key));
    QCOMPARE(model->index(row, RequestTableModel::DuplicateColumn).data().toString(),
        QStringLiteral("duplicate"));
    // The queue row: the same words.
    FailedQueuePanel *panel = m_window->failedPanel();
    QVERIFY(panel->selectEvent(event->id));
    const QModelIndexList selected = panel->view()->selectionModel()->selectedRows();
    QCOMPARE(selected.size(), 1);
    QCOMPARE(panel->model()->index(selected.first().row(), FailedEventModel::StateColumn).data().toString(), words);
    // The detail timeline: the same words.
    QTableView *table = m_window->requests()->table();
    table->selectionModel()->setCurrentIndex(m_window->requests()->filter()->mapFromSource(model->index(row, 0)),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    QCOMPARE(m_window->detailView()->record().key, QString::fromLatin1(key));
    QVERIFY2(m_window->detailView()->timelineText().endsWith(words), qPrintable(m_window->detailView()->timelineText()));
}

void TestMonitorWindow::countersMatchTheAdminApi()
{
    // The header's figures are the ones /api/status reports (the header refreshes 4 times a second).
    const std::optional<TestSupport::HttpReply> reply
        = TestSupport::request(m_runtime->adminPort(), "GET", "/api/status", {});
    QVERIFY(reply);
    const QJsonObject status = QJsonDocument::fromJson(reply->body).object();
    const QJsonObject counters = status.value(QStringLiteral("counters")).toObject();
    const QJsonObject queue = status.value(QStringLiteral("failed_queue")).toObject();
    const auto figure = [this](const QString &name) {
        const QRegularExpression re(QRegularExpression::escape(name) + QStringLiteral(": (\\d+)"));
        return re.match(m_window->statusHeader()->outcomesText()).captured(1).toLongLong();
    };
    // 200s apart from 202s (taken without a PubAck): /api/status counts both in ok, and 202s in accepted.
    QTRY_COMPARE(figure(QStringLiteral("answered 200")),
        counters.value(QStringLiteral("ok")).toInteger() - counters.value(QStringLiteral("accepted")).toInteger());
    QTRY_COMPARE(figure(QStringLiteral("answered 202")), counters.value(QStringLiteral("accepted")).toInteger());
    QTRY_COMPARE(figure(QStringLiteral("answered 500")), counters.value(QStringLiteral("failed")).toInteger());
    QTRY_COMPARE(figure(QStringLiteral("recovered")), queue.value(QStringLiteral("replayed")).toInteger());
    QTRY_COMPARE(figure(QStringLiteral("still failed")),
        queue.value(QStringLiteral("pending")).toInteger() + queue.value(QStringLiteral("unrecorded")).toInteger());
    // Every 200 so far read back from the stream, and each holds its event.
    QTRY_COMPARE(m_runtime->status().audit.value_or(StreamAudit::Figures {}).checked,
        quint64(counters.value(QStringLiteral("ok")).toInteger()));
    QCOMPARE(figure(QStringLiteral("answered 200 but not in the stream")), 0);
}

void TestMonitorWindow::nothingClippedOnSmallScreens_data()
{
    QTest::addColumn<QSize>("size");
    QTest::addRow("laptop 1366x768") << QSize(1366, 768 - 60); // minus a panel and a title bar
    QTest::addRow("small 1024x640") << QSize(1024, 640);
}

void TestMonitorWindow::nothingClippedOnSmallScreens()
{
    QFETCH(QSize, size);
    const QSize original = m_window->size();
    m_window->explanationPanel()->show(); // the tallest state of the window
    m_window->outagePanel()->action(OutageSettings::Mode::Blackhole)->trigger(); // the longest texts
    m_window->resize(size);
    QTRY_COMPARE(m_window->size(), size); // the layout's minimum fits
    QTRY_COMPARE(
        m_window->statusHeader()->connectivityText(), QStringLiteral("SIMULATED OUTAGE: blackhole")); // refreshed
    QStringList clipped;
    const QList<QWidget *> widgets = m_window->findChildren<QWidget *>();
    for (QWidget *w : widgets) {
        if (!w->isVisible() || w->window() != m_window.get())
            continue;
        const QString name = QStringLiteral("%1 \"%2\" %3 < %4");
        if (auto *elided = qobject_cast<ElidedLabel *>(w)) { // cut, but readable whole in its tooltip
            if (elided->isElided() && !elided->toolTip().contains(elided->fullText()))
                clipped.append(name.arg(QLatin1String("ElidedLabel"), elided->fullText()).arg(0).arg(0));
            continue;
        }
        if (auto *label = qobject_cast<QLabel *>(w)) {
            if (label->wordWrap() || label->text().isEmpty())
                continue;
            const int needed = label->textFormat() == Qt::PlainText || !Qt::mightBeRichText(label->text())
                ? label->fontMetrics().horizontalAdvance(label->text())
                : label->sizeHint().width() - 2 * label->margin();
            if (needed > label->contentsRect().width())
                clipped.append(
                    name.arg(QLatin1String("QLabel"), label->text()).arg(label->contentsRect().width()).arg(needed));
            continue;
        }
        if (auto *button = qobject_cast<QAbstractButton *>(w)) {
            if (button->text().isEmpty() || qobject_cast<QTabBar *>(button->parentWidget()))
                continue;
            const int needed = button->fontMetrics().horizontalAdvance(button->text().remove(QLatin1Char('&')));
            if (needed > button->width() || button->sizeHint().width() > button->width())
                clipped.append(name.arg(QLatin1String("button"), button->text()).arg(button->width()).arg(needed));
            continue;
        }
        if (qobject_cast<QAbstractSpinBox *>(w) || qobject_cast<QComboBox *>(w)) {
            if (w->sizeHint().width() > w->width())
                clipped.append(name.arg(QLatin1String(w->metaObject()->className()), w->objectName())
                                   .arg(w->width())
                                   .arg(w->sizeHint().width()));
        }
    }
    m_window->outagePanel()->action(OutageSettings::Mode::Blackhole)->setChecked(false);
    m_window->outagePanel()->endButton()->click();
    m_window->explanationPanel()->hide();
    m_window->resize(original);
    QVERIFY2(clipped.isEmpty(), qPrintable(clipped.join(QLatin1Char('\n'))));
}

void TestMonitorWindow::helpListsTheShortcuts()
{
    const QString text = m_window->shortcutsText();
    for (const char *expected : { "Ctrl+O", "Ctrl+T", "Ctrl+R", "Ctrl+P", "Ctrl+F" })
        QVERIFY2(text.contains(QLatin1String(expected)), expected);
    const quint64 before = requestsCounted();
    m_window->testSender()->countBox()->setValue(1);
    QTest::keyClick(m_window.get(), Qt::Key_T, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 1, 5000);
}

// Help > Guided tour: the ring sits around the control of each step (which stays clickable through
// it), the bubble beside it; each step moves on when its action really happened, in the demo's order.
void TestMonitorWindow::guidedTourFollowsTheDemo()
{
    GuidedTour *tour = m_window->tour();
    auto *start = m_window->findChild<QAction *>(QStringLiteral("guidedTourAction"));
    QVERIFY(start);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QSignalSpy finished(tour, &GuidedTour::finished);
    QPushButton *send = m_window->testSender()->sendButton();
    const auto shows = [&](QWidget *target) -> QString {
        const QRect control(target->mapTo(m_window.get(), QPoint(0, 0)), target->size());
        const QString why = QStringLiteral("step %1: %2").arg(tour->currentStep()).arg(tour->currentText());
        if (tour->currentTarget() != target || !tour->ring()->isVisible() || !tour->bubble()->isVisible())
            return why + QStringLiteral(" (another control, or hidden)");
        if (!tour->ring()->geometry().contains(control))
            return why + QStringLiteral(" (the ring does not surround the control)");
        if (tour->bubble()->geometry().intersects(control))
            return why + QStringLiteral(" (the bubble covers the control)");
        if (m_window->childAt(control.center()) != target)
            return why + QStringLiteral(" (the control is not clickable through the ring)");
        // One sentence: a full stop only at its end.
        if (tour->currentText().count(QLatin1String(". ")) != 0 || !tour->currentText().contains(QLatin1Char('.')))
            return why + QStringLiteral(" (not one sentence)");
        return QString();
    };

    start->trigger();
    QCOMPARE(tour->stepCount(), 5);
    QCOMPARE(tour->currentStep(), 0);
    QVERIFY2(shows(send).isEmpty(), qPrintable(shows(send)));
    m_window->testSender()->countBox()->setValue(1);
    const quint64 okBefore = m_runtime->gateway()->requestLog()->counters().ok;
    QTest::mouseClick(send, Qt::LeftButton);
    QCOMPARE(tour->currentStep(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_runtime->gateway()->requestLog()->counters().ok, okBefore + 1, 5000); // its 200

    QPushButton *simulate = m_window->outagePanel()->simulateButton();
    QVERIFY2(shows(simulate).isEmpty(), qPrintable(shows(simulate)));
    m_window->outagePanel()->action(OutageSettings::Mode::Down)->trigger(); // what the button's menu holds
    QCOMPARE(tour->currentStep(), 2);
    QVERIFY2(shows(send).isEmpty(), qPrintable(shows(send)));
    QTRY_VERIFY_WITH_TIMEOUT(!m_runtime->gateway()->bus()->isConnected(), 3000);
    QTest::mouseClick(send, Qt::LeftButton);
    QCOMPARE(tour->currentStep(), 3);
    QTRY_VERIFY2_WITH_TIMEOUT(m_window->failedQueueBox()->text().startsWith(QLatin1String("1 pending")),
        qPrintable(m_window->failedQueueBox()->text()), 5000); // the 500, queued

    QPushButton *end = m_window->outagePanel()->endButton();
    QVERIFY2(shows(end).isEmpty(), qPrintable(shows(end)));
    QTest::mouseClick(end, Qt::LeftButton);
    QCOMPARE(tour->currentStep(), 4);
    QPushButton *replay = m_window->failedQueueBox()->replayAllButton();
    QVERIFY2(shows(replay).isEmpty(), qPrintable(shows(replay)));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->statusHeader()->connectivityText(), QStringLiteral("NATS connected"), 5000);
    QTRY_VERIFY2_WITH_TIMEOUT(replay->isEnabled(), qPrintable(m_window->failedQueueBox()->text()), 3000);
    QTest::mouseClick(replay, Qt::LeftButton);
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().toBool(), true);
    QVERIFY(!tour->isRunning());
    QVERIFY(!tour->ring()->isVisible());
    QVERIFY(!tour->bubble()->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(m_window->failedQueueBox()->text().startsWith(QLatin1String("0 pending")), 10000);

    // Ended early: "End tour" hides it and says so; a state reported again does not move it on.
    start->trigger();
    QCOMPARE(tour->currentStep(), 0);
    tour->stepDone(3); // e.g. the outage panel reporting "off" again: not the awaited step
    QCOMPARE(tour->currentStep(), 0);
    auto *endTour = tour->bubble()->findChild<QPushButton *>(QStringLiteral("tourEnd"));
    QVERIFY(endTour);
    QTest::mouseClick(endTour, Qt::LeftButton);
    QCOMPARE(finished.size(), 2);
    QCOMPARE(finished.last().first().toBool(), false);
    QVERIFY(!tour->bubble()->isVisible());
}

void TestMonitorWindow::layoutIsKeptBetweenRuns()
{
    auto *splitter = m_window->findChild<QSplitter *>(QStringLiteral("mainSplitter"));
    QVERIFY(splitter);
    splitter->setSizes({ 300, 200 });
    const QList<int> sizes = splitter->sizes();
    m_window->requests()->statusFilter()->setCurrentText(QStringLiteral("4xx"));
    m_window->requests()->textFilter()->setText(QStringLiteral("order"));
    m_window.reset(); // saves
    m_window = std::make_unique<MonitorWindow>(m_runtime.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QCOMPARE(m_window->findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
    QCOMPARE(m_window->requests()->statusFilter()->currentText(), QStringLiteral("4xx"));
    QCOMPARE(m_window->requests()->textFilter()->text(), QStringLiteral("order"));
}

void TestMonitorWindow::testEventsCarryCredentialsWhenRequired()
{
    // A listener that requires a token and a signature: the window's own events and resends pass.
    QTemporaryDir dir;
    RuntimeConfig config;
    config.gateway.auth.bearerToken = "window-token";
    config.gateway.auth.hmacSecret = "window-secret";
    QString error;
    std::unique_ptr<Runtime> runtime
        = TestSupport::startRuntime(config, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->gateway()->bus()->isStreamReady(), 10000);
    MonitorWindow window(runtime.get());
    window.testSender()->countBox()->setValue(1);
    QTest::mouseClick(window.testSender()->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(window.requests()->model()->rowCount(), 1, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.requests()->model()->record(0).status, 200, 5000);
    window.resend(window.requests()->model()->record(0));
    QTRY_COMPARE_WITH_TIMEOUT(window.requests()->model()->rowCount(), 2, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(window.requests()->model()->record(0).status, 200, 5000);
    QVERIFY(window.requests()->model()->record(0).duplicate);
    // A caller without them is refused, so the check is really on.
    QCOMPARE(TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}")
                 .value_or(TestSupport::HttpReply {})
                 .status,
        401);
}

void TestMonitorWindow::windowOutlivesItsRuntime()
{
    // ackhook stopping (SIGTERM, or a test's shutdown) frees the failed-event store and the replayer
    // while the window still shows; its reload timers fired into the freed store (a crash seen in
    // tst_labwindow under load). The window must let go of them: reloads and actions do nothing.
    QTemporaryDir dir;
    QString error;
    auto runtime = TestSupport::startRuntime({}, dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(runtime, qPrintable(error));
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    FailedQueuePanel *panel = window.failedPanel();
    QVERIFY(panel);
    panel->reload();
    runtime->shutdownAndWait();
    QVERIFY(!runtime->failedEvents());
    panel->reload(); // read the freed store before the fix
    QString why;
    QVERIFY(!panel->exportTo(dir.filePath(QStringLiteral("after-stop.jsonl")), FailedQueuePanel::ExportFormat::JsonLines, &why));
    QVERIFY2(why.contains(QLatin1String("stopped")), qPrintable(why));
    QCoreApplication::processEvents(); // the window's own reload timers, if any are due
    window.close();
}

ACKHOOK_TEST_MAIN_ON_A_LAPTOP(TestMonitorWindow)
#include "tst_monitorwindow.moc"
