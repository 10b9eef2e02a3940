// Idempotency key extraction (docs/DESIGN.md §3) as a data table.
#include "webhook/idempotencykey.h"

#include <QTest>

class TestIdempotencyKey : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void extract_data();
    void extract();
    void generatedKeysAreUnique();
    void customHeaderList();
    void scopedToTheEndpoint();
};

void TestIdempotencyKey::extract_data()
{
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<bool>("valid");

    const QByteArray json = "{}";
    const HeaderList ce { { "ce-specversion", "1.0" }, { "ce-type", "com.example.push" } };
    QTest::addRow("binary cloudevent") << ce + HeaderList { { "ce-source", "/github" }, { "ce-id", "42" } } << json
                                       << QByteArray("/github 42") << QByteArray("cloudevent") << true;
    // A space or '%' in the source is percent-encoded: ("/x y", "z") and ("/x", "y z") differ.
    QTest::addRow("source with a space") << ce + HeaderList { { "ce-source", "/x y" }, { "ce-id", "z" } } << json
                                         << QByteArray("/x%20y z") << QByteArray("cloudevent") << true;
    QTest::addRow("id with a space") << ce + HeaderList { { "ce-source", "/x" }, { "ce-id", "y z" } } << json
                                     << QByteArray("/x y z") << QByteArray("cloudevent") << true;
    QTest::addRow("source with a percent sign")
        << ce + HeaderList { { "ce-source", "/x%20y" }, { "ce-id", "z" } } << json << QByteArray("/x%2520y z")
        << QByteArray("cloudevent") << true;
    QTest::addRow("binary ce names in any case")
        << HeaderList { { "Ce-Specversion", "1.0" }, { "CE-TYPE", "t" }, { "Ce-Source", "s" }, { "CE-ID", "1" } }
        << json << QByteArray("s 1") << QByteArray("cloudevent") << true;
    QTest::addRow("cloudevent beats Idempotency-Key")
        << ce + HeaderList { { "Idempotency-Key", "k" }, { "ce-source", "s" }, { "ce-id", "1" } } << json
        << QByteArray("s 1") << QByteArray("cloudevent") << true;
    // Binary mode: one required ce- header means a CloudEvent, and then all four must be there (400).
    QTest::addRow("ce-id alone") << HeaderList { { "ce-id", "1" }, { "X-Request-Id", "r" } } << json << QByteArray()
                                 << QByteArray("cloudevent") << false;
    QTest::addRow("binary without ce-type")
        << HeaderList { { "ce-specversion", "1.0" }, { "ce-source", "s" }, { "ce-id", "1" } } << json << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("binary without ce-specversion")
        << HeaderList { { "ce-type", "t" }, { "ce-source", "s" }, { "ce-id", "1" } } << json << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("binary with empty ce-id") << ce + HeaderList { { "ce-source", "s" }, { "ce-id", " " } } << json
                                             << QByteArray() << QByteArray("cloudevent") << false;
    QTest::addRow("binary with unknown specversion")
        << HeaderList { { "ce-specversion", "2.0" }, { "ce-type", "t" }, { "ce-source", "s" }, { "ce-id", "1" } }
        << json << QByteArray() << QByteArray("cloudevent") << false;
    QTest::addRow("binary 0.3") << HeaderList { { "ce-specversion", "0.3" }, { "ce-type", "t" }, { "ce-source", "s" },
        { "ce-id", "1" } } << json
                                << QByteArray("s 1") << QByteArray("cloudevent") << true;
    QTest::addRow("other ce- headers alone are no CloudEvent")
        << HeaderList { { "ce-subject", "x" }, { "X-Request-Id", "r" } } << json << QByteArray("r")
        << QByteArray("X-Request-Id") << true;
    QTest::addRow("structured cloudevent")
        << HeaderList { { "Content-Type", "application/cloudevents+json; charset=utf-8" } }
        << QByteArray(R"({"specversion":"1.0","source":"urn:x","id":"7","type":"t"})") << QByteArray("urn:x 7")
        << QByteArray("cloudevent") << true;
    QTest::addRow("structured cloudevent that is not JSON")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } } << QByteArray("{nope") << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("structured cloudevent that is an array")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } } << QByteArray("[1]") << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("structured cloudevent without type")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } }
        << QByteArray(R"({"specversion":"1.0","source":"urn:x","id":"7"})") << QByteArray() << QByteArray("cloudevent")
        << false;
    QTest::addRow("structured cloudevent with a numeric id")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } }
        << QByteArray(R"({"specversion":"1.0","source":"urn:x","id":7,"type":"t"})") << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("structured cloudevent with invalid UTF-8")
        << HeaderList { { "Content-Type", "application/cloudevents+json" } }
        << QByteArray("{\"specversion\":\"1.0\",\"source\":\"urn:\xff\",\"id\":\"7\",\"type\":\"t\"}") << QByteArray()
        << QByteArray("cloudevent") << false;
    QTest::addRow("Idempotency-Key") << HeaderList { { "idempotency-key", " abc " } } << json << QByteArray("abc")
                                     << QByteArray("Idempotency-Key") << true;
    QTest::addRow("order: Idempotency-Key before X-GitHub-Delivery")
        << HeaderList { { "X-GitHub-Delivery", "g" }, { "Idempotency-Key", "i" } } << json << QByteArray("i")
        << QByteArray("Idempotency-Key") << true;
    QTest::addRow("X-GitHub-Delivery") << HeaderList { { "X-GitHub-Delivery", "72d3162e-cc78-11e3" } } << json
                                       << QByteArray("72d3162e-cc78-11e3") << QByteArray("X-GitHub-Delivery") << true;
    QTest::addRow("X-Request-Id before X-Event-Id") << HeaderList { { "X-Event-Id", "e" }, { "X-Request-Id", "r" } }
                                                    << json << QByteArray("r") << QByteArray("X-Request-Id") << true;
    QTest::addRow("X-Event-Id") << HeaderList { { "x-event-id", "e-1" } } << json << QByteArray("e-1")
                                << QByteArray("X-Event-Id") << true;
    QTest::addRow("empty header is skipped") << HeaderList { { "Idempotency-Key", "" }, { "X-Event-Id", "e" } } << json
                                             << QByteArray("e") << QByteArray("X-Event-Id") << true;
    QTest::addRow("too long") << HeaderList { { "Idempotency-Key", QByteArray(257, 'a') } } << json
                              << QByteArray(257, 'a') << QByteArray("Idempotency-Key") << false;
    QTest::addRow("longest allowed") << HeaderList { { "Idempotency-Key", QByteArray(256, 'a') } } << json
                                     << QByteArray(256, 'a') << QByteArray("Idempotency-Key") << true;
    QTest::addRow("not ASCII") << HeaderList { { "Idempotency-Key", "caf\xc3\xa9" } } << json
                               << QByteArray("caf\xc3\xa9") << QByteArray("Idempotency-Key") << false;
}

