// WebhookAuth as data tables: bearer tokens, HMAC-SHA256 signatures and their header parsing.
#include "webhook/webhookauth.h"

#include <QProcess>
#include <QTest>

class TestWebhookAuth : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parseSignature_data();
    void parseSignature();
    void check_data();
    void check();
    void knownAnswers_data();
    void knownAnswers();
    void signatureMadeByOpenssl_data();
    void signatureMadeByOpenssl();
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

// Known answers from outside ackhook: the scheme is hex HMAC-SHA256 of the raw body, "sha256="
// prefixed (GitHub's X-Hub-Signature-256) or bare. Expected values are published, not computed here.
void TestWebhookAuth::knownAnswers_data()
{
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("signature");

    // GitHub's documentation, "Validating webhook deliveries", its test values.
    QTest::addRow("GitHub docs example")
        << QByteArray("It's a Secret to Everybody") << QByteArray("Hello, World!")
        << QByteArray("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    // RFC 4231 (HMAC-SHA-256 test vectors), test cases 1, 2 and 6 (a key longer than the block).
    QTest::addRow("RFC 4231 case 1") << QByteArray(20, '\x0b') << QByteArray("Hi There")
                                     << QByteArray("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    QTest::addRow("RFC 4231 case 2") << QByteArray("Jefe") << QByteArray("what do ya want for nothing?")
                                     << QByteArray("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    QTest::addRow("RFC 4231 case 6, upper-case hex")
        << QByteArray(131, '\xaa') << QByteArray("Test Using Larger Than Block-Size Key - Hash Key First")
        << QByteArray("60E431591EE0B67F0D8A26AACBF5B77F8E0BC6213728C5140546040F0EE37F54");
}

void TestWebhookAuth::knownAnswers()
{
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, signature);
    WebhookAuth auth;
    auth.hmacSecret = secret;

    QString denied = auth.check({ { "X-Hub-Signature-256", signature } }, body);
    QVERIFY2(denied.isEmpty(), qPrintable(denied));
    const QByteArray hex = signature.startsWith("sha256=") ? signature.mid(7) : signature;
    QCOMPARE(WebhookAuth::sign(secret, body), "sha256=" + hex.toLower());

    // One bit off in the signature, or in the body: refused.
    QByteArray flipped = signature;
    flipped[flipped.size() - 1] = flipped.back() == '0' ? '1' : '0';
    denied = auth.check({ { "X-Hub-Signature-256", flipped } }, body);
    QVERIFY2(denied.contains(QLatin1String("does not match")), qPrintable(denied));
    QByteArray otherBody = body;
    otherBody[0] = char(otherBody[0] ^ 1);
    denied = auth.check({ { "X-Hub-Signature-256", signature } }, otherBody);
    QVERIFY2(denied.contains(QLatin1String("does not match")), qPrintable(denied));

    // The header name is configurable; the scheme is the same.
    auth.signatureHeader = "X-Signature";
    denied = auth.check({ { "x-signature", signature } }, body);
    QVERIFY2(denied.isEmpty(), qPrintable(denied));
}

void TestWebhookAuth::signatureMadeByOpenssl_data()
{
    QTest::addColumn<bool>("prefixed");
    QTest::addRow("sha256=<hex>") << true;
    QTest::addRow("bare hex") << false;
}

void TestWebhookAuth::signatureMadeByOpenssl()
{
    QFETCH(bool, prefixed);
    // The README's recipe: printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret". A body with
    // every byte value, so nothing about text encodings is assumed.
    QByteArray body = "{\"order\":42,\"bytes\":\"";
    for (int i = 0; i < 256; ++i)
        body += char(i);
    body += "\"}";
    const QByteArray secret = "hook-secret with spaces & symbols!";
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
        { QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-hmac"), QString::fromLatin1(secret) });
    QVERIFY2(openssl.waitForStarted(10000), "openssl is not installed (./dev test installs it)");
    openssl.write(body);
    openssl.closeWriteChannel();
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    // "SHA2-256(stdin)= <hex>" (OpenSSL 3) or "(stdin)= <hex>" (1.1): the hex follows the last "= ".
    const QByteArray out = openssl.readAllStandardOutput().trimmed();
    const QByteArray hex = out.mid(out.lastIndexOf("= ") + 2);
    QCOMPARE(hex.size(), 64);

    WebhookAuth auth;
    auth.hmacSecret = secret;
    const QString denied = auth.check({ { "X-Hub-Signature-256", prefixed ? "sha256=" + hex : hex } }, body);
    QVERIFY2(denied.isEmpty(), qPrintable(denied));
    QCOMPARE(auth.check({ { "X-Hub-Signature-256", prefixed ? "sha256=" + hex : hex } }, body + ' ').isEmpty(), false);
}

QTEST_GUILESS_MAIN(TestWebhookAuth)
#include "tst_webhookauth.moc"
