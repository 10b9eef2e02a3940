// Fuzz target: the signature headers of every source preset (Stripe's keyed t=…,v1=…, Slack's v0=,
// lists, hex and base64 HMACs, timestamps), event types made subjects, and CloudEvents batches.
// Invariants: every preset answers whatever came in; it always accepts what it signed itself for the
// same body and time, and never the same headers for another body; a batch is refused whole with a
// reason (no event left in it) or has events with valid keys; an AWS SNS envelope is refused with a
// reason or names an SNS certificate URL and a signature, its string to sign ending in its Type; a
// body read as a PEM certificate gives a key or a reason.
#include "fuzzinput.h"
#include "config/configfile.h"
#include "webhook/cloudeventbatch.h"
#include "webhook/endpoint.h"
#include "webhook/snsmessage.h"
#include "webhook/sourcepreset.h"

#include <QJsonDocument>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HeaderList headers;
    QByteArray body;
    FuzzInput(data, size).headersAndBody(&headers, &body);
    constexpr qint64 Now = 1767225600;
    for (const auto &[name, value] : headers) {
        if (const auto timestamp = SignatureScheme::parseTimestamp(value))
            FUZZ_ASSERT(*timestamp >= 0 && *timestamp < 1000000000000);
        const Endpoint endpoint("/fuzz", "fuzz.{event}");
        FUZZ_ASSERT(ConfigFile::checkSubjectTemplate(endpoint.subjectFor(value)).isEmpty());
    }
    for (const QString &name : SourcePreset::names()) {
        SignatureScheme scheme = SourcePreset::find(name.toLatin1())->scheme;
        scheme.secret = "fuzz-secret";
        if (scheme.secretForm == SignatureScheme::SecretForm::Whsec)
            scheme.secret = "whsec_ZnV6ei1zZWNyZXQ="; // base64 of fuzz-secret
        (void)scheme.verify(headers, body, Now); // whatever came in: an answer, no crash
        if (!scheme.canSign())
            continue; // a public key only verifies (Discord)
        const HeaderList good = scheme.sign(body, Now);
        FUZZ_ASSERT(scheme.verify(good, body, Now).isEmpty());
        if (scheme.kind == SignatureScheme::Kind::Signed && scheme.message.uses(SignedMessage::Part::Body))
            FUZZ_ASSERT(!scheme.verify(good, body + 'x', Now).isEmpty());
    }
    const QJsonDocument json = QJsonDocument::fromJson(body);
    if (json.isObject()) {
        QString error;
        const auto sns = SnsMessage::parse(json.object(), &error);
        FUZZ_ASSERT(sns.has_value() == error.isEmpty());
        if (sns) {
            FUZZ_ASSERT(SnsMessage::isCertificateUrl(sns->certificateUrl));
            FUZZ_ASSERT(!sns->signature.isEmpty() && sns->signature.size() <= 1024);
            FUZZ_ASSERT(sns->stringToSign.endsWith(QByteArray("Type\n" + sns->type.toUtf8() + "\n")));
        }
    }
    {
        QString error;
        const auto key = SnsSigningKey::fromPem(body, &error);
        FUZZ_ASSERT((key != nullptr) == error.isEmpty());
    }
    const CloudEventBatch batch = CloudEventBatch::parse(body);
    if (!batch.error.isEmpty()) {
        // Refused whole: not one of its events is left to publish, and the reason says what it is.
        FUZZ_ASSERT(batch.events.isEmpty());
        FUZZ_ASSERT(batch.error.startsWith(QLatin1String("CloudEvents batch")));
    } else {
        FUZZ_ASSERT(!batch.events.isEmpty() && batch.events.size() <= CloudEventBatch::MaxEvents);
        for (const CloudEventBatch::Event &event : batch.events)
            FUZZ_ASSERT(!event.key.isEmpty() && event.key.size() <= 256);
    }
    return 0;
}
