// The monitor window end to end, offscreen: real Runtime, events sent with the window's own
// button through the HTTP listener, the outage switch, the failed queue and replay, the detail
// view, the chart, pause, filters and the settings kept between runs.
#include "failedeventmodel.h"
#include "failedqueuepanel.h"
#include "monitorwindow.h"
#include "ratechartview.h"
#include "ratehistorymodel.h"
#include "requestdetailview.h"
#include "requestfilterproxy.h"
#include "requesttablemodel.h"
#include "runtime.h"
#include "testsupport.h"

#include "store/failedeventstore.h"
#include "outage/faultproxy.h"
#include "gateway.h"
#include "nats/natsbus.h"
#include "webhook/requestlog.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

class TestMonitorWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void greenOutageAndRecovery();
    void detailFollowsSelectionAndResends();
    void failedQueuePanelActions();
    void burstAtARate();
    void pauseHoldsRowsButCountersRun();
    void filtersCombineStatusAndText();
    void rateChartShowsAnswers();
    void layoutIsKeptBetweenRuns();
    void testEventsCarryCredentialsWhenRequired();

private:
    bool hasRowWithStatus(int status) const
    {
        for (int row = 0; row < m_window->requestModel()->rowCount(); ++row) {
            if (m_window->requestModel()->record(row).status == status)
                return true;
        }
        return false;
    }

    int rowsWithKeyPrefix(const QString &prefix) const
    {
        int n = 0;
        for (int row = 0; row < m_window->requestModel()->rowCount(); ++row)
            n += m_window->requestModel()->record(row).key.startsWith(prefix);
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

void TestMonitorWindow::detailFollowsSelectionAndResends()
{
    m_window->sendCount()->setValue(1);
    m_window->withKeysBox()->setChecked(true);
    const int before = m_window->requestModel()->rowCount();
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requestModel()->rowCount(), before + 1, 5000);
    const RequestRecord sent = m_window->requestModel()->record(0);
    QCOMPARE(sent.status, 200);

    // Selecting the row shows it in the detail view.
    QTableView *table = m_window->requestTable();
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
    QTRY_COMPARE_WITH_TIMEOUT(m_window->requestModel()->rowCount(), before + 2, 5000);
    const RequestRecord resent = m_window->requestModel()->record(0);
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
    m_window->sendCount()->setValue(3);
    m_window->sendRate()->setValue(1000);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
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
    QTest::mouseClick(panel->discardButton(), Qt::LeftButton);
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
    m_window->sendCount()->setValue(20);
    m_window->sendRate()->setValue(100);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    // Paced, not all at once: the burst is still running after the click returns.
    QVERIFY(m_window->sendStopButton()->isEnabled());
    QVERIFY(requestsCounted() < before + 20);
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 20, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(!m_window->sendStopButton()->isEnabled(), 2000);

    // Stop ends a burst early: the first event went at once, no other follows.
    m_window->sendCount()->setValue(100000);
    m_window->sendRate()->setValue(10);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    QTest::mouseClick(m_window->sendStopButton(), Qt::LeftButton);
    QVERIFY(!m_window->sendStopButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 21, 5000);
    // Nothing more arrives: three periods of the 10 /s rate. (A wait for an absence can only pass
    // wrongly on a stalled machine, never fail wrongly.)
    QTest::qWait(300);
    QCOMPARE(requestsCounted(), before + 21);
    m_window->sendCount()->setValue(1);
}

