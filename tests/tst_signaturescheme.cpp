// SignatureScheme and SourcePreset: every preset's good, bad, missing, malformed, stale and future
// signatures as a table, with the known-answer vectors of the senders' documentation.
#include "webhook/schemedescription.h"
#include "webhook/signaturescheme.h"
#include "webhook/sourcepreset.h"
#include "testsupport.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

Q_DECLARE_METATYPE(SignatureScheme)

namespace {

using TestSupport::runOpenssl; // openssl as a process: the known answers are computed outside the code under test
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

// The raw HMAC bytes of message under key (any bytes: passed as hex), digest "sha256" or "sha1".
QByteArray opensslHmac(const char *digest, const QByteArray &key, const QByteArray &message)
{
    return runOpenssl({ QStringLiteral("dgst"), QLatin1Char('-') + QLatin1String(digest), QStringLiteral("-mac"),
                          QStringLiteral("HMAC"), QStringLiteral("-macopt"),
                          QStringLiteral("hexkey:") + QString::fromLatin1(key.toHex()), QStringLiteral("-binary") },
        message);
}

SignatureScheme::Request request(HeaderList headers, QByteArray body, QByteArray url = {}, QByteArray method = "POST")
{
    SignatureScheme::Request result;
    result.method = std::move(method);
    result.url = std::move(url);
    result.headers = std::move(headers);
    result.body = std::move(body);
    return result;
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
    void standardWebhooksPublishedVector_data();
    void standardWebhooksPublishedVector();
    void providerKnownAnswer_data();
    void providerKnownAnswer();
    void discordEd25519MadeByOpenssl();
    void graphClientState_data();
    void graphClientState();
    void badInput_data();
    void badInput();
    void signedMessageTemplate_data();
    void signedMessageTemplate();
    void schemeDescription_data();
    void schemeDescription();
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
                                    << QStringLiteral("missing X-Hub-Signature-256");
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
                                       << Now << QStringLiteral("missing X-Hub-Signature");
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
        << QStringLiteral("the signed message ({timestamp}.{body})");
    QTest::addRow("stripe stale") << QByteArray("stripe") << stripeSecret
                                  << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + good } } << stripeBody
                                  << Now + 301 << QStringLiteral("stale or replayed");
    QTest::addRow("stripe future") << QByteArray("stripe") << stripeSecret
                                   << HeaderList { { "Stripe-Signature", "t=" + t + ",v1=" + good } } << stripeBody
                                   << Now - 301 << QStringLiteral("in the future");
    QTest::addRow("stripe timestamp changed")
        << QByteArray("stripe") << stripeSecret
        << HeaderList { { "Stripe-Signature", "t=" + QByteArray::number(Now + 1) + ",v1=" + good } } << stripeBody
        << Now << QStringLiteral("the signed message ({timestamp}.{body})");
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
    for (const QString &name : SourcePreset::names()) {
        SignatureScheme scheme = presetScheme(name.toLatin1(), "s3cr3t");
        if (!scheme.canSign())
            continue; // a public key verifies only (Discord): discordEd25519MadeByOpenssl signs with openssl
        if (scheme.secretForm == SignatureScheme::SecretForm::Whsec)
            scheme.secret = "whsec_czNjcjN0"; // base64 of "s3cr3t"
        QTest::addRow("%s", qPrintable(name)) << scheme;
    }
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
    if (scheme.kind == SignatureScheme::Kind::Signed)
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

// Stripe-Signature's forms, through the stripe row (a keyed layout): what parses reaches the
// comparison ("… match the signed message"), what does not is malformed.
void TestSignatureScheme::stripeParser_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("valid");
    const QByteArray sig(64, 'a');
    QTest::addRow("one") << "t=1,v1=" + sig << true;
    QTest::addRow("spaces") << " t=1 , v1=" + sig + " " << true;
    QTest::addRow("two and v0") << "t=1,v1=" + sig + ",v0=" + sig + ",v1=" + sig << true;
    QTest::addRow("unknown scheme ignored") << "t=1,v9=zz,v1=" + sig << true;
    QTest::addRow("no t") << "v1=" + sig << false;
    QTest::addRow("two t") << "t=1,t=2,v1=" + sig << false;
    QTest::addRow("no v1") << QByteArray("t=1,v0=") + sig << false;
    QTest::addRow("short v1") << QByteArray("t=1,v1=abc") << false;
    QTest::addRow("t not digits") << "t=-1,v1=" + sig << false;
    QTest::addRow("empty") << QByteArray("") << false;
    QTest::addRow("item without =") << "t=1,v1=" + sig + ",junk" << false;
}