void TestIdempotencyKey::extract()
{
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, origin);
    QFETCH(bool, valid);

    const IdempotencyKey result = IdempotencyKey::extract(headers, body);
    QCOMPARE(result.isValid(), valid);
    QCOMPARE(result.origin, origin);
    QVERIFY(!result.generated);
    if (valid)
        QCOMPARE(result.value, key);
    else
        QVERIFY(!result.error.isEmpty());
}

void TestIdempotencyKey::generatedKeysAreUnique()
{
    const IdempotencyKey a = IdempotencyKey::extract({ { "Content-Type", "application/json" } }, "{}");
    const IdempotencyKey b = IdempotencyKey::extract({}, {});
    QVERIFY(a.generated);
    QVERIFY(b.generated);
    QCOMPARE(a.origin, QByteArray("generated"));
    QCOMPARE(a.value.size(), 36); // a UUID
    QVERIFY(a.value != b.value);
}

void TestIdempotencyKey::customHeaderList()
{
    const HeaderList headers { { "X-Delivery", "d" }, { "Idempotency-Key", "i" } };
    const IdempotencyKey key = IdempotencyKey::extract(headers, {}, { "X-Delivery" });
    QCOMPARE(key.value, QByteArray("d"));
}

// Nats-Msg-Id: the key scoped to its endpoint, a CloudEvent's apart from any header's.
void TestIdempotencyKey::scopedToTheEndpoint()
{
    const IdempotencyKey header = IdempotencyKey::extract({ { "Idempotency-Key", "/shop 7" } }, {});
    const IdempotencyKey cloudEvent = IdempotencyKey::extract({ { "ce-specversion", "1.0" }, { "ce-type", "t" },
                                                                  { "ce-source", "/shop" }, { "ce-id", "7" } },
        {});
    QCOMPARE(header.value, cloudEvent.value); // the same text …
    QCOMPARE(header.msgIdOn("/events"), QByteArray("/events /shop 7"));
    QCOMPARE(cloudEvent.msgIdOn("/events"), QByteArray("/events#ce /shop 7")); // … never the same Nats-Msg-Id
    QVERIFY(header.msgIdOn("/events") != header.msgIdOn("/github"));
}

QTEST_GUILESS_MAIN(TestIdempotencyKey)
#include "tst_idempotencykey.moc"