void TestMonitorWindow::pauseHoldsRowsButCountersRun()
{
    const int rows = m_window->requestModel()->rowCount();
    const quint64 before = requestsCounted();
    // The window takes each batch of records in a slot connected before this one, on the same
    // thread: once this one has seen the four records, the window has had them too.
    int delivered = 0;
    const QMetaObject::Connection seen = connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this,
        [&delivered](const RequestRecordBatch &batch) { delivered += int(batch.size()); });
    m_window->pauseBox()->setChecked(true);
    m_window->sendCount()->setValue(4);
    m_window->sendRate()->setValue(1000);
    QTest::mouseClick(m_window->sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(requestsCounted(), before + 4, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(delivered >= 4, 5000);
    disconnect(seen);
    QCOMPARE(m_window->requestModel()->rowCount(), rows);
    m_window->pauseBox()->setChecked(false);
    QCOMPARE(m_window->requestModel()->rowCount(), rows + 4);
}

void TestMonitorWindow::filtersCombineStatusAndText()
{
    RequestFilterProxy *filter = m_window->requestFilter();
    const int all = filter->rowCount();
    QVERIFY(all > 0);
    m_window->statusFilter()->setCurrentText(QStringLiteral("5xx"));
    QVERIFY(filter->rowCount() > 0);
    for (int row = 0; row < filter->rowCount(); ++row)
        QCOMPARE(
            filter->index(row, RequestTableModel::StatusColumn).data(RequestTableModel::StatusClassRole).toString(),
            QStringLiteral("5xx"));
    m_window->textFilter()->setText(QStringLiteral("no-such-key"));
    QCOMPARE(filter->rowCount(), 0);
    m_window->textFilter()->setText(QStringLiteral("DISCONNECTED")); // case-insensitive, any column
    QVERIFY(filter->rowCount() > 0);
    m_window->statusFilter()->setCurrentText(QStringLiteral("2xx"));
    QCOMPARE(filter->rowCount(), 0);
    m_window->statusFilter()->setCurrentIndex(0);
    m_window->textFilter()->clear();
    QCOMPARE(filter->rowCount(), m_window->requestModel()->rowCount());

    // Sorting by latency orders by the number, not the text; no sort column is arrival order.
    m_window->requestTable()->sortByColumn(RequestTableModel::LatencyColumn, Qt::AscendingOrder);
    for (int row = 1; row < filter->rowCount(); ++row)
        QVERIFY(filter->index(row - 1, RequestTableModel::LatencyColumn).data(RequestTableModel::SortRole).toLongLong()
            <= filter->index(row, RequestTableModel::LatencyColumn).data(RequestTableModel::SortRole).toLongLong());
    m_window->requestTable()->sortByColumn(-1, Qt::DescendingOrder);
    QCOMPARE(filter->index(0, RequestTableModel::KeyColumn).data(),
        m_window->requestModel()->index(0, RequestTableModel::KeyColumn).data());
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

void TestMonitorWindow::layoutIsKeptBetweenRuns()
{
    auto *splitter = m_window->findChild<QSplitter *>(QStringLiteral("mainSplitter"));
    QVERIFY(splitter);
    splitter->setSizes({ 300, 200 });
    const QList<int> sizes = splitter->sizes();
    m_window->statusFilter()->setCurrentText(QStringLiteral("4xx"));
    m_window->textFilter()->setText(QStringLiteral("order"));
    m_window.reset(); // saves
    m_window = std::make_unique<MonitorWindow>(m_runtime.get());
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QCOMPARE(m_window->findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
    QCOMPARE(m_window->statusFilter()->currentText(), QStringLiteral("4xx"));
    QCOMPARE(m_window->textFilter()->text(), QStringLiteral("order"));
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
    window.sendCount()->setValue(1);
    QTest::mouseClick(window.sendButton(), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(window.requestModel()->rowCount(), 1, 5000);
    QCOMPARE(window.requestModel()->record(0).status, 200);
    window.resend(window.requestModel()->record(0));
    QTRY_COMPARE_WITH_TIMEOUT(window.requestModel()->rowCount(), 2, 5000);
    QCOMPARE(window.requestModel()->record(0).status, 200);
    QVERIFY(window.requestModel()->record(0).duplicate);
    // A caller without them is refused, so the check is really on.
    QCOMPARE(TestSupport::request(runtime->webhookPort(), "POST", "/webhook", "{}")
                 .value_or(TestSupport::HttpReply {})
                 .status,
        401);
}

QTEST_MAIN(TestMonitorWindow)
#include "tst_monitorwindow.moc"