void TestSignatureScheme::stripeParser()
{
    QFETCH(QByteArray, value);
    QFETCH(bool, valid);
    const SignatureScheme stripe = presetScheme("stripe", "whsec_test");
    const QString reason = stripe.verify({ { "Stripe-Signature", value } }, "{}", Now);
    if (valid)
        QVERIFY2(reason.contains(QLatin1String("the signed message ({timestamp}.{body})")), qPrintable(reason));
    else
        QVERIFY2(reason.startsWith(QLatin1String("malformed Stripe-Signature")), qPrintable(reason));
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

// The Standard Webhooks specification's published vector (the signed string is
// "<webhook-id>.<webhook-timestamp>.<body>", key the base64 after whsec_), under each name that uses it.
void TestSignatureScheme::standardWebhooksPublishedVector_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addColumn<QByteArray>("secret");
    QTest::addColumn<QByteArray>("signatures");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qint64>("now");
    QTest::addColumn<QString>("reason");
    const QByteArray secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const QByteArray good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const QByteArray body = R"({"test": 2432232314})";
    const qint64 ts = 1614265330;
    for (const QByteArray preset : { "standard-webhooks", "svix", "clerk", "resend" }) {
        const char *name = preset.constData();
        QTest::addRow("%s published vector", name) << preset << secret << good << body << ts << QString();
        QTest::addRow("%s key without whsec_", name) << preset << secret.mid(6) << good << body << ts + 299 << QString();
        QTest::addRow("%s one of several", name)
            << preset << secret << "v1,bm9wZQ== v2,abc " + good + " v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            << body << ts << QString();
        QTest::addRow("%s tampered body", name) << preset << secret << good << QByteArray(R"({"test": 2432232315})")
                                                << ts << QStringLiteral("does not match");
        QTest::addRow("%s other secret", name) << preset << QByteArray("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx") << good
                                               << body << ts << QStringLiteral("does not match");
        QTest::addRow("%s stale", name) << preset << secret << good << body << ts + 301 << QStringLiteral("stale");
        QTest::addRow("%s future", name) << preset << secret << good << body << ts - 301 << QStringLiteral("in the future");
        QTest::addRow("%s v1a only", name) << preset << secret << "v1a," + good.mid(3) << body << ts
                                           << QStringLiteral("malformed");
        QTest::addRow("%s hex instead of base64", name)
            << preset << secret << QByteArray("v1,") + QByteArray(64, 'a') << body << ts << QStringLiteral("malformed");
    }
}

void TestSignatureScheme::standardWebhooksPublishedVector()
{
    QFETCH(QByteArray, preset);
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, signatures);
    QFETCH(QByteArray, body);
    QFETCH(qint64, now);
    QFETCH(QString, reason);
    const QByteArray prefix = preset == "standard-webhooks" ? "webhook" : "svix";
    const HeaderList headers { { prefix + "-id", "msg_p5jXN8AQM9LWM0D4loKWxJek" }, { prefix + "-timestamp", "1614265330" },
        { prefix + "-signature", signatures } };
    const SignatureScheme scheme = presetScheme(preset, secret);
    QCOMPARE(scheme.checkSecret(), QString());
    const QString result = scheme.verify(headers, body, now);
    if (reason.isEmpty())
        QVERIFY2(result.isEmpty(), qPrintable(result));
    else
        QVERIFY2(result.contains(reason), qPrintable(result));
    QVERIFY(!result.contains(QString::fromLatin1(secret)));
    // The id is signed: the same signature under another webhook-id fails.
    HeaderList otherId = headers;
    otherId[0].second = "msg_other";
    QVERIFY(!scheme.verify(otherId, body, now).isEmpty());
    // Without webhook-id, named.
    QVERIFY(scheme.verify(headers.mid(1), body, now).contains(QString::fromLatin1(prefix + "-id")));
}

