// RequestDetailView with records made by the real listener: secrets masked, bodies readable, the
// dispatch timeline, and "copy as curl" run with sh against the real ackhook.
#include "requestdetailview.h"

#include "nats/embeddednats.h"
#include "outage/faultproxy.h"
#include "gateway.h"
#include "nats/natsbus.h"
#include "runtime.h"
#include "testsupport.h"

#include <QApplication>
#include <QClipboard>
#include <QJsonDocument>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace TestSupport;

class TestRequestDetailView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void secretsMaskedAndJsonPretty();
    void curlCommandResendsTheSameEvent_data();
    void curlCommandResendsTheSameEvent();
    void binaryBodyAsHexDump();
    void cutBodyCannotBeResent();

private:
    // Sends through the real listener and returns the record the monitor received for it.
    RequestRecord sendAndRecord(const QByteArray &body, const HeaderList &headers, int expectedStatus);
    QByteArray baseUrl() const { return "http://127.0.0.1:" + QByteArray::number(m_runtime->webhookPort()); }

    QTemporaryDir m_dir;
    std::unique_ptr<Runtime> m_runtime;
    RequestRecordBatch m_records;
};

void TestRequestDetailView::initTestCase()
{
    QString error;
    m_runtime = startRuntime({}, m_dir.path(), std::chrono::milliseconds(1000), &error);
    QVERIFY2(m_runtime, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_runtime->gateway()->bus()->isStreamReady(), 10000);
    connect(m_runtime->gatewayHost(), &GatewayHost::recordsReady, this,
        [this](const RequestRecordBatch &batch) { m_records += batch; });
}

void TestRequestDetailView::cleanupTestCase()
{
    m_runtime.reset();
}

RequestRecord TestRequestDetailView::sendAndRecord(
    const QByteArray &body, const HeaderList &headers, int expectedStatus)
{
    const QByteArray key = headerValue(headers, "Idempotency-Key");
    const std::optional<HttpReply> reply
        = request(m_runtime->webhookPort(), "POST", "/webhook?source=test", body, headers);
    if (!reply || reply->status != expectedStatus) {
        qWarning() << "unexpected answer" << (reply ? reply->status : 0) << (reply ? reply->body : QByteArray());
        return {};
    }
    const auto find = [&]() -> const RequestRecord * {
        for (const RequestRecord &r : std::as_const(m_records)) {
            if (r.key.toLatin1() == key)
                return &r;
        }
        return nullptr;
    };
    if (!QTest::qWaitFor([&] { return find() != nullptr; }, 5000)) // the batch arrives within ~100 ms
        return {};
    return *find();
}

void TestRequestDetailView::secretsMaskedAndJsonPretty()
{
    const QByteArray key = uniqueKey();
    const RequestRecord record = sendAndRecord("{\"order\":{\"id\":7,\"items\":[1,2]},\"note\":\"fine\"}",
        { { "Content-Type", "application/json" }, { "Idempotency-Key", key }, { "Authorization", "Bearer s3cret" },
            { "X-Hub-Signature-256", "sha256=abcdef" } },
        200);
    QCOMPARE(record.status, 200);

    RequestDetailView view;
    view.setRecord(record);
    const QString headers = view.headersText();
    QVERIFY2(headers.contains(QStringLiteral("Authorization: ***")), qPrintable(headers));
    QVERIFY(headers.contains(QStringLiteral("X-Hub-Signature-256: ***")));
    QVERIFY(headers.contains(QStringLiteral("Idempotency-Key: ") + QString::fromLatin1(key)));
    QVERIFY(!headers.contains(QStringLiteral("s3cret")));
    QVERIFY(!headers.contains(QStringLiteral("abcdef")));
    QCOMPARE(view.bodyText(),
        QStringLiteral("{\n    \"note\": \"fine\",\n    \"order\": {\n        \"id\": 7,\n        \"items\": [\n"
                       "            1,\n            2\n        ]\n    }\n}"));
    const QString timeline = view.timelineText();
    QVERIFY2(timeline.startsWith(QStringLiteral("received 0 ms → published ")), qPrintable(timeline));
    QVERIFY2(timeline.contains(QStringLiteral(" → acked ")), qPrintable(timeline));
    QVERIFY2(timeline.contains(QStringLiteral(" → answered 200 ")), qPrintable(timeline));
    QVERIFY(!view.curlCommand().contains("s3cret"));

    // The button puts the same command on the clipboard.
    view.show();
    QVERIFY(view.copyCurlButton()->isEnabled());
    QTest::mouseClick(view.copyCurlButton(), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), QString::fromUtf8(view.curlCommand()));
}

