// SignatureScheme and SourcePreset: every preset's good, bad, missing, malformed, stale and future
// signatures as a table, with the known-answer vectors of the senders' documentation.
#include "webhook/signaturescheme.h"
#include "webhook/sourcepreset.h"

#include <QProcess>
#include <QTest>

Q_DECLARE_METATYPE(SignatureScheme)

namespace {

constexpr qint64 Now = 1767225600; // 2026-01-01T00:00:00Z

SignatureScheme presetScheme(const QByteArray &preset, const QByteArray &secret)
{
    SignatureScheme scheme = SourcePreset::find(preset)->scheme;
    scheme.secret = secret;
    return scheme;
}

QByteArray hexHmac(const QByteArray &secret, const QByteArray &message)
{
    return SignatureScheme::hmacSha256(secret, message).toHex();
}

} // namespace

class TestSignatureScheme : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void verify_data();
    void verify();
    void signedHeadersPass_data();
    void signedHeadersPass();
    void reasonsNeverEchoTheSecret();
    void stripeParser_data();
    void stripeParser();
    void presets();
    void signatureMadeByOpenssl_data();
    void signatureMadeByOpenssl();
};

void TestSignatureScheme::verify_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<HeaderList>("headers");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<QString>("reason"); // empty: accepted; else a part of the 401 reason

    // GitHub's documented example (Validating webhook deliveries).
    const QByteArray github = "It's a Secret to Everybody";
    const QByteArray hello = "Hello, World!";
    const QByteArray githubSig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    QTest::addRow("github known answer") << QByteArray("github") << github
                                         << HeaderList { { "X-Hub-Signature-256", githubSig } } << hello << Now
                                         << QString();
    QTest::addRow("github upper-case hex and prefix")
        << QByteArray("github") << github << HeaderList { { "x-hub-signature-256", githubSig.toUpper() } } << hello
        << Now << QString();
    QTest::addRow("github other body") << QByteArray("github") << github
                                       << HeaderList { { "X-Hub-Signature-256", githubSig } } << QByteArray("Hello")
                                       << Now << QStringLiteral("does not match");
    QTest::addRow("github wrong secret") << QByteArray("github") << QByteArray("another secret")
                                         << HeaderList { { "X-Hub-Signature-256", githubSig } } << hello << Now
                                         << QStringLiteral("does not match");
    QTest::addRow("github missing") << QByteArray("github") << github << HeaderList {} << hello << Now
                                    << QStringLiteral("missing signature header X-Hub-Signature-256");
    QTest::addRow("github sha1 prefix")
        << QByteArray("github") << github
        << HeaderList { { "X-Hub-Signature-256", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17" } }
        << hello << Now << QStringLiteral("malformed X-Hub-Signature-256");
    QTest::addRow("github no prefix")
        << QByteArray("github") << github
        << HeaderList { { "X-Hub-Signature-256", githubSig.mid(7) } } << hello << Now
        << QStringLiteral("malformed");
    QTest::addRow("github short") << QByteArray("github") << github
                                  << HeaderList { { "X-Hub-Signature-256", githubSig.chopped(2) } } << hello << Now
                                  << QStringLiteral("malformed");

    // GitLab: the secret token itself in X-Gitlab-Token.
    QTest::addRow("gitlab good") << QByteArray("gitlab") << QByteArray("gl-token")
                                 << HeaderList { { "X-Gitlab-Token", "gl-token" } } << QByteArray("{}") << Now
                                 << QString();
    QTest::addRow("gitlab wrong") << QByteArray("gitlab") << QByteArray("gl-token")
                                  << HeaderList { { "X-Gitlab-Token", "gl-tokem" } } << QByteArray("{}") << Now
                                  << QStringLiteral("wrong X-Gitlab-Token");
    QTest::addRow("gitlab prefix of the token")
        << QByteArray("gitlab") << QByteArray("gl-token") << HeaderList { { "X-Gitlab-Token", "gl-" } }
        << QByteArray("{}") << Now << QStringLiteral("wrong X-Gitlab-Token");
    QTest::addRow("gitlab missing") << QByteArray("gitlab") << QByteArray("gl-token") << HeaderList {}
                                    << QByteArray("{}") << Now << QStringLiteral("missing X-Gitlab-Token");

    // Bitbucket: X-Hub-Signature: sha256=<hex>.
    const QByteArray bbBody = R"({"push":{}})";
    QTest::addRow("bitbucket good") << QByteArray("bitbucket") << QByteArray("bb")
                                    << HeaderList { { "X-Hub-Signature", "sha256=" + hexHmac("bb", bbBody) } }
                                    << bbBody << Now << QString();
    QTest::addRow("bitbucket bad") << QByteArray("bitbucket") << QByteArray("bb")
                                   << HeaderList { { "X-Hub-Signature", "sha256=" + hexHmac("bc", bbBody) } }
                                   << bbBody << Now << QStringLiteral("does not match");
    QTest::addRow("bitbucket missing") << QByteArray("bitbucket") << QByteArray("bb") << HeaderList {} << bbBody
                                       << Now << QStringLiteral("missing signature header X-Hub-Signature");
    QTest::addRow("bitbucket sha1") << QByteArray("bitbucket") << QByteArray("bb")
                                    << HeaderList { { "X-Hub-Signature", "sha1=" + hexHmac("bb", bbBody) } }
                                    << bbBody << Now << QStringLiteral("malformed");

    // Slack's documented example (Verifying requests from Slack).
    const QByteArray slackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
    const QByteArray slackBody = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
                                 "channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
                                 "command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
                                 "commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id="
                                 "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const QByteArray slackSig = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    const qint64 slackTs = 1531420618;
    const HeaderList slackHeaders { { "X-Slack-Request-Timestamp", "1531420618" }, { "X-Slack-Signature", slackSig } };
    QTest::addRow("slack known answer") << QByteArray("slack") << slackSecret << slackHeaders << slackBody
                                        << slackTs + 10 << QString();
    QTest::addRow("slack stale") << QByteArray("slack") << slackSecret << slackHeaders << slackBody << slackTs + 301
                                 << QStringLiteral("stale or replayed");
    QTest::addRow("slack future") << QByteArray("slack") << slackSecret << slackHeaders << slackBody << slackTs - 301
                                  << QStringLiteral("in the future");
    QTest::addRow("slack timestamp changed")
        << QByteArray("slack") << slackSecret
        << HeaderList { { "X-Slack-Request-Timestamp", "1531420619" }, { "X-Slack-Signature", slackSig } }
        << slackBody << slackTs << QStringLiteral("does not match");
    QTest::addRow("slack missing signature")
        << QByteArray("slack") << slackSecret << HeaderList { { "X-Slack-Request-Timestamp", "1531420618" } }
        << slackBody << slackTs << QStringLiteral("missing X-Slack-Signature");
    QTest::addRow("slack missing timestamp") << QByteArray("slack") << slackSecret
                                             << HeaderList { { "X-Slack-Signature", slackSig } } << slackBody
                                             << slackTs << QStringLiteral("missing X-Slack-Request-Timestamp");
    QTest::addRow("slack v1 prefix")
        << QByteArray("slack") << slackSecret
        << HeaderList { { "X-Slack-Request-Timestamp", "1531420618" }, { "X-Slack-Signature", "v1=" + slackSig.mid(3) } }
        << slackBody << slackTs << QStringLiteral("malformed X-Slack-Signature");
    QTest::addRow("slack timestamp not a number")
        << QByteArray("slack") << slackSecret
        << HeaderList { { "X-Slack-Request-Timestamp", "15314e8" }, { "X-Slack-Signature", slackSig } } << slackBody
        << slackTs << QStringLiteral("malformed X-Slack-Request-Timestamp");

    // Stripe: t=<ts>,v1=<hex HMAC of "<ts>.<body>">; any v1 may match (secret rotation).
    const QByteArray stripeSecret = "whsec_test";
    const QByteArray stripeBody = R"({"id":"evt_1","type":"payment_intent.succeeded"})";
    const QByteArray t = QByteArray::number(Now);
    const QByteArray good = hexHmac(stripeSecret, t + '.' + stripeBody);
    const QByteArray other = hexHmac("whsec_old", t + '.' + stripeBody);
    QTest::addRow("stripe good") << QByteArray("stripe") << stripeSecret
                                 << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + good } } << stripeBody
                                 << Now << QString();
    QTest::addRow("stripe second v1 matches")
        << QByteArray("stripe") << stripeSecret
        << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + other + ",v1=" + good + ",v0=" + other } }
        << stripeBody << Now << QString();
    QTest::addRow("stripe no v1 matches")
        << QByteArray("stripe") << stripeSecret
        << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + other + ",v0=" + good } } << stripeBody << Now
        << QStringLiteral("no v1 signature");
    QTest::addRow("stripe stale") << QByteArray("stripe") << stripeSecret
                                  << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + good } } << stripeBody
                                  << Now + 301 << QStringLiteral("stale or replayed");
    QTest::addRow("stripe future") << QByteArray("stripe") << stripeSecret
                                   << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + good } } << stripeBody
                                   << Now - 301 << QStringLiteral("in the future");
    QTest::addRow("stripe timestamp changed")
        << QByteArray("stripe") << stripeSecret
        << HeaderList { { "Stripe-Signature", "t=" + QByteArray::number(Now + 1) + ",v1=" + good } } << stripeBody
        << Now << QStringLiteral("no v1 signature");
    QTest::addRow("stripe missing") << QByteArray("stripe") << stripeSecret << HeaderList {} << stripeBody << Now
                                    << QStringLiteral("missing Stripe-Signature");
    QTest::addRow("stripe without t") << QByteArray("stripe") << stripeSecret
                                      << HeaderList { { "Stripe-Signature", "v1=" + good } } << stripeBody << Now
                                      << QStringLiteral("malformed Stripe-Signature");
    QTest::addRow("stripe sha256= prefix") << QByteArray("stripe") << stripeSecret
                                           << HeaderList { { "Stripe-Signature", "sha256=" + good } } << stripeBody
                                           << Now << QStringLiteral("malformed Stripe-Signature");

    // Generic HMAC (X-Signature-256: sha256=<hex> by default) and bearer.
    QTest::addRow("hmac good") << QByteArray("hmac") << QByteArray("k")
                               << HeaderList { { "X-Signature-256", "sha256=" + hexHmac("k", "x") } } << QByteArray("x")
                               << Now << QString();
    QTest::addRow("hmac bad") << QByteArray("hmac") << QByteArray("k")
                              << HeaderList { { "X-Signature-256", "sha256=" + hexHmac("k", "y") } } << QByteArray("x")
                              << Now << QStringLiteral("does not match");
    QTest::addRow("bearer good") << QByteArray("bearer") << QByteArray("tok")
                                 << HeaderList { { "Authorization", "Bearer tok" } } << QByteArray() << Now << QString();
    QTest::addRow("bearer wrong") << QByteArray("bearer") << QByteArray("tok")
                                  << HeaderList { { "Authorization", "Bearer tok2" } } << QByteArray() << Now
                                  << QStringLiteral("wrong bearer token");
    QTest::addRow("bearer basic") << QByteArray("bearer") << QByteArray("tok")
                                  << HeaderList { { "Authorization", "Basic dG9rOg==" } } << QByteArray() << Now
                                  << QStringLiteral("wrong bearer token");
    QTest::addRow("bearer missing") << QByteArray("bearer") << QByteArray("tok") << HeaderList {} << QByteArray()
                                    << Now << QStringLiteral("missing");
    QTest::addRow("none") << QByteArray("none") << QByteArray() << HeaderList {} << QByteArray() << Now << QString();
}