// Every provider row once with a signature computed by openssl following the provider's documented
// recipe (written out in the row: which key, which digest, which bytes, which encoding, which header).
void TestSignatureScheme::providerKnownAnswer_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addColumn<QByteArray>("secret"); // as configured
    QTest::addColumn<QByteArray>("key"); // the HMAC key bytes the recipe names
    QTest::addColumn<QByteArray>("digest"); // sha256 or sha1
    QTest::addColumn<QByteArray>("message"); // the bytes the recipe signs, written out here
    QTest::addColumn<bool>("base64"); // else hex
    QTest::addColumn<HeaderList>("headers"); // %SIG% is replaced by the encoded signature
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("url");
    QTest::addColumn<QByteArray>("method");

    const QByteArray body = R"({"id":"evt_1","type":"order.created","event":{"event_type":"x"}})";
    const QByteArray ts = QByteArray::number(Now);
    const QByteArray tsMs = QByteArray::number(Now * 1000 + 123);
    const QByteArray secret = "provider-secret";
    const auto row = [&](const char *name, const char *digest, QByteArray message, bool base64, HeaderList headers,
                         QByteArray requestBody, QByteArray url = {}, QByteArray method = "POST") {
        QTest::addRow("%s", name) << QByteArray(name) << secret << secret << QByteArray(digest) << message << base64
                                  << headers << requestBody << url << method;
    };
    // Standard Webhooks (and Svix): whsec_ key base64-decoded; base64 HMAC-SHA256 of "id.timestamp.body".
    const QByteArray whsecKey = QByteArray::fromBase64("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    for (const char *name : { "standard-webhooks", "svix", "clerk", "resend" }) {
        const QByteArray prefix = QByteArray(name) == "standard-webhooks" ? "webhook" : "svix";
        QTest::addRow("%s", name) << QByteArray(name) << QByteArray("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") << whsecKey
                                  << QByteArray("sha256") << "msg_2." + ts + '.' + body << true
                                  << HeaderList { { prefix + "-id", "msg_2" }, { prefix + "-timestamp", ts },
                                         { prefix + "-signature", "v1,%SIG%" } }
                                  << body << QByteArray() << QByteArray("POST");
    }
    // Shopify: X-Shopify-Hmac-Sha256 = base64 HMAC-SHA256(secret, raw body).
    row("shopify", "sha256", body, true, { { "X-Shopify-Hmac-Sha256", "%SIG%" } }, body);
    // Twilio: X-Twilio-Signature = base64 HMAC-SHA1(auth token, full URL + each POST parameter sorted
    // by name, name then value, decoded).
    const QByteArray form = "To=%2B18005551212&From=%2B12349013030&Body=Hello+world&CallSid=CA123";
    row("twilio", "sha1", "https://example.com/twilio?x=1BodyHello worldCallSidCA123From+12349013030To+18005551212", true,
        { { "X-Twilio-Signature", "%SIG%" } }, form, "https://example.com/twilio?x=1");
    // Zoom: x-zm-signature = "v0=" + hex HMAC-SHA256(secret token, "v0:" + x-zm-request-timestamp + ":" + body).
    row("zoom", "sha256", "v0:" + ts + ':' + body, false,
        { { "x-zm-request-timestamp", ts }, { "x-zm-signature", "v0=%SIG%" } }, body);
    // Linear: Linear-Signature = hex HMAC-SHA256(secret, body).
    row("linear", "sha256", body, false, { { "Linear-Signature", "%SIG%" } }, body);
    // PagerDuty v3: X-PagerDuty-Signature = "v1=<hex HMAC-SHA256(secret, body)>", comma-separated list.
    row("pagerduty", "sha256", body, false,
        { { "X-PagerDuty-Signature", "v1=" + QByteArray(64, '0') + ",v1=%SIG%" } }, body);
    // Sentry: Sentry-Hook-Signature = hex HMAC-SHA256(client secret, body).
    row("sentry", "sha256", body, false, { { "Sentry-Hook-Signature", "%SIG%" } }, body);
    // HubSpot v3: X-HubSpot-Signature-v3 = base64 HMAC-SHA256(client secret, method + URL + body +
    // X-HubSpot-Request-Timestamp (milliseconds)).
    row("hubspot", "sha256", "POSThttps://example.com/hubspot" + body + tsMs, true,
        { { "X-HubSpot-Request-Timestamp", tsMs }, { "X-HubSpot-Signature-v3", "%SIG%" } }, body,
        "https://example.com/hubspot");
    // Square: x-square-hmacsha256-signature = base64 HMAC-SHA256(signature key, notification URL + body).
    row("square", "sha256", "https://example.com/square" + body, true,
        { { "x-square-hmacsha256-signature", "%SIG%" } }, body, "https://example.com/square");
    // Paddle Billing: Paddle-Signature = "ts=<ts>;h1=<hex HMAC-SHA256(secret, ts + ":" + body)>".
    row("paddle", "sha256", ts + ':' + body, false, { { "Paddle-Signature", "ts=" + ts + ";h1=%SIG%" } }, body);
    // Typeform: Typeform-Signature = "sha256=" + base64 HMAC-SHA256(secret, body).
    row("typeform", "sha256", body, true, { { "Typeform-Signature", "sha256=%SIG%" } }, body);
    // Intercom: X-Hub-Signature = "sha1=" + hex HMAC-SHA1(client secret, body).
    row("intercom", "sha1", body, false, { { "X-Hub-Signature", "sha1=%SIG%" } }, body);
    // Calendly: Calendly-Webhook-Signature = "t=<ts>,v1=<hex HMAC-SHA256(signing key, ts + "." + body)>".
    row("calendly", "sha256", ts + '.' + body, false, { { "Calendly-Webhook-Signature", "t=" + ts + ",v1=%SIG%" } }, body);
    // Vercel: x-vercel-signature = hex HMAC-SHA1(secret, body).
    row("vercel", "sha1", body, false, { { "x-vercel-signature", "%SIG%" } }, body);
    // Gitea: X-Gitea-Signature = hex HMAC-SHA256(secret, body), no prefix.
    row("gitea", "sha256", body, false, { { "X-Gitea-Signature", "%SIG%" } }, body);
    // Lemon Squeezy: X-Signature = hex HMAC-SHA256(signing secret, body).
    row("lemonsqueezy", "sha256", body, false, { { "X-Signature", "%SIG%" } }, body);
    // WooCommerce: X-WC-Webhook-Signature = base64 HMAC-SHA256(secret, body).
    row("woocommerce", "sha256", body, true, { { "X-WC-Webhook-Signature", "%SIG%" } }, body);
    // Dropbox: X-Dropbox-Signature = hex HMAC-SHA256(app secret, body).
    row("dropbox", "sha256", body, false, { { "X-Dropbox-Signature", "%SIG%" } }, body);
}

