// Fuzz target: the scheme description ([[scheme]] keys as SchemeDescription reads them) and the
// signed-message template. Input: "key=value" lines, a blank line, then "Name: value" headers, a blank
// line and a body. Invariants: a template that parses renders and keeps its text; a complete scheme
// answers any request without crashing and never with its secret; one that can sign accepts what it
// signed and refuses the same headers for another body.
#include "fuzzinput.h"
#include "webhook/schemedescription.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    qsizetype split = bytes.indexOf("\n\n");
    const QByteArray description = split < 0 ? bytes : bytes.left(split);
    const QByteArray rest = split < 0 ? QByteArray() : bytes.mid(split + 2);

    SourcePreset preset = SchemeDescription::blank("fuzz");
    for (const QByteArray &line : description.split('\n')) {
        const qsizetype equals = line.indexOf('=');
        if (equals <= 0)
            continue;
        const QByteArray key = line.left(equals).trimmed();
        const QString value = QString::fromUtf8(line.mid(equals + 1));
        (void)SchemeDescription::apply(preset, key, value);
        QString problem;
        if (const auto message = SignedMessage::parse(line.mid(equals + 1), &problem)) {
            FUZZ_ASSERT(message->text == line.mid(equals + 1) && problem.isEmpty());
            FUZZ_ASSERT(message->uses(SignedMessage::Part::Body) || message->uses(SignedMessage::Part::Form));
            (void)message->render({ "id", "1", "POST", "http://h/p", rest });
        } else {
            FUZZ_ASSERT(!problem.isEmpty());
        }
    }
    if (!SchemeDescription::finish(preset).isEmpty())
        return 0;

    SignatureScheme scheme = preset.scheme;
    switch (scheme.secretForm) {
    case SignatureScheme::SecretForm::Raw:
        scheme.secret = "fuzz-secret-value";
        break;
    case SignatureScheme::SecretForm::Whsec:
        scheme.secret = "whsec_ZnV6ei1zZWNyZXQtdmFsdWU="; // base64 of fuzz-secret-value
        break;
    case SignatureScheme::SecretForm::PublicKey:
        scheme.secret = QByteArray(64, '1');
        break;
    }
    FUZZ_ASSERT(scheme.checkSecret().isEmpty());
    HeaderList headers;
    QByteArray body;
    FuzzInput(reinterpret_cast<const uint8_t *>(rest.constData()), static_cast<size_t>(rest.size()))
        .headersAndBody(&headers, &body);
    constexpr qint64 Now = 1767225600;
    SignatureScheme::Request request;
    request.url = "http://h/p?q=1";
    request.headers = headers;
    request.body = body;
    const QString reason = scheme.verify(request, Now);
    FUZZ_ASSERT(!reason.contains(QLatin1String("fuzz-secret")));
    if (!scheme.canSign())
        return 0;
    request.headers = scheme.sign(request, Now, "msg_fuzz");
    FUZZ_ASSERT(scheme.verify(request, Now).isEmpty());
    if (scheme.message.uses(SignedMessage::Part::Body)) {
        request.body += 'x';
        FUZZ_ASSERT(!scheme.verify(request, Now).isEmpty());
    }
    return 0;
}