void TestSignatureScheme::verify()
{
    QFETCH(QByteArray, preset);
    QFETCH(QByteArray, secret);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(qint64, now);
    QFETCH(QString, reason);
    const QString result = presetScheme(preset, secret).verify(headers, body, now);
    if (reason.isEmpty())
        QVERIFY2(result.isEmpty(), qPrintable(result));
    else
        QVERIFY2(result.contains(reason), qPrintable(result));
}

void TestSignatureScheme::signedHeadersPass_data()
{
    QTest::addColumn<SignatureScheme>("scheme");
    for (const QString &name : SourcePreset::names())
        QTest::addRow("%s", qPrintable(name)) << presetScheme(name.toLatin1(), "s3cr3t");
    SignatureScheme base64 = presetScheme("hmac", "s3cr3t");
    base64.encoding = SignatureScheme::Encoding::Base64;
    base64.prefix.clear();
    base64.header = "X-Shopify-Hmac-Sha256";
    QTest::addRow("hmac base64") << base64;
}

void TestSignatureScheme::signedHeadersPass()
{
    QFETCH(SignatureScheme, scheme);
    const QByteArray body = R"({"a":1})";
    const HeaderList headers = scheme.sign(body, Now);
    QCOMPARE(scheme.verify(headers, body, Now), QString());
    if (scheme.kind == SignatureScheme::Kind::Hmac || scheme.kind == SignatureScheme::Kind::Slack
        || scheme.kind == SignatureScheme::Kind::Stripe)
        QVERIFY(!scheme.verify(headers, body + ' ', Now).isEmpty());
    for (const QByteArray &credential : scheme.credentialHeaders()) {
        bool present = false;
        for (const auto &header : headers)
            present |= header.first.compare(credential, Qt::CaseInsensitive) == 0;
        QVERIFY2(present, credential.constData());
    }
}