void TestSignatureScheme::providerKnownAnswer()
{
    QFETCH(QByteArray, preset);
    QFETCH(QByteArray, secret);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, digest);
    QFETCH(QByteArray, message);
    QFETCH(bool, base64);
    QFETCH(HeaderList, headers);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, url);
    QFETCH(QByteArray, method);
    const QByteArray mac = opensslHmac(digest.constData(), key, message);
    QVERIFY2(mac.size() == (digest == "sha1" ? 20 : 32), "openssl dgst failed (./dev test installs openssl)");
    const QByteArray signature = base64 ? mac.toBase64() : mac.toHex();
    for (auto &header : headers)
        header.second.replace("%SIG%", signature);
    const qint64 now = Now + 10;
    const SignatureScheme scheme = presetScheme(preset, secret);
    QCOMPARE(scheme.checkSecret(), QString());
    const QString denied = scheme.verify(request(headers, body, url, method), now);
    QVERIFY2(denied.isEmpty(), qPrintable(denied));
    // And only this body, URL and method where the recipe signs them.
    QVERIFY(!scheme.verify(request(headers, body + ' ', url, method), now).isEmpty());
    if (scheme.message.uses(SignedMessage::Part::Url))
        QVERIFY(!scheme.verify(request(headers, body, url + "/other", method), now).isEmpty());
    if (scheme.message.uses(SignedMessage::Part::Method))
        QVERIFY(!scheme.verify(request(headers, body, url, "PUT"), now).isEmpty());
    if (scheme.hasTimestamp())
        QVERIFY(scheme.verify(request(headers, body, url, method), Now + 400).contains(QLatin1String("stale")));
    // ackhook's own signing (the window's test sender) makes what openssl made.
    if (!scheme.message.uses(SignedMessage::Part::Id) && !scheme.hasTimestamp()) {
        const HeaderList own = scheme.sign(request({}, body, url, method), now);
        QCOMPARE(headerValue(own, scheme.header), headerValue(headers, scheme.header).split(',').last());
    }
}

// Microsoft Graph: no signature; every notification in the body's "value" carries the clientState
// the subscription was created with (the endpoint's secret). Reasons name the notification, never a value.
void TestSignatureScheme::graphClientState_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("reason"); // empty: passes
    const QByteArray one = R"({"subscriptionId":"s","changeType":"created","clientState":"graph-client-state"})";
    QTest::addRow("one") << R"({"value":[)" + one + "]}" << QString();
    QTest::addRow("two") << R"({"value":[)" + one + "," + one + "]}" << QString();
    QTest::addRow("second wrong") << R"({"value":[)" + one + R"(,{"clientState":"guess"}]})"
                                  << QStringLiteral("value[1].clientState does not match");
    QTest::addRow("missing") << QByteArray(R"({"value":[{"subscriptionId":"s"}]})")
                             << QStringLiteral("value[0].clientState is missing or not a string");
    QTest::addRow("number") << QByteArray(R"({"value":[{"clientState":7}]})")
                            << QStringLiteral("value[0].clientState is missing or not a string");
    QTest::addRow("prefix of it") << QByteArray(R"({"value":[{"clientState":"graph-client"}]})")
                                  << QStringLiteral("value[0].clientState does not match");
    QTest::addRow("empty value") << QByteArray(R"({"value":[]})") << QStringLiteral("body has no value array");
    QTest::addRow("no value") << QByteArray(R"({"clientState":"graph-client-state"})")
                              << QStringLiteral("body has no value array");
    QTest::addRow("not JSON") << QByteArray("clientState=graph-client-state")
                              << QStringLiteral("body is not a Microsoft Graph notification");
}

