// Fuzz target: signature and bearer header parsing, and the whole check. Invariants: a parsed
// signature is 32 bytes; the signature ackhook computes for a body is always accepted, and a
// different body with the same signature never is.
#include "fuzzinput.h"
#include "http/bearerauth.h"
#include "webhook/webhookauth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    HeaderList headers;
    QByteArray body;
    FuzzInput(data, size).headersAndBody(&headers, &body);
    for (const auto &[name, value] : headers) {
        if (const std::optional<QByteArray> signature = WebhookAuth::parseSignature(value))
            FUZZ_ASSERT(signature->size() == 32);
        if (const std::optional<QByteArray> token = parseBearer(value))
            FUZZ_ASSERT(!token->isEmpty());
    }
    WebhookAuth auth;
    auth.bearerToken = "token";
    auth.hmacSecret = "secret";
    (void)auth.check(headers, body); // whatever came in: no crash, an answer
    const HeaderList good { { "Authorization", "Bearer token" },
        { "X-Hub-Signature-256", WebhookAuth::sign("secret", body) } };
    FUZZ_ASSERT(auth.check(good, body).isEmpty());
    FUZZ_ASSERT(!auth.check(good, body + 'x').isEmpty());
    return 0;
}