void TestSignatureScheme::reasonsNeverEchoTheSecret()
{
    const QByteArray secret = "very-secret-value";
    for (const QString &name : SourcePreset::names()) {
        const SignatureScheme scheme = presetScheme(name.toLatin1(), secret);
        HeaderList forged = scheme.sign("body", Now);
        for (auto &header : forged)
            header.second = header.second.left(header.second.size() / 2) + "x";
        const QString reason = scheme.verify(forged, "other body", Now);
        QVERIFY(!reason.contains(QString::fromLatin1(secret)));
        const QString correct = QString::fromLatin1(hexHmac(secret, "other body"));
        QVERIFY(!reason.contains(correct));
    }
}

void TestSignatureScheme::stripeParser_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<int>("signatures");
    const QByteArray sig(64, 'a');
    QTest::addRow("one") << "t=1,v1=" + sig << true << 1;
    QTest::addRow("spaces") << " t=1 , v1=" + sig + " " << true << 1;
    QTest::addRow("two and v0") << "t=1,v1=" + sig + ",v0=" + sig + ",v1=" + sig << true << 2;
    QTest::addRow("unknown scheme ignored") << "t=1,v9=zz,v1=" + sig << true << 1;
    QTest::addRow("no t") << "v1=" + sig << false << 0;
    QTest::addRow("two t") << "t=1,t=2,v1=" + sig << false << 0;
    QTest::addRow("no v1") << QByteArray("t=1,v0=") + sig << false << 0;
    QTest::addRow("short v1") << QByteArray("t=1,v1=abc") << false << 0;
    QTest::addRow("t not digits") << "t=-1,v1=" + sig << false << 0;
    QTest::addRow("empty") << QByteArray() << false << 0;
    QTest::addRow("item without =") << "t=1,v1=" + sig + ",junk" << false << 0;
}