void TestSignatureScheme::graphClientState()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, reason);
    const SignatureScheme scheme = presetScheme("microsoft-graph", "graph-client-state");
    QCOMPARE(scheme.kind, SignatureScheme::Kind::ClientState);
    QVERIFY(scheme.requiresSecret());
    QVERIFY(!scheme.canSign());
    const QString result = scheme.verify({ { "Content-Type", "application/json" } }, body, Now);
    if (reason.isEmpty()) {
        QCOMPARE(result, QString());
        return;
    }
    QVERIFY2(result.startsWith(reason), qPrintable(result));
    QVERIFY(!result.contains(QLatin1String("graph-client")));
    QVERIFY(!result.contains(QLatin1String("guess")));
}

// Discord: X-Signature-Ed25519 = hex Ed25519 signature of X-Signature-Timestamp followed by the body,
// verified with the application's public key (64 hex digits). The key pair and signature by openssl.
void TestSignatureScheme::discordEd25519MadeByOpenssl()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keyFile = dir.filePath(QStringLiteral("key.pem"));
    QVERIFY(runOpenssl({ QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("ed25519"),
                           QStringLiteral("-out"), keyFile },
        {})
            .isEmpty());
    QVERIFY(QFile::exists(keyFile));
    const QByteArray publicDer = runOpenssl({ QStringLiteral("pkey"), QStringLiteral("-in"), keyFile,
                                                QStringLiteral("-pubout"), QStringLiteral("-outform"), QStringLiteral("DER") },
        {});
    QCOMPARE(publicDer.size(), 44); // SubjectPublicKeyInfo: 12 bytes of header, then the 32-byte key
    const QByteArray publicKey = publicDer.right(32).toHex();
    const QByteArray body = R"({"type":2,"id":"123","data":{"name":"ping"}})";
    const QByteArray ts = QByteArray::number(Now);
    const QString messageFile = dir.filePath(QStringLiteral("message"));
    QFile message(messageFile);
    QVERIFY(message.open(QIODevice::WriteOnly));
    message.write(ts + body);
    message.close();
    const QByteArray signature = runOpenssl({ QStringLiteral("pkeyutl"), QStringLiteral("-sign"), QStringLiteral("-inkey"),
                                                keyFile, QStringLiteral("-rawin"), QStringLiteral("-in"), messageFile },
        {});
    QCOMPARE(signature.size(), 64);

    SignatureScheme scheme = presetScheme("discord", publicKey);
    QCOMPARE(scheme.checkSecret(), QString());
    QVERIFY(!scheme.canSign());
    const HeaderList headers { { "X-Signature-Ed25519", signature.toHex() }, { "X-Signature-Timestamp", ts } };
    QCOMPARE(scheme.verify(headers, body, Now), QString());
    QVERIFY(scheme.verify(headers, body + ' ', Now).contains(QLatin1String("does not match")));
    QVERIFY(scheme.verify({ headers.at(0), { "X-Signature-Timestamp", QByteArray::number(Now + 1) } }, body, Now)
                .contains(QLatin1String("does not match")));
    QVERIFY(scheme.verify(headers, body, Now + 301).contains(QLatin1String("stale")));
    QByteArray flipped = signature;
    flipped[10] = char(flipped[10] ^ 1);
    QVERIFY(!scheme.verify({ { "X-Signature-Ed25519", flipped.toHex() }, headers.at(1) }, body, Now).isEmpty());
    QVERIFY(scheme.verify({ headers.at(1) }, body, Now).contains(QLatin1String("missing X-Signature-Ed25519")));
    // Another key: refused. A malformed one is a configuration error.
    scheme.secret = QByteArray(64, 'a');
    QVERIFY(!scheme.verify(headers, body, Now).isEmpty());
    scheme.secret = "not hex";
    QVERIFY(scheme.checkSecret().contains(QLatin1String("64 hex digits")));
}

