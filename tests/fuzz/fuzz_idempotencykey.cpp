// Fuzz target: CloudEvents attribute reading and idempotency-key extraction from headers and body.
// Invariants: a valid key is 1..256 printable ASCII bytes (or a generated UUID); a CloudEvent key
// is the source (percent-encoded) and the id of a valid event; an invalid one always says why.
#include "webhook/cloudevent.h"
#include "fuzzinput.h"
#include "webhook/idempotencykey.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HeaderList headers;
    QByteArray body;
    FuzzInput(data, size).headersAndBody(&headers, &body);
    const CloudEventAttributes event = CloudEventAttributes::read(headers, body);
    const IdempotencyKey key = IdempotencyKey::extract(headers, body);
    if (!key.isValid()) {
        FUZZ_ASSERT(!key.error.isEmpty());
        return 0;
    }
    FUZZ_ASSERT(!key.value.isEmpty() && key.value.size() <= IdempotencyKey::MaxLength);
    if (key.generated)
        FUZZ_ASSERT(key.value.size() == 36);
    for (char c : key.value)
        FUZZ_ASSERT(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) <= 0x7e);
    if (key.origin == "cloudevent") {
        FUZZ_ASSERT(event.mode != CloudEventAttributes::Mode::None && event.isValid());
        // "<source, '%' and ' ' percent-encoded> <id>": the first space splits it back into the
        // event's own source and id (two different events never share a key).
        const qsizetype space = key.value.indexOf(' ');
        FUZZ_ASSERT(space > 0);
        FUZZ_ASSERT(QByteArray::fromPercentEncoding(key.value.left(space)) == event.source);
        FUZZ_ASSERT(key.value.mid(space + 1) == event.id.trimmed());
    }
    return 0;
}
