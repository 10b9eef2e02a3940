// HeadlessReporter: request lines are written a batch at a time and at most MaxLinesPerSecond of
// them; what is left out is counted on one line, by status class.
#include "headlessreporter.h"
#include "testsupport.h"

#include <QTest>

#include <cstdio>

class TestHeadlessReporter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smallBatchIsLoggedWhole();
    void burstIsCutAndCounted();
};

namespace {

RequestRecordBatch makeBatch(int count, int status)
{
    RequestRecordBatch batch;
    for (int i = 0; i < count; ++i) {
        RequestRecord record;
        record.receivedMs = 1700000000000;
        record.method = "POST";
        record.path = "/webhook";
        record.status = status;
        record.key = QStringLiteral("k%1").arg(i);
        batch.append(record);
    }
    return batch;
}

QByteArrayList written(FILE *file)
{
    QByteArrayList lines = TestSupport::readBack(file).split('\n');
    lines.removeAll(QByteArray());
    return lines;
}

} // namespace

void TestHeadlessReporter::smallBatchIsLoggedWhole()
{
    FILE *file = std::tmpfile();
    QVERIFY(file);
    const LogSink sink(LogSink::Format::Text, file, file);
    HeadlessReporter reporter(nullptr, &sink, 3600 * 1000); // the stats timer never fires here
    reporter.writeRecords(makeBatch(3, 200));
    const QByteArrayList lines = written(file);
    QCOMPARE(lines.size(), 3);
    QVERIFY2(lines[2].startsWith("2023-11-14T22:13:20.000Z info request: status=200 method=POST path=/webhook ")
            && lines[2].contains(" key=k2"),
        lines[2].constData());
    std::fclose(file);
}

void TestHeadlessReporter::burstIsCutAndCounted()
{
    FILE *file = std::tmpfile();
    QVERIFY(file);
    const LogSink sink(LogSink::Format::Text, file, file);
    HeadlessReporter reporter(nullptr, &sink, 3600 * 1000);
    RequestRecordBatch batch = makeBatch(HeadlessReporter::MaxLinesPerSecond + 500, 200);
    batch.append(makeBatch(7, 500));
    batch.append(makeBatch(3, 429));
    reporter.writeRecords(batch);
    const QByteArrayList lines = written(file);
    QCOMPARE(lines.size(), HeadlessReporter::MaxLinesPerSecond + 1);
    QVERIFY2(lines.last().contains(" not_logged=510 2xx=500 4xx=3 5xx=7"), lines.last().constData());
    std::fclose(file);
}

QTEST_GUILESS_MAIN(TestHeadlessReporter)
#include "tst_headlessreporter.moc"