// Every preset: missing, malformed, duplicated, over-long and non-ASCII credentials and timestamps
// are refused with what is wrong, never the secret or the expected signature.
void TestSignatureScheme::badInput_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addColumn<QByteArray>("mutation");
    for (const QString &name : SourcePreset::names()) {
        const SignatureScheme::Kind kind = presetScheme(name.toLatin1(), "x").kind;
        if (kind == SignatureScheme::Kind::None || kind == SignatureScheme::Kind::ClientState
            || name == QLatin1String("discord"))
            continue; // none (and aws-sns) take anything; microsoft-graph: graphClientState; discord: discordEd25519MadeByOpenssl
        for (const char *mutation : { "missing", "malformed", "duplicated", "over-long", "non-ascii", "wrong" })
            QTest::addRow("%s %s", qPrintable(name), mutation) << name.toLatin1() << QByteArray(mutation);
        if (presetScheme(name.toLatin1(), "x").hasTimestamp()) {
            for (const char *mutation : { "timestamp missing", "timestamp malformed", "timestamp duplicated",
                     "timestamp over-long", "timestamp non-ascii", "stale", "future" })
                QTest::addRow("%s %s", qPrintable(name), mutation) << name.toLatin1() << QByteArray(mutation);
        }
    }
}

void TestSignatureScheme::badInput()
{
    QFETCH(QByteArray, preset);
    QFETCH(QByteArray, mutation);
    SignatureScheme scheme = presetScheme(preset, "very-secret-value");
    if (scheme.secretForm == SignatureScheme::SecretForm::Whsec)
        scheme.secret = "whsec_dmVyeS1zZWNyZXQtdmFsdWU="; // base64 of very-secret-value
    const QByteArray body = R"({"a":1})";
    const SignatureScheme::Request good = request(scheme.sign(request({}, body, "http://h/p"), Now, "msg_1"), body, "http://h/p");
    QCOMPARE(scheme.verify(good, Now), QString());
    const QByteArray credential = scheme.credentialHeaders().value(0);
    const QByteArray timestampHeader = scheme.timestampHeader;
    const bool inHeader = !timestampHeader.isEmpty(); // else the timestamp is a key of the signature header
    SignatureScheme::Request bad = good;
    const auto replace = [&](const QByteArray &name, const QByteArray &value) {
        for (auto &header : bad.headers) {
            if (header.first.compare(name, Qt::CaseInsensitive) == 0)
                header.second = value;
        }
    };
    const auto remove = [&](const QByteArray &name) {
        bad.headers.removeIf([&](const auto &header) { return header.first.compare(name, Qt::CaseInsensitive) == 0; });
    };
    const QByteArray original = headerValue(good.headers, credential);
    const QByteArray originalTs = inHeader ? headerValue(good.headers, timestampHeader) : QByteArray();
    QString expected;
    qint64 now = Now;
    if (mutation == "missing") {
        remove(credential);
        expected = QStringLiteral("missing");
    } else if (mutation == "malformed") {
        replace(credential, original.left(original.size() - 3));
        expected = scheme.kind == SignatureScheme::Kind::Token || scheme.kind == SignatureScheme::Kind::Bearer
            ? QStringLiteral("wrong")
            : QStringLiteral("malformed");
    } else if (mutation == "duplicated") {
        bad.headers.append({ credential, original });
        expected = QStringLiteral("sent 2 times");
    } else if (mutation == "over-long") {
        replace(credential, original + QByteArray(SignatureScheme::MaxHeaderBytes, 'a'));
        expected = QStringLiteral("over-long");
    } else if (mutation == "non-ascii") {
        replace(credential, original.left(original.size() - 2) + "\xc3\xa9");
        expected = QStringLiteral("not printable ASCII");
    } else if (mutation == "wrong") {
        bad.body = body + ' ';
        expected = scheme.kind == SignatureScheme::Kind::Token || scheme.kind == SignatureScheme::Kind::Bearer
            ? QString() // a token does not sign the body: the next line checks a wrong token instead
            : QStringLiteral("match");
        if (expected.isEmpty()) {
            replace(credential, scheme.kind == SignatureScheme::Kind::Bearer ? "Bearer very-secret-valuf" : "very-secret-valuf");
            expected = QStringLiteral("wrong");
        }
    } else if (mutation == "stale" || mutation == "future") {
        now = mutation == "stale" ? Now + scheme.tolerance.count() + 2 : Now - scheme.tolerance.count() - 2;
        expected = mutation == "stale" ? QStringLiteral("stale") : QStringLiteral("in the future");
    } else if (inHeader) {
        if (mutation == "timestamp missing") {
            remove(timestampHeader);
            expected = QStringLiteral("missing");
        } else if (mutation == "timestamp malformed") {
            replace(timestampHeader, "12e4");
            expected = QStringLiteral("malformed");
        } else if (mutation == "timestamp duplicated") {
            bad.headers.append({ timestampHeader, originalTs });
            expected = QStringLiteral("sent 2 times");
        } else if (mutation == "timestamp over-long") {
            replace(timestampHeader, QByteArray(SignatureScheme::MaxHeaderBytes + 1, '1'));
            expected = QStringLiteral("over-long");
        } else if (mutation == "timestamp non-ascii") {
            replace(timestampHeader, originalTs + "\xe2\x80\x8b");
            expected = QStringLiteral("not printable ASCII");
        }
    } else {
        // The timestamp is inside the signature header (t=…, ts=…).
        QByteArray value = original;
        if (mutation == "timestamp missing")
            value = value.mid(value.indexOf(scheme.separator) + 1);
        else if (mutation == "timestamp malformed")
            value.replace(QByteArray::number(Now), "12e4");
        else if (mutation == "timestamp duplicated")
            value = value.left(value.indexOf(scheme.separator) + 1) + value;
        else if (mutation == "timestamp over-long")
            value.replace(QByteArray::number(Now), QByteArray(40, '1'));
        else if (mutation == "timestamp non-ascii")
            value.replace(QByteArray::number(Now), "1767225600\xc2\xa0");
        replace(credential, value);
        expected = mutation == "timestamp non-ascii" ? QStringLiteral("not printable ASCII") : QStringLiteral("malformed");
    }
    const QString reason = scheme.verify(bad, now);
    QVERIFY2(!reason.isEmpty(), "accepted");
    QVERIFY2(reason.contains(expected), qPrintable(reason));
    QVERIFY2(!reason.contains(QLatin1String("very-secret")), qPrintable(reason));
    const QByteArray expectedSignature = headerValue(good.headers, credential);
    if (expectedSignature.size() > 16)
        QVERIFY2(!reason.contains(QString::fromLatin1(expectedSignature.right(16))), qPrintable(reason));
}