void TestRequestDetailView::curlCommandResendsTheSameEvent_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addRow("json with quotes") << QByteArray("{\"text\":\"it's a \\\"quote\\\" $HOME `date` \\\\ %s\"}");
    QTest::addRow("text with newlines") << QByteArray("line one\nline 'two'\n\ttab\n");
    QTest::addRow("binary") << QByteArray("\x00\x01\xff\xfe'\"\n$x", 9);
}

void TestRequestDetailView::curlCommandResendsTheSameEvent()
{
    QFETCH(QByteArray, body);
    // The event fails (so it is not stored), then the copied command sends it again.
    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Down));
    const QByteArray key = uniqueKey();
    const RequestRecord record = sendAndRecord(body,
        { { "Content-Type", "application/octet-stream" }, { "Idempotency-Key", key }, { "Authorization", "Bearer x" } },
        500);
    QCOMPARE(record.status, 500);
    QVERIFY(RequestDetailView::timeline(record).contains(QStringLiteral("→ failed (disconnected)")));
    QVERIFY(setOutageAndWait(m_runtime.get(), OutageSettings::Mode::Off));

    RequestDetailView view;
    view.setBaseUrl(baseUrl());
    view.setRecord(record);
    QProcess shell;
    shell.start(QStringLiteral("sh"), { QStringLiteral("-c"), QString::fromUtf8(view.curlCommand()) });
    QVERIFY(shell.waitForFinished(15000));
    QCOMPARE(shell.exitCode(), 0);
    const QJsonObject answer = QJsonDocument::fromJson(shell.readAllStandardOutput()).object();
    QVERIFY2(answer.value(QStringLiteral("seq")).toInteger() > 0, view.curlCommand().constData());
    QCOMPARE(answer.value(QStringLiteral("duplicate")).toBool(), false);
    QCOMPARE(answer.value(QStringLiteral("id")).toString(), QString::fromLatin1(key));

    StreamReader reader(m_runtime->embeddedNats()->url());
    const std::optional<StoredMessage> stored
        = reader.message("EVENTS", static_cast<quint64>(answer.value(QStringLiteral("seq")).toInteger()));
    QVERIFY(stored);
    QCOMPARE(stored->data, body); // byte for byte
    QCOMPARE(stored->header("Nats-Msg-Id"), scopedMsgId("/webhook", key));
    QCOMPARE(stored->header("Content-Type"), QByteArray("application/octet-stream"));

    // Run twice: the same key, so JetStream drops the second.
    shell.start(QStringLiteral("sh"), { QStringLiteral("-c"), QString::fromUtf8(view.curlCommand()) });
    QVERIFY(shell.waitForFinished(15000));
    QCOMPARE(
        QJsonDocument::fromJson(shell.readAllStandardOutput()).object().value(QStringLiteral("duplicate")).toBool(),
        true);
}

void TestRequestDetailView::binaryBodyAsHexDump()
{
    RequestRecord record;
    record.method = "POST";
    record.target = "/webhook";
    record.status = 200;
    record.body = QByteArray("\x00\x01"
                             "ABC\xff",
        6);
    record.requestBytes = record.body.size();
    RequestDetailView view;
    view.setRecord(record);
    QCOMPARE(view.bodyText(), QStringLiteral("00000000  00 01 41 42 43 ff                                ..ABC.\n"));
    QCOMPARE(RequestDetailView::readableBody("plain text, not JSON"), QStringLiteral("plain text, not JSON"));
    QCOMPARE(RequestDetailView::readableBody({}), QStringLiteral("(empty body)"));
}

void TestRequestDetailView::cutBodyCannotBeResent()
{
    const QByteArray key = uniqueKey();
    const QByteArray body(RequestRecord::MaxBodyBytes + 1000, 'x');
    const RequestRecord record = sendAndRecord(body, { { "Idempotency-Key", key } }, 200);
    QCOMPARE(record.body.size(), RequestRecord::MaxBodyBytes); // the monitor's ring stays small
    QCOMPARE(record.requestBytes, body.size());
    QVERIFY(record.bodyTruncated());
    RequestDetailView view;
    view.setRecord(record);
    QVERIFY(view.bodyText().endsWith(
        QStringLiteral("(shown: the first %1 of %2 bytes)").arg(RequestRecord::MaxBodyBytes).arg(body.size())));
    QVERIFY(!view.copyCurlButton()->isEnabled());
    QVERIFY(!view.resendButton()->isEnabled());
}

QTEST_MAIN(TestRequestDetailView)
#include "tst_requestdetailview.moc"
