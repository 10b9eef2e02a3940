// EventHeaders: the Ackhook-Received value, written by hand for speed, must be exactly what
// QDateTime writes (consumers and the failed queue parse it with Qt::ISODateWithMs).
#include "webhook/eventheaders.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTest>

class TestEventHeaders : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void receivedAtIsQtsIsoDate_data();
    void receivedAtIsQtsIsoDate();
    void receivedAtOverManyTimes();
};

static QByteArray qtIso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
}

void TestEventHeaders::receivedAtIsQtsIsoDate_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("epoch") << qint64(0) << QByteArray("1970-01-01T00:00:00.000Z");
    QTest::addRow("leap day, last ms") << qint64(1709251199999) << QByteArray("2024-02-29T23:59:59.999Z");
    QTest::addRow("new year's eve") << qint64(1798761599001) << QByteArray("2026-12-31T23:59:59.001Z");
    QTest::addRow("2100, not a leap year") << qint64(4107542400000) << QByteArray("2100-03-01T00:00:00.000Z");
}

void TestEventHeaders::receivedAtIsQtsIsoDate()
{
    QFETCH(qint64, ms);
    QFETCH(QByteArray, expected);
    QCOMPARE(EventHeaders::receivedAt(ms), expected);
    QCOMPARE(qtIso(ms), expected);
}

void TestEventHeaders::receivedAtOverManyTimes()
{
    QRandomGenerator random(24); // seeded: a failure repeats
    for (int i = 0; i < 20000; ++i) {
        const qint64 ms = static_cast<qint64>(random.bounded(quint64(253402300799999))); // up to 9999-12-31
        const QByteArray ours = EventHeaders::receivedAt(ms);
        if (ours != qtIso(ms))
            QFAIL(qPrintable(QStringLiteral("%1 ms: %2, Qt: %3").arg(ms).arg(QString::fromLatin1(ours), QString::fromLatin1(qtIso(ms)))));
    }
}

QTEST_GUILESS_MAIN(TestEventHeaders)
#include "tst_eventheaders.moc"
