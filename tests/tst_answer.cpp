// dispatch/answer: the acked answer is written by hand for speed; it must be byte for byte what the
// QJsonObject path writes (eventFields through HttpResponse::json), for any id a caller can send.
#include "dispatch/answer.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTest>

class TestAnswer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ackedBodyIsQtsJson_data();
    void ackedBodyIsQtsJson();
    void ackedBodyOverRandomIds();
};

static QByteArray viaQt(const PublishResult &result, const QString &id)
{
    return HttpResponse::json(200, eventFields(DispatchPolicy::Ack, result, id)).body;
}

void TestAnswer::ackedBodyIsQtsJson_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("duplicate");
    QTest::addRow("plain") << QStringLiteral("order-42") << false;
    QTest::addRow("duplicate") << QStringLiteral("order-42") << true;
    QTest::addRow("empty") << QString() << false;
    QTest::addRow("quotes and backslashes") << QStringLiteral(R"(a"b\c/d)") << false;
    QTest::addRow("control characters") << QString::fromLatin1("\x01\b\f\n\r\t\x1f\x7f", 8) << false;
    QTest::addRow("non-ASCII") << QStringLiteral("ключ–été😀") << true;
    QTest::addRow("scoped CloudEvent key") << QStringLiteral("/ce#ce https%3A%2F%2Fexample.com 1") << false;
}

void TestAnswer::ackedBodyIsQtsJson()
{
    QFETCH(QString, id);
    QFETCH(bool, duplicate);
    const PublishResult result = PublishResult::ack(QStringLiteral("EVENTS"), 1234567890123ull, duplicate);
    QCOMPARE(ackedAnswerBody(result, id), viaQt(result, id));
    QCOMPARE(QJsonDocument::fromJson(ackedAnswerBody(result, id)).object().value(QLatin1String("id")).toString(), id);
}

void TestAnswer::ackedBodyOverRandomIds()
{
    QRandomGenerator random(24); // seeded: a failure repeats
    for (int i = 0; i < 5000; ++i) {
        QString id;
        const int length = static_cast<int>(random.bounded(24));
        for (int c = 0; c < length; ++c) {
            char32_t point = random.bounded(8) == 0 ? random.bounded(0x20u) : random.bounded(0x20u, 0x2000u);
            if (random.bounded(16) == 0)
                point = random.bounded(0x10000u, 0x10ffffu); // beyond the BMP: a surrogate pair
            id.append(QString::fromUcs4(&point, 1));
        }
        const PublishResult result = PublishResult::ack(QStringLiteral("S-%1").arg(i), static_cast<quint64>(i), i % 2);
        if (ackedAnswerBody(result, id) != viaQt(result, id))
            QFAIL(qPrintable(QStringLiteral("id %1: %2 against Qt's %3")
                                 .arg(id, QString::fromUtf8(ackedAnswerBody(result, id)), QString::fromUtf8(viaQt(result, id)))));
    }
}

QTEST_GUILESS_MAIN(TestAnswer)
#include "tst_answer.moc"