void TestSignatureScheme::signedMessageTemplate_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QByteArray>("rendered"); // empty: refused
    QTest::addColumn<QString>("problem");
    QTest::addRow("standard webhooks") << QByteArray("{id}.{timestamp}.{body}") << QByteArray("i.7.b") << QString();
    QTest::addRow("zoom") << QByteArray("v0:{timestamp}:{body}") << QByteArray("v0:7:b") << QString();
    QTest::addRow("hubspot") << QByteArray("{method}{url}{body}{timestamp}") << QByteArray("POSTub7") << QString();
    QTest::addRow("twilio form") << QByteArray("{url}{form}") << QByteArray("ub") << QString();
    QTest::addRow("body only") << QByteArray("{body}") << QByteArray("b") << QString();
    QTest::addRow("no body") << QByteArray("{id}.{timestamp}") << QByteArray() << QStringLiteral("does not sign the body");
    QTest::addRow("unknown") << QByteArray("{nonce}{body}") << QByteArray() << QStringLiteral("unknown placeholder {nonce}");
    QTest::addRow("unclosed") << QByteArray("{body") << QByteArray() << QStringLiteral("never closed");
    QTest::addRow("stray }") << QByteArray("}{body}") << QByteArray() << QStringLiteral("without '{'");
    QTest::addRow("empty") << QByteArray() << QByteArray() << QStringLiteral("must not be empty");
    QTest::addRow("control") << QByteArray("{body}\n") << QByteArray() << QStringLiteral("not printable");
    QTest::addRow("too long") << QByteArray("{body}") + QByteArray(300, 'x') << QByteArray() << QStringLiteral("longer");
}

void TestSignatureScheme::signedMessageTemplate()
{
    QFETCH(QByteArray, text);
    QFETCH(QByteArray, rendered);
    QFETCH(QString, problem);
    QString error;
    const auto message = SignedMessage::parse(text, &error);
    QCOMPARE(message.has_value(), problem.isEmpty());
    if (!message) {
        QVERIFY2(error.contains(problem), qPrintable(error));
        return;
    }
    QCOMPARE(message->render({ "i", "7", "POST", "u", "b" }), rendered);
    QCOMPARE(SignedMessage::sortedForm("b=2&a=1&c=%2B3+x&d"), QByteArray("a1b2c+3 xd"));
}

