// RequestTableModel under QAbstractItemModelTester: batch insertion, the bound, roles.
#include "requesttablemodel.h"

#include <QAbstractItemModelTester>
#include <QBrush>
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
    void waitingRowIsAnsweredInPlace();
    void failedRowFollowsItsQueueEntry();
    void storedAnywaySaysSoEverywhere();
    void staleRttSaysNoPong();
    void reasonOnlyForFailures();
    void everyTextHasATooltip();
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
    QTest::addRow("202") << 202 << QStringLiteral("202 Accepted") << QStringLiteral("2xx"); // no PubAck yet
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

void TestRequestTableModel::waitingRowIsAnsweredInPlace()
{
    RequestTableModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    RequestRecordBatch waiting = batch(0, 3, 0); // status 0: handed to NATS, no answer yet
    for (int i = 0; i < 3; ++i)
        waiting[i].requestId = static_cast<quint64>(i + 1);
    model.appendBatch(waiting);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.waitingCount(), 3);
    QVERIFY(model.index(2, RequestTableModel::StatusColumn)
                .data()
                .toString()
                .startsWith(QStringLiteral("waiting for PubAck")));
    QCOMPARE(model.index(2, RequestTableModel::StatusColumn).data(RequestTableModel::StatusClassRole).toString(),
        QStringLiteral("waiting"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.tick(waiting[0].receivedMs + 1500); // the live timer
    QCOMPARE(changed.count(), 1);
    QCOMPARE(
        model.index(2, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("waiting for PubAck 1.5 s"));

    // Answers to the first (now the oldest, row 2) and a new request in one batch: one change, one insert.
    model.appendBatch(batch(5, 1)); // a newer row on top moves the waiting rows down
    RequestRecordBatch answers = batch(0, 1, 500);
    answers[0].requestId = 1;
    answers.append(batch(9, 1).first());
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    changed.clear();
    model.appendBatch(answers);
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.record(4).requestId, quint64(1));
    QCOMPARE(model.record(4).status, 500);
    QCOMPARE(model.waitingCount(), 2);

    // Waiting rows pushed out by the bound are forgotten; their answer is a new row, as any answer.
    RequestTableModel small(2);
    QAbstractItemModelTester smallTester(&small, QAbstractItemModelTester::FailureReportingMode::QtTest);
    small.appendBatch(waiting.mid(0, 1));
    small.appendBatch(batch(10, 2));
    QCOMPARE(small.waitingCount(), 0);
    small.appendBatch(answers.mid(0, 1));
    QCOMPARE(small.rowCount(), 2);
    QCOMPARE(small.record(0).key, QStringLiteral("k0"));
    QCOMPARE(small.record(0).status, 500);
    QCOMPARE(small.record(1).key, QStringLiteral("k11"));
}

void TestRequestTableModel::failedRowFollowsItsQueueEntry()
{
    RequestTableModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 2, 500)); // k0, k1
    model.appendBatch(batch(2, 1, 200)); // k2
    const QModelIndex k0 = model.index(2, RequestTableModel::StatusColumn);
    QCOMPARE(k0.data().toString(), QStringLiteral("500 failed"));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QHash<QString, RequestTableModel::QueueLink> links;
    links.insert(QStringLiteral("k0"), { 7, FailedEvent::State::Pending, 0 });
    links.insert(QStringLiteral("k1"), { 8, FailedEvent::State::Discarded, 0 });
    links.insert(QStringLiteral("k2"), { 9, FailedEvent::State::Replayed, 3 }); // a 200 is never "recovered"
    model.setQueueLinks(links);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(k0.data().toString(), QStringLiteral("500 failed · queued #7"));
    QCOMPARE(model.index(1, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("500 → discarded (#8)"));
    QCOMPARE(model.index(0, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("200 OK"));
    QVERIFY(!model.queueLink(0));
    const QBrush failedBrush = k0.data(Qt::BackgroundRole).value<QBrush>();

    links[QStringLiteral("k0")] = { 7, FailedEvent::State::Replayed, 42 };
    model.setQueueLinks(links);
    QCOMPARE(k0.data().toString(), QStringLiteral("500 → recovered (stream seq 42)"));
    QVERIFY(k0.data(Qt::BackgroundRole).value<QBrush>() != failedBrush); // green, not red
    QVERIFY(k0.data(Qt::ToolTipRole).toString().contains(QStringLiteral("stream sequence 42")));
    QCOMPARE(model.queueLink(2)->failedId, qint64(7));
    QCOMPARE(model.newestRowWithKey(QStringLiteral("k0")), 2);
    QCOMPARE(model.newestRowWithKey(QStringLiteral("nope")), -1);
    changed.clear();
    model.setQueueLinks(links); // unchanged: no repaint
    QCOMPARE(changed.count(), 0);
}

// A 500 whose event JetStream had stored after all (the PubAck was lost): the row, the Duplicate
// column, the queue row and the detail timeline say the same words, from OutcomeText.
void TestRequestTableModel::storedAnywaySaysSoEverywhere()
{
    RequestTableModel model(100);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.appendBatch(batch(0, 1, 500)); // k0
    QCOMPARE(model.index(0, RequestTableModel::DuplicateColumn).data().toString(), QString());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QHash<QString, RequestTableModel::QueueLink> links;
    links.insert(QStringLiteral("k0"), { 7, FailedEvent::State::Replayed, 5, true });
    model.setQueueLinks(links);
    QCOMPARE(changed.count(), 1);
    const QModelIndex bottomRight = changed.at(0).at(1).value<QModelIndex>();
    QVERIFY(bottomRight.column() >= RequestTableModel::DuplicateColumn); // the Duplicate column repaints too
    const QString words = QStringLiteral("stored anyway (seq 5): the sender's retry will be a duplicate");
    QCOMPARE(OutcomeText::storedAnyway(5), words);
    QCOMPARE(model.index(0, RequestTableModel::StatusColumn).data().toString(), QStringLiteral("500 · ") + words);
    QCOMPARE(model.index(0, RequestTableModel::DuplicateColumn).data().toString(), QStringLiteral("duplicate"));
    QVERIFY(model.index(0, RequestTableModel::StatusColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("only the PubAck was lost")));
    QVERIFY(model.index(0, RequestTableModel::DuplicateColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("had stored the event")));
    // The queue row and the timeline: the same words.
    QVERIFY(OutcomeText::timelineNote(*model.queueLink(0)).endsWith(words));
    FailedEvent event;
    event.id = 7;
    event.state = FailedEvent::State::Replayed;
    event.replaySeq = 5;
    event.replayDuplicate = true;
    QCOMPARE(OutcomeText::queueState(OutcomeText::queued(event)), words);
    // A replay that stored it for the first time is a recovery, not a duplicate.
    links[QStringLiteral("k0")] = { 7, FailedEvent::State::Replayed, 5, false };
    model.setQueueLinks(links);
    QCOMPARE(model.index(0, RequestTableModel::StatusColumn).data().toString(),
        QStringLiteral("500 → recovered (stream seq 5)"));
    QCOMPARE(model.index(0, RequestTableModel::DuplicateColumn).data().toString(), QString());
}

void TestRequestTableModel::staleRttSaysNoPong()
{
    NatsBus::Status bus;
    bus.state = NatsBus::State::Connected;
    const qint64 now = 1'700'000'000'000;
    QCOMPARE(OutcomeText::rtt(bus, now), QStringLiteral("–")); // not measured yet
    bus.rttUs = 1500;
    bus.rttAtMs = now - 1000;
    QCOMPARE(OutcomeText::rtt(bus, now), QStringLiteral("1.50 ms"));
    const qint64 interval = std::chrono::milliseconds(NatsBus::RttInterval).count();
    bus.rttAtMs = now - 2 * interval; // two intervals: still the last value
    QCOMPARE(OutcomeText::rtt(bus, now), QStringLiteral("1.50 ms"));
    bus.rttAtMs = now - 7000;
    QCOMPARE(OutcomeText::rtt(bus, now), QStringLiteral("no PONG for 7 s"));
    bus.state = NatsBus::State::Reconnecting;
    QCOMPARE(OutcomeText::rtt(bus, now), QStringLiteral("– (not connected)"));
}

void TestRequestTableModel::reasonOnlyForFailures()
{
    RequestTableModel model;
    RequestRecordBatch records = batch(0, 2, 200);
    records[0].outage = QStringLiteral("flap"); // answered 200 while the flap was in its "up" phase
    records[1].status = 500;
    records[1].reason = QStringLiteral("disconnected");
    records[1].outage = QStringLiteral("flap");
    model.appendBatch(records);
    QCOMPARE(model.index(1, RequestTableModel::ReasonColumn).data().toString(), QString());
    QCOMPARE(model.index(0, RequestTableModel::ReasonColumn).data().toString(),
        QStringLiteral("disconnected (simulated flap)"));
}

void TestRequestTableModel::everyTextHasATooltip()
{
    RequestTableModel model;
    RequestRecordBatch records = batch(0, 1, 500);
    records[0].reason = QStringLiteral("timeout");
    records[0].duplicate = true;
    model.appendBatch(records);
    for (int column = 0; column < RequestTableModel::COLUMN_COUNT; ++column) {
        const QModelIndex index = model.index(0, column);
        if (!index.data().toString().isEmpty())
            QVERIFY2(index.data(Qt::ToolTipRole).toString().contains(index.data().toString()),
                qPrintable(QString::number(column)));
    }
}

QTEST_GUILESS_MAIN(TestRequestTableModel)
#include "tst_requesttablemodel.moc"
