// FailedEventModel under QAbstractItemModelTester: snapshot merges insert, remove and update rows
// without a reset.
#include "failedeventmodel.h"
#include "testsupport.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

namespace {
using TestSupport::sampleFailedEvent;

QList<FailedEvent> events(std::initializer_list<qint64> ids)
{
    QList<FailedEvent> list;
    for (qint64 id : ids)
        list.append(sampleFailedEvent(id));
    return list;
}

QList<qint64> ids(const FailedEventModel &model)
{
    QList<qint64> result;
    for (int row = 0; row < model.rowCount(); ++row)
        result.append(model.index(row, 0).data(FailedEventModel::IdRole).toLongLong());
    return result;
}
} // namespace

class TestFailedEventModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void mergeInsertsAndRemovesWithoutReset();
    void changedRowsAreUpdatedInPlace();
    void stateHasTextAndColour();
    void storedAnywayAndLabTag();
};

void TestFailedEventModel::mergeInsertsAndRemovesWithoutReset()
{
    FailedEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    model.setEvents(events({ 5, 4, 3 }));
    QCOMPARE(ids(model), (QList<qint64> { 5, 4, 3 }));
    QCOMPARE(inserted.count(), 1);

    model.setEvents(events({ 8, 7, 5, 3, 2 })); // two new on top, 4 gone, an older one below
    QCOMPARE(ids(model), (QList<qint64> { 8, 7, 5, 3, 2 }));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(inserted.count(), 3);

    model.setEvents(events({ 9, 3 }));
    QCOMPARE(ids(model), (QList<qint64> { 9, 3 }));
    model.setEvents({});
    QCOMPARE(model.rowCount(), 0);
    model.setEvents(events({ 1 }));
    QCOMPARE(ids(model), (QList<qint64> { 1 }));
    QCOMPARE(reset.count(), 0);
}

void TestFailedEventModel::changedRowsAreUpdatedInPlace()
{
    FailedEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEvents(events({ 3, 2, 1 }));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QList<FailedEvent> next = events({ 3, 2, 1 });
    next[1].state = FailedEvent::State::Replayed;
    next[1].replaySeq = 42;
    next[1].attempts = 2;
    model.setEvents(next);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.at(0).at(0).value<QModelIndex>().row(), 1);
    QCOMPARE(inserted.count(), 0);
    QCOMPARE(model.index(1, FailedEventModel::AttemptsColumn).data().toInt(), 2);
    QCOMPARE(model.index(1, FailedEventModel::StateColumn).data().toString(), QStringLiteral("replayed (seq 42)"));
    model.setEvents(next); // nothing changed: no signal
    QCOMPARE(changed.count(), 1);
}

void TestFailedEventModel::stateHasTextAndColour()
{
    FailedEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setEvents({ sampleFailedEvent(2, FailedEvent::State::Discarded), sampleFailedEvent(1, FailedEvent::State::Pending) });
    QCOMPARE(model.index(0, FailedEventModel::StateColumn).data().toString(), QStringLiteral("discarded"));
    QCOMPARE(model.index(1, FailedEventModel::StateColumn).data().toString(), QStringLiteral("pending"));
    QVERIFY(model.index(1, FailedEventModel::StateColumn).data(Qt::BackgroundRole).isValid());
    QCOMPARE(model.index(1, FailedEventModel::ReasonColumn).data().toString(), QStringLiteral("disconnected"));
    QCOMPARE(model.index(1, FailedEventModel::SizeColumn).data().toString(), QStringLiteral("10 B"));
}

// A replay JetStream dropped as a duplicate: the event was stored anyway (the same words as the
// request row, OutcomeText). The scenario runner's events carry a "[lab]" tag and LabRole.
void TestFailedEventModel::storedAnywayAndLabTag()
{
    FailedEventModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    FailedEvent storedAnyway = sampleFailedEvent(2, FailedEvent::State::Replayed, 2);
    storedAnyway.replaySeq = 5;
    storedAnyway.replayDuplicate = true;
    FailedEvent lab = sampleFailedEvent(1);
    lab.key = FailedEvent::LabKeyPrefix + QByteArray("down-ack-run-1-x");
    model.setEvents({ storedAnyway, lab });
    QCOMPARE(model.index(0, FailedEventModel::StateColumn).data().toString(),
        QStringLiteral("stored anyway (seq 5): the sender's retry will be a duplicate"));
    QVERIFY(model.index(0, FailedEventModel::StateColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("PubAck was lost")));
    QCOMPARE(model.index(0, FailedEventModel::EndpointColumn).data().toString(), QStringLiteral("POST /webhook"));
    QCOMPARE(model.index(0, 0).data(FailedEventModel::LabRole).toBool(), false);
    QCOMPARE(model.index(1, FailedEventModel::EndpointColumn).data().toString(), QStringLiteral("[lab] POST /webhook"));
    QCOMPARE(model.index(1, 0).data(FailedEventModel::LabRole).toBool(), true);
    QVERIFY(model.index(1, FailedEventModel::EndpointColumn)
                .data(Qt::ToolTipRole)
                .toString()
                .contains(QStringLiteral("Discard lab events")));
}

QTEST_GUILESS_MAIN(TestFailedEventModel)
#include "tst_failedeventmodel.moc"
