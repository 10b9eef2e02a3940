// SignatureScheme: how one endpoint authenticates its sender (none, bearer, shared token, HMAC
// signatures of GitHub, Bitbucket, Slack, Stripe or a generic header) — verify and sign.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>

struct SignatureScheme {
    enum class Kind {
        None, // anyone may post
        Bearer, // Authorization: Bearer <secret>
        Token, // <header>: <secret> (GitLab's X-Gitlab-Token)
        Hmac, // <header>: <prefix><hex or base64 HMAC-SHA256 of the body> (GitHub, Bitbucket, generic)
        Slack, // X-Slack-Signature: v0=<hex HMAC of "v0:<ts>:<body>">, X-Slack-Request-Timestamp
        Stripe, // Stripe-Signature: t=<ts>,v1=<hex HMAC of "<ts>.<body>">[,v1=…]
    };
    enum class Encoding { Hex, Base64 };

    Kind kind = Kind::None;
    QByteArray secret;
    QByteArray header; // Token and Hmac: where the token / signature is
    QByteArray prefix; // Hmac: e.g. "sha256="; required when set
    Encoding encoding = Encoding::Hex;
    std::chrono::seconds tolerance { 300 }; // Slack and Stripe: how far the timestamp may be from now

    bool requiresSecret() const { return kind != Kind::None; }
    // The headers that carry the credential: never published, stored or shown unmasked.
    QList<QByteArray> credentialHeaders() const;

    // Empty when the request may pass; else why not (answer 401). Never contains the secret or the
    // expected signature. Comparisons take constant time. nowSeconds: Unix time.
    QString verify(const HeaderList &headers, const QByteArray &body, qint64 nowSeconds) const;
    // The headers a sender would add (tests, the monitor's test events).
    HeaderList sign(const QByteArray &body, qint64 nowSeconds) const;

    static QString kindName(Kind kind);

    // Parsers, exposed for tests and fuzzing. Values are the header values as received.
    // "<prefix><64 hex digits>" (prefix case-insensitive) → 32 bytes.
    static std::optional<QByteArray> parseHexSignature(QByteArrayView value, QByteArrayView prefix);
    // "<prefix><base64 of 32 bytes>" → 32 bytes.
    static std::optional<QByteArray> parseBase64Signature(QByteArrayView value, QByteArrayView prefix);
    struct StripeHeader {
        qint64 timestamp = 0;
        QList<QByteArray> v1; // each 32 bytes
    };
    // "t=…,v1=…,v1=…,v0=…" → timestamp and every v1 (other schemes ignored); nullopt without t or v1.
    static std::optional<StripeHeader> parseStripe(QByteArrayView value);
    // A Unix timestamp in seconds (digits only, at most 12) → value.
    static std::optional<qint64> parseTimestamp(QByteArrayView value);
    static QByteArray hmacSha256(const QByteArray &secret, const QByteArray &message);
};
