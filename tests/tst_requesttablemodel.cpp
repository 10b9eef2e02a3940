// RequestTableModel under QAbstractItemModelTester: batch insertion, the bound, roles.
#include "requesttablemodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {
RequestRecordBatch batch(int first, int count, int status = 200)
{
    RequestRecordBatch records;
    for (int i = first; i < first + count; ++i) {
        RequestRecord record;
        record.receivedMs = 1'700'000'000'000 + i;
        record.method = "POST";
        record.path = "/webhook";
        record.status = status;
        record.key = QStringLiteral("k%1").arg(i);
        record.seq = static_cast<quint64>(i);
        records.append(record);
    }
    return records;
}
} // namespace

class TestRequestTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void batchIsOneInsertNewestFirst();
    void boundEvictsOldest();
    void hugeBatchKeepsNewest();
    void statusHasTextAndColour_data();
    void statusHasTextAndColour();
    void generatedKeyIsFlagged();
};

void TestRequestTableModel::batchIsOneInsertNewestFirst()
{
    RequestTableModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    model.appendBatch(batch(0, 10));
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.record(0).key, QStringLiteral("k9")); // newest first
    model.appendBatch(batch(10, 5));
    QCOMPARE(inserted.count(), 2);
    QCOMPARE(model.record(0).key, QStringLiteral("k14"));
    QCOMPARE(model.record(14).key, QStringLiteral("k0"));
    model.appendBatch({});
    QCOMPARE(inserted.count(), 2);
}

void TestRequestTableModel::boundEvictsOldest()
{
    RequestTableModel model(50);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    model.appendBatch(batch(0, 40));
    model.appendBatch(batch(40, 30));
    QCOMPARE(model.rowCount(), 50);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.record(0).key, QStringLiteral("k69"));
    QCOMPARE(model.record(49).key, QStringLiteral("k20"));
}

void TestRequestTableModel::hugeBatchKeepsNewest()
{
    RequestTableModel model(10);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 1000));
    QCOMPARE(model.rowCount(), 10);
    QCOMPARE(model.record(0).key, QStringLiteral("k999"));
    QCOMPARE(model.record(9).key, QStringLiteral("k990"));
}

void TestRequestTableModel::statusHasTextAndColour_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("statusClass");
    QTest::addRow("200") << 200 << QStringLiteral("200 OK") << QStringLiteral("2xx");
    QTest::addRow("429") << 429 << QStringLiteral("429 rejected") << QStringLiteral("4xx");
    QTest::addRow("500") << 500 << QStringLiteral("500 failed") << QStringLiteral("5xx");
}

void TestRequestTableModel::statusHasTextAndColour()
{
    QFETCH(int, status);
    QFETCH(QString, text);
    QFETCH(QString, statusClass);
    RequestTableModel model;
    model.appendBatch(batch(0, 1, status));
    const QModelIndex index = model.index(0, RequestTableModel::StatusColumn);
    QCOMPARE(index.data().toString(), text);
    QCOMPARE(index.data(RequestTableModel::StatusClassRole).toString(), statusClass);
    QVERIFY(index.data(Qt::BackgroundRole).isValid());
}

void TestRequestTableModel::generatedKeyIsFlagged()
{
    RequestTableModel model;
    RequestRecordBatch records = batch(0, 1);
    records[0].key = QStringLiteral("0b7d7e0c-aaaa-bbbb-cccc-000000000000");
    records[0].keyGenerated = true;
    model.appendBatch(records);
    const QModelIndex key = model.index(0, RequestTableModel::KeyColumn);
    QVERIFY(key.data().toString().contains(QLatin1String("none")));
    QVERIFY(!key.data(Qt::ToolTipRole).toString().isEmpty());
}

QTEST_GUILESS_MAIN(TestRequestTableModel)
#include "tst_requesttablemodel.moc"
