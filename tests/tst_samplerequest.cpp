// SampleRequest (the window's test event): for every source preset, the sample its endpoint builds is
// accepted by that endpoint's own SignatureScheme::verify, as the webhook server calls it; another
// secret is refused; the key lands where the endpoint looks; a scheme only the sender can sign says so.
#include "webhook/endpoint.h"
#include "webhook/samplerequest.h"
#include "webhook/sourcepreset.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace {

constexpr qint64 Now = 1767225600; // 2026-01-01T00:00:00Z
const QByteArray Base = "http://127.0.0.1:8080";
const QByteArray Host = "127.0.0.1:8080";

// A secret of the form the preset's scheme reads (the public key of an Ed25519 scheme is never used
// to sign: only the sender holds the private key).
QByteArray secretFor(const SignatureScheme &scheme, bool other)
{
    switch (scheme.secretForm) {
    case SignatureScheme::SecretForm::Whsec:
        return "whsec_" + QByteArray(other ? "another secret" : "sample secret").toBase64();
    case SignatureScheme::SecretForm::PublicKey:
        return QByteArray(64, other ? 'b' : 'a');
    case SignatureScheme::SecretForm::Raw:
        break;
    }
    return other ? "another secret" : "sample secret";
}

Endpoint endpointFor(const QByteArray &preset, const QByteArray &publicUrl, bool otherSecret = false)
{
    Endpoint endpoint = Endpoint::fromPreset(*SourcePreset::find(preset), "/" + preset, "sample.{event}");
    endpoint.auth.secret = secretFor(endpoint.auth, otherSecret);
    endpoint.publicUrl = publicUrl;
    return endpoint;
}

// What the webhook server checks: the request as received (the client adds Host), the URL the
// endpoint says its sender signed.
QString verdict(const Endpoint &endpoint, const SampleRequest &sample)
{
    HeaderList headers = sample.headers;
    headers.append({ "Host", Host });
    return endpoint.auth.verify(
        { sample.method, endpoint.signedUrl(sample.target, headers), headers, sample.body }, Now);
}

} // namespace

class TestSampleRequest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void acceptedByItsEndpoint_data();
    void acceptedByItsEndpoint();
};

void TestSampleRequest::acceptedByItsEndpoint_data()
{
    QTest::addColumn<QByteArray>("preset");
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("publicUrl");
    const QStringList names = SourcePreset::names();
    QVERIFY(names.size() > 20);
    for (const QString &name : names) {
        const QByteArray preset = name.toLatin1();
        QTest::addRow("%s, no key", preset.constData()) << preset << QByteArray() << QByteArray();
        QTest::addRow("%s, key", preset.constData()) << preset << QByteArray("demo-0f3c") << QByteArray();
        // Behind a proxy the sender signs the public URL ({url} of Twilio, Square, HubSpot …).
        QTest::addRow("%s, public URL", preset.constData())
            << preset << QByteArray("demo-77aa") << QByteArray("https://hooks.example.com/in/") + preset;
    }
}

void TestSampleRequest::acceptedByItsEndpoint()
{
    QFETCH(QByteArray, preset);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, publicUrl);
    const Endpoint endpoint = endpointFor(preset, publicUrl);
    const SampleRequest sample = SampleRequest::build(endpoint, Base, 7, key, Now);

    QCOMPARE(sample.method, QByteArray("POST"));
    QCOMPARE(sample.target, endpoint.path);
    const QJsonDocument json = QJsonDocument::fromJson(sample.body);
    QVERIFY2(json.isObject(), sample.body.constData());
    QCOMPARE(json.object().value(QLatin1String("n")).toInteger(), 7);
    if (!endpoint.eventHeader.isEmpty())
        QCOMPARE(headerValue(sample.headers, endpoint.eventHeader), QByteArray("ackhook_test"));
    if (!key.isEmpty()) { // the window's key is the one the endpoint reads back
        const IdempotencyKey read = endpoint.key(sample.headers, sample.body, json);
        QVERIFY2(!read.generated, read.origin.constData());
        QCOMPARE(read.value, key);
    }

    const QString verified = verdict(endpoint, sample);
    if (endpoint.snsSigned()) { // SNS's certificate signature, checked by the server (tst_sns): said
        QVERIFY(sample.unsigned_.contains(QString::fromLatin1(endpoint.path)));
        QVERIFY(sample.unsigned_.contains(QLatin1String("only SNS can sign")));
        return;
    }
    if (!endpoint.auth.canSign()) { // only the sender can: said, and refused
        QVERIFY(!sample.unsigned_.isEmpty());
        QVERIFY(sample.unsigned_.contains(QString::fromLatin1(endpoint.path)));
        QVERIFY(!verified.isEmpty());
        return;
    }
    QVERIFY2(sample.unsigned_.isEmpty(), qPrintable(sample.unsigned_));
    QVERIFY2(verified.isEmpty(), qPrintable(verified));
    if (endpoint.auth.requiresSecret()) { // not accepted by just anyone: another secret refuses it
        const QString other = verdict(endpointFor(preset, publicUrl, true), sample);
        QVERIFY2(!other.isEmpty(), "accepted under another secret");
    }
}

QTEST_GUILESS_MAIN(TestSampleRequest)
#include "tst_samplerequest.moc"
