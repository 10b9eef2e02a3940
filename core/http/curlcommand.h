// Resending a recorded webhook: the headers that travel again, and the same request as a curl command.
#pragma once

#include "http/headers.h"

#include <QByteArray>

// True when the bytes are valid UTF-8 without NUL: shown and exported as text, else as hex / base64.
bool isText(const QByteArray &bytes);

// Quoted for a POSIX shell: one word whatever it contains.
QByteArray shellQuote(const QByteArray &text);

// The recorded headers a resend carries: no secrets (they were masked), no hop-by-hop headers. The
// idempotency key is added as Idempotency-Key when no header carried it, so JetStream still
// deduplicates the resend of an event that was stored.
HeaderList resendHeaders(const HeaderList &recorded, const QByteArray &key);

struct CurlCommandOptions {
    QByteArray urlWord; // already a shell word: a quoted URL or "$URL"
    QByteArray curlFlags = "-sS"; // e.g. -sS -o /dev/null -w '%{http_code}'
};

// One shell pipeline that sends the request: printf BODY | curl -X METHOD URL -H ... --data-binary @-.
// Binary bodies travel base64-encoded through `base64 -d`, so any body survives the shell.
QByteArray curlCommand(
    const QByteArray &method, const HeaderList &headers, const QByteArray &body, const CurlCommandOptions &options);