void TestSignatureScheme::stripeParser()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    QFETCH(int, signatures);
    const auto parsed = SignatureScheme::parseStripe(value);
    QCOMPARE(parsed.has_value(), valid);
    if (parsed) {
        QCOMPARE(parsed->timestamp, 1);
        QCOMPARE(parsed->v1.size(), signatures);
    }
}

void TestSignatureScheme::presets()
{
    const auto github = SourcePreset::find("github");
    QVERIFY(github);
    QCOMPARE(github->eventHeader, QByteArray("X-GitHub-Event"));
    QCOMPARE(github->keyHeaders.value(0), QByteArray("X-GitHub-Delivery"));
    QCOMPARE(SourcePreset::find("gitlab")->eventHeader, QByteArray("X-Gitlab-Event"));
    QCOMPARE(SourcePreset::find("gitlab")->keyHeaders.value(0), QByteArray("X-Gitlab-Event-UUID"));
    QCOMPARE(SourcePreset::find("bitbucket")->eventHeader, QByteArray("X-Event-Key"));
    QCOMPARE(SourcePreset::find("bitbucket")->keyHeaders.value(0), QByteArray("X-Request-UUID"));
    QCOMPARE(SourcePreset::find("stripe")->keyJsonField, QByteArray("id"));
    QCOMPARE(SourcePreset::find("slack")->keyJsonField, QByteArray("event_id"));
    QVERIFY(!SourcePreset::find("GitHub"));
    QVERIFY(!SourcePreset::find("unknown"));
    // No preset keeps a header that carries its credential.
    for (const QString &name : SourcePreset::names()) {
        const SourcePreset preset = *SourcePreset::find(name.toLatin1());
        for (const QByteArray &kept : preset.keptHeaders) {
            for (const QByteArray &credential : preset.scheme.credentialHeaders())
                QVERIFY(kept.compare(credential, Qt::CaseInsensitive) != 0);
        }
    }
}

