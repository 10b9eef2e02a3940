// WebhookAuth as data tables: bearer tokens, HMAC-SHA256 signatures and their header parsing.
#include "webhook/webhookauth.h"

#include <QTest>

class TestWebhookAuth : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseSignature_data();
    void parseSignature();
    void check_data();
    void check();
};

void TestWebhookAuth::parseSignature_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    const QByteArray hex(64, 'a');
    QTest::addRow("prefixed") << "sha256=" + hex << true;
    QTest::addRow("prefix in capitals") << "SHA256=" + hex << true;
    QTest::addRow("bare hex") << hex << true;
    QTest::addRow("spaces around") << "  sha256=" + hex + ' ' << true;
    QTest::addRow("too short") << "sha256=" + hex.left(63) << false;
    QTest::addRow("too long") << "sha256=" + hex + 'a' << false;
    QTest::addRow("not hex") << "sha256=" + hex.left(63) + 'g' << false;
    QTest::addRow("sha1") << "sha1=" + QByteArray(40, 'a') << false;
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("prefix only") << QByteArray("sha256=") << false;
}

void TestWebhookAuth::parseSignature()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    const std::optional<QByteArray> bytes = WebhookAuth::parseSignature(value);
    QCOMPARE(bytes.has_value(), valid);
    if (valid)
        QCOMPARE(bytes->size(), 32);
}

void TestWebhookAuth::check_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QString>("denied"); // empty: allowed

    const QByteArray body = "{\"a\":1}";
    const QByteArray good = WebhookAuth::sign("s3cret", body);
    QTest::addRow("nothing configured") << QByteArray() << QByteArray() << HeaderList {} << QString();
    QTest::addRow("token ok") << QByteArray("t0k") << QByteArray() << HeaderList { { "Authorization", "Bearer t0k" } }
                              << QString();
    QTest::addRow("token scheme in any case")
        << QByteArray("t0k") << QByteArray() << HeaderList { { "authorization", "bearer t0k" } } << QString();
    QTest::addRow("token missing") << QByteArray("t0k") << QByteArray() << HeaderList {} << QStringLiteral("missing");
    QTest::addRow("token wrong") << QByteArray("t0k") << QByteArray()
                                 << HeaderList { { "Authorization", "Bearer t0K" } }
                                 << QStringLiteral("wrong bearer token");
    QTest::addRow("token prefix of the real one")
        << QByteArray("t0k") << QByteArray() << HeaderList { { "Authorization", "Bearer t0" } }
        << QStringLiteral("wrong bearer token");
    QTest::addRow("basic instead of bearer")
        << QByteArray("t0k") << QByteArray() << HeaderList { { "Authorization", "Basic dDBr" } }
        << QStringLiteral("wrong bearer token");
    QTest::addRow("signature ok") << QByteArray() << QByteArray("s3cret")
                                  << HeaderList { { "X-Hub-Signature-256", good } } << QString();
    QTest::addRow("signature missing") << QByteArray() << QByteArray("s3cret") << HeaderList {}
                                       << QStringLiteral("missing signature");
    QTest::addRow("signature malformed") << QByteArray() << QByteArray("s3cret")
                                         << HeaderList { { "X-Hub-Signature-256", "sha256=zz" } }
                                         << QStringLiteral("malformed");
    QTest::addRow("signature of another body")
        << QByteArray() << QByteArray("s3cret")
        << HeaderList { { "X-Hub-Signature-256", WebhookAuth::sign("s3cret", "{\"a\":2}") } }
        << QStringLiteral("does not match");
    QTest::addRow("signature with another secret")
        << QByteArray() << QByteArray("s3cret")
        << HeaderList { { "X-Hub-Signature-256", WebhookAuth::sign("other", body) } }
        << QStringLiteral("does not match");
    QTest::addRow("both required, token missing")
        << QByteArray("t0k") << QByteArray("s3cret") << HeaderList { { "X-Hub-Signature-256", good } }
        << QStringLiteral("missing 'Authorization");
    QTest::addRow("both ok") << QByteArray("t0k") << QByteArray("s3cret")
                             << HeaderList { { "X-Hub-Signature-256", good }, { "Authorization", "Bearer t0k" } }
                             << QString();
}

void TestWebhookAuth::check()
{
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, secret);
    QFETCH(HeaderList, headers);
    QFETCH(QString, denied);
    WebhookAuth auth;
    auth.bearerToken = token;
    auth.hmacSecret = secret;
    const QString result = auth.check(headers, "{\"a\":1}");
    if (denied.isEmpty())
        QVERIFY2(result.isEmpty(), qPrintable(result));
    else
        QVERIFY2(result.contains(denied), qPrintable(result));
}

QTEST_GUILESS_MAIN(TestWebhookAuth)
#include "tst_webhookauth.moc"