void TestSignatureScheme::schemeDescription_data()
{
    QTest::addColumn<QList<QPair<QByteArray, QString>>>("items");
    QTest::addColumn<QString>("problem"); // empty: complete
    using Items = QList<QPair<QByteArray, QString>>;
    QTest::addRow("body hmac") << Items { { "header", QStringLiteral("X-Acme-Signature") } } << QString();
    QTest::addRow("standard webhooks shape")
        << Items { { "header", QStringLiteral("webhook-signature") }, { "layout", QStringLiteral("list") },
               { "separator", QStringLiteral(" ") }, { "prefix", QStringLiteral("v1,") },
               { "encoding", QStringLiteral("base64") }, { "message", QStringLiteral("{id}.{timestamp}.{body}") },
               { "id_header", QStringLiteral("webhook-id") }, { "timestamp_header", QStringLiteral("webhook-timestamp") },
               { "secret_form", QStringLiteral("whsec") }, { "tolerance", QStringLiteral("5m") } }
        << QString();
    QTest::addRow("no header") << Items {} << QStringLiteral("no signature header");
    QTest::addRow("bad algorithm") << Items { { "algorithm", QStringLiteral("md5") } }
                                   << QStringLiteral("'md5' is not one of hmac-sha256, hmac-sha1, ed25519");
    QTest::addRow("bad header") << Items { { "header", QStringLiteral("X Sig") } } << QStringLiteral("not a header name");
    QTest::addRow("timestamp nowhere") << Items { { "header", QStringLiteral("X-Sig") },
                                              { "message", QStringLiteral("{timestamp}.{body}") } }
                                       << QStringLiteral("no timestamp_header");
    QTest::addRow("id nowhere") << Items { { "header", QStringLiteral("X-Sig") }, { "message", QStringLiteral("{id}{body}") } }
                                << QStringLiteral("no id_header");
    QTest::addRow("ed25519 with raw secret") << Items { { "header", QStringLiteral("X-Sig") },
                                                    { "algorithm", QStringLiteral("ed25519") } }
                                             << QStringLiteral("public-key");
    QTest::addRow("keyed without key") << Items { { "header", QStringLiteral("X-Sig") }, { "layout", QStringLiteral("keyed") },
                                              { "separator", QStringLiteral(",") } }
                                       << QStringLiteral("signature_key");
    QTest::addRow("list without prefix") << Items { { "header", QStringLiteral("X-Sig") }, { "layout", QStringLiteral("list") },
                                                { "separator", QStringLiteral(",") } }
                                         << QStringLiteral("signature_prefix");
    QTest::addRow("unknown key") << Items { { "nonce_header", QStringLiteral("X") } } << QStringLiteral("unknown key");
    QTest::addRow("keeps its signature") << Items { { "header", QStringLiteral("X-Sig") },
                                                { "keep_headers", QStringLiteral("x-sig, User-Agent") } }
                                         << QStringLiteral("carries the signature");
    // Found by fuzz_schemes: descriptions whose own signatures could not be read back.
    QTest::addRow("prefix holds the separator")
        << Items { { "header", QStringLiteral("X-Sig") }, { "layout", QStringLiteral("list") },
               { "separator", QStringLiteral(" ") }, { "prefix", QStringLiteral("v1 x,") } }
        << QStringLiteral("must not be part of the prefix");
    QTest::addRow("separator in base64") << Items { { "header", QStringLiteral("X-Sig") }, { "layout", QStringLiteral("list") },
                                                { "separator", QStringLiteral("+") }, { "prefix", QStringLiteral("v1,") } }
                                         << QStringLiteral("separator must be one of");
    QTest::addRow("signature header is the timestamp header")
        << Items { { "header", QStringLiteral("X-Ts") }, { "timestamp_header", QStringLiteral("x-ts") } }
        << QStringLiteral("three different headers");
    QTest::addRow("bad tolerance") << Items { { "tolerance", QStringLiteral("soon") } } << QStringLiteral("soon");
}

void TestSignatureScheme::schemeDescription()
{
    using Items = QList<QPair<QByteArray, QString>>;
    QFETCH(Items, items);
    QFETCH(QString, problem);
    SourcePreset preset = SchemeDescription::blank("acme");
    QString found;
    for (const auto &[key, value] : items) {
        found = SchemeDescription::apply(preset, key, value);
        if (!found.isEmpty())
            break;
    }
    if (found.isEmpty())
        found = SchemeDescription::finish(preset);
    if (problem.isEmpty())
        QVERIFY2(found.isEmpty(), qPrintable(found));
    else
        QVERIFY2(found.contains(problem), qPrintable(found));
}

QTEST_GUILESS_MAIN(TestSignatureScheme)
#include "tst_signaturescheme.moc"
