// The window's stream tab: what a consumer of the stream receives (sequence, subject, headers, body),
// filtered by subject, and the way from a request to the message it stored and back. A real runtime
// with its embedded nats-server, real HTTP over loopback.
#include "monitorwindow.h"
#include "nats/streampeek.h"
#include "runtime.h"
#include "streambrowser.h"
#include "testsupport.h"

#include <QAction>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "requestfilterproxy.h"
#include "requesttablemodel.h"

class TestStreamBrowser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void subjectMatches_data();
    void subjectMatches();
    void bodyText();
    void browseFilterAndLink();
};

void TestStreamBrowser::subjectMatches_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("matches");
    QTest::addRow("empty filter") << QByteArray() << QByteArray("ackhook.webhook") << true;
    QTest::addRow("literal") << QByteArray("ackhook.webhook") << QByteArray("ackhook.webhook") << true;
    QTest::addRow("literal, other") << QByteArray("ackhook.webhook") << QByteArray("ackhook.github") << false;
    QTest::addRow("star") << QByteArray("ackhook.*.push") << QByteArray("ackhook.github.push") << true;
    QTest::addRow("star is one token") << QByteArray("ackhook.*") << QByteArray("ackhook.github.push") << false;
    QTest::addRow("tail") << QByteArray("ackhook.>") << QByteArray("ackhook.github.push") << true;
    QTest::addRow("tail needs a token") << QByteArray("ackhook.>") << QByteArray("ackhook") << false;
    QTest::addRow("longer filter") << QByteArray("ackhook.github.push") << QByteArray("ackhook.github") << false;
    QTest::addRow("prefix is not a token") << QByteArray("ack.>") << QByteArray("ackhook.webhook") << false;
}

void TestStreamBrowser::subjectMatches()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, subject);
    QFETCH(bool, matches);
    QCOMPARE(StreamPeek::subjectMatches(filter, subject), matches);
}

void TestStreamBrowser::bodyText()
{
    QCOMPARE(StreamBrowser::bodyText("{\"a\":\"é\"}\n"), QString::fromUtf8("{\"a\":\"é\"}\n"));
    const QString dump = StreamBrowser::bodyText(QByteArray("\x00\x01hello\xff", 8));
    QVERIFY2(dump.startsWith(QLatin1String("00000000  00 01 68 65 6c 6c 6f ff")), qPrintable(dump));
    QVERIFY2(dump.trimmed().endsWith(QLatin1String("..hello.")), qPrintable(dump));
    const QString twoLines = StreamBrowser::bodyText(QByteArray(20, '\x02'));
    QVERIFY2(twoLines.contains(QLatin1String("\n00000010  02 02 02 02")), qPrintable(twoLines));
}

void TestStreamBrowser::browseFilterAndLink()
{
    QTemporaryDir dir;
    QString error;
    auto runtime = TestSupport::startRuntime({}, dir.path(), std::chrono::milliseconds(2000), &error);
    QVERIFY2(runtime, qPrintable(error));
    MonitorWindow window(runtime.get());
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY_WITH_TIMEOUT(runtime->status().notReady().isEmpty(), 10000);
    const QList<QByteArray> keys { TestSupport::uniqueKey(), TestSupport::uniqueKey(), TestSupport::uniqueKey() };
    for (int i = 0; i < keys.size(); ++i) {
        const auto reply = TestSupport::request(runtime->webhookPort(), "POST", "/webhook",
            "{\"order\":" + QByteArray::number(i) + "}", { { "Idempotency-Key", keys[i] } });
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
    }

    auto *tabs = window.findChild<QTabWidget *>();
    auto *browser = window.findChild<StreamBrowser *>(QStringLiteral("streamBrowser"));
    QVERIFY(tabs && browser);
    tabs->setCurrentWidget(browser); // a look at the tab reads the stream (unless the window
    browser->findChild<QPushButton *>(QStringLiteral("streamRefresh"))->click(); // opened on it)
    QTRY_COMPARE_WITH_TIMEOUT(browser->table()->model()->rowCount(), 3, 10000);
    QVERIFY2(browser->statusText().contains(QStringLiteral("sequences 1–3")), qPrintable(browser->statusText()));
    // Newest first, and the newest selected: its headers and body as a consumer receives them.
    QCOMPARE(browser->table()->model()->index(0, StreamBrowser::SeqColumn).data().toString(), QStringLiteral("3"));
    QCOMPARE(browser->table()->model()->index(0, StreamBrowser::SubjectColumn).data().toString(),
        QStringLiteral("ackhook.webhook"));
    const QString detail = browser->detailText();
    QVERIFY2(detail.contains(QStringLiteral("Nats-Msg-Id: /webhook ") + QString::fromUtf8(keys[2])), qPrintable(detail));
    QVERIFY2(detail.contains(QLatin1String("{\"order\":2}")), qPrintable(detail));

    // A filter that matches nothing, then one that matches.
    auto *filter = browser->findChild<QLineEdit *>(QStringLiteral("streamSubjectFilter"));
    auto *refresh = browser->findChild<QPushButton *>(QStringLiteral("streamRefresh"));
    QVERIFY(filter && refresh);
    filter->setText(QStringLiteral("ackhook.github.>"));
    refresh->click();
    QTRY_COMPARE_WITH_TIMEOUT(browser->table()->model()->rowCount(), 0, 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(browser->statusText().startsWith(QLatin1String("No message on ackhook.github.>")),
        qPrintable(browser->statusText()), 10000);
    filter->setText(QStringLiteral("ackhook.*"));
    refresh->click();
    QTRY_COMPARE_WITH_TIMEOUT(browser->table()->model()->rowCount(), 3, 10000);

    // From the first request to its message (the table's context action), and back.
    auto *requests = window.findChild<QTableView *>(QStringLiteral("requests"));
    QVERIFY(requests);
    QTRY_COMPARE_WITH_TIMEOUT(requests->model()->rowCount(), 3, 10000);
    auto *proxy = qobject_cast<RequestFilterProxy *>(requests->model());
    auto *model = qobject_cast<RequestTableModel *>(proxy ? proxy->sourceModel() : nullptr);
    QVERIFY(proxy && model);
    int first = -1;
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->record(row).key == QString::fromUtf8(keys[0]))
            first = row;
    }
    QVERIFY(first >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(model->record(first).seq == 1, 5000);
    requests->setCurrentIndex(proxy->mapFromSource(model->index(first, 0)));
    auto *showInStream = window.findChild<QAction *>(QStringLiteral("showInStream"));
    QVERIFY(showInStream);
    showInStream->trigger();
    QCOMPARE(tabs->currentWidget(), browser);
    QTRY_COMPARE_WITH_TIMEOUT(
        browser->table()->currentIndex().siblingAtColumn(StreamBrowser::SeqColumn).data().toString(), QStringLiteral("1"),
        10000);
    QVERIFY2(browser->detailText().contains(QLatin1String("{\"order\":0}")), qPrintable(browser->detailText()));

    requests->setCurrentIndex(QModelIndex());
    auto *showRequest = browser->findChild<QPushButton *>(QStringLiteral("streamShowRequest"));
    QVERIFY(showRequest && showRequest->isEnabled());
    showRequest->click();
    const QModelIndex current = proxy->mapToSource(requests->currentIndex());
    QVERIFY(current.isValid());
    QCOMPARE(model->record(current.row()).key, QString::fromUtf8(keys[0]));

    window.close();
    runtime->shutdownAndWait();
}

QTEST_MAIN(TestStreamBrowser)
#include "tst_streambrowser.moc"
