// Fuzz target: CloudEvents attribute reading and idempotency-key extraction from headers and body.
// Invariants: a valid key is 1..256 printable ASCII bytes (or a generated UUID); a CloudEvent key
// is "source id" of a valid event; an invalid one always says why.
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
        FUZZ_ASSERT(key.value == QByteArray(event.source + ' ' + event.id).trimmed());
    }
    return 0;
}
