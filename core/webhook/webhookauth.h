// WebhookAuth: optional caller authentication — a bearer token and/or an HMAC-SHA256 body signature.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QString>

#include <optional>

struct WebhookAuth {
    QByteArray bearerToken; // empty: no token required
    QByteArray hmacSecret; // empty: no signature required
    QByteArray signatureHeader = "X-Hub-Signature-256"; // GitHub's; "sha256=" + hex HMAC of the raw body

    bool isEnabled() const { return !bearerToken.isEmpty() || !hmacSecret.isEmpty(); }
    // Empty when the request may pass; else why not (answer 401). Comparisons take constant time.
    QString check(const HeaderList &headers, const QByteArray &body) const;

    // "sha256=<64 hex digits>" or the 64 hex digits alone → the 32 bytes; nullopt when malformed.
    static std::optional<QByteArray> parseSignature(QByteArrayView value);
    static QByteArray sign(const QByteArray &secret, const QByteArray &body); // "sha256=<hex>"
    // For ackhook's own requests (the monitor's test events and resends): the headers that pass check().
    void authorize(HeaderList &headers, const QByteArray &body) const;
};