// Each HMAC scheme once with a signature made outside ackhook: openssl dgst -sha256 -hmac over the
// message the sender's documentation names (the body; "v0:<ts>:<body>" for Slack; "<ts>.<body>"
// for Stripe). A body with every byte value, so no text encoding is assumed.
void TestSignatureScheme::signatureMadeByOpenssl_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addRow("github") << QByteArray("github");
    QTest::addRow("bitbucket") << QByteArray("bitbucket");
    QTest::addRow("hmac (generic)") << QByteArray("hmac");
    QTest::addRow("slack") << QByteArray("slack");
    QTest::addRow("stripe") << QByteArray("stripe");
}

void TestSignatureScheme::signatureMadeByOpenssl()
{
    QFETCH(QByteArray, preset);
    QByteArray body = "{\"bytes\":\"";
    for (int i = 0; i < 256; ++i)
        body += char(i);
    body += "\"}";
    const QByteArray secret = "whsec_ independent & tool";
    const QByteArray ts = QByteArray::number(Now);
    const QByteArray message = preset == "slack" ? "v0:" + ts + ':' + body : preset == "stripe" ? ts + '.' + body : body;

    QProcess openssl;
    openssl.start(QStringLiteral("openssl"),
        { QStringLiteral("dgst"), QStringLiteral("-sha256"), QStringLiteral("-hmac"), QString::fromLatin1(secret) });
    QVERIFY2(openssl.waitForStarted(10000), "openssl is not installed (./dev test installs it)");
    openssl.write(message);
    openssl.closeWriteChannel();
    QVERIFY(openssl.waitForFinished(30000));
    QCOMPARE(openssl.exitCode(), 0);
    const QByteArray out = openssl.readAllStandardOutput().trimmed();
    const QByteArray hex = out.mid(out.lastIndexOf("= ") + 2); // "SHA2-256(stdin)= <hex>" or "(stdin)= <hex>"
    QCOMPARE(hex.size(), 64);

    HeaderList headers;
    if (preset == "github")
        headers = { { "X-Hub-Signature-256", "sha256=" + hex } };
    else if (preset == "bitbucket")
        headers = { { "X-Hub-Signature", "sha256=" + hex } };
    else if (preset == "hmac")
        headers = { { "X-Signature-256", "sha256=" + hex } };
    else if (preset == "slack")
        headers = { { "X-Slack-Request-Timestamp", ts }, { "X-Slack-Signature", "v0=" + hex } };
    else
        headers = { { "Stripe-Signature", "t=" + ts + ",v1=" + hex } };
    const SignatureScheme scheme = presetScheme(preset, secret);
    const QString denied = scheme.verify(headers, body, Now);
    QVERIFY2(denied.isEmpty(), qPrintable(denied));
    QVERIFY(!scheme.verify(headers, body + ' ', Now).isEmpty()); // and only for this body
}

QTEST_GUILESS_MAIN(TestSignatureScheme)
#include "tst_signaturescheme.moc"
