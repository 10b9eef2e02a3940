// SignatureScheme: how one endpoint authenticates its sender (none, bearer, shared token, Graph's
// clientState, or a signature scheme described as data: header layout, algorithm, encoding,
// signed-message template, timestamp — every signing sender, GitHub, Slack and Stripe included,
// is a row of such descriptions in sourcepreset.cpp) — verify and sign.
#pragma once

#include "http/headers.h"
#include "webhook/signedmessage.h"

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
        Signed, // described by the fields below (GitHub, Slack, Stripe, Standard Webhooks, [[scheme]], …)
        ClientState, // Microsoft Graph: every notification of the JSON body's "value" has "clientState": <secret>
    };
    enum class Encoding { Hex, Base64 };
    enum class Algorithm { HmacSha256, HmacSha1, Ed25519 };
    // Single: "<prefix><sig>". List: items split by separator, those starting with prefix are
    // signatures ("v1,<sig> v1,<sig>"). Keyed: "t=<ts>,v1=<sig>,v1=<sig>" split by separator.
    enum class Layout { Single, List, Keyed };
    // Raw: the bytes as configured. Whsec: "whsec_" + base64 (Standard Webhooks). PublicKey: the
    // sender's Ed25519 public key, 64 hex digits (Discord's "public key").
    enum class SecretForm { Raw, Whsec, PublicKey };
    enum class TimestampUnit { Seconds, Milliseconds };
    struct Request {
        QByteArray method = "POST";
        QByteArray url; // as the sender addressed it: scheme://host/path?query
        HeaderList headers;
        QByteArray body;
    };
    static constexpr qsizetype MaxHeaderBytes = 4096; // a signature or timestamp header longer than this is refused
    static constexpr qsizetype MaxIdBytes = 256;

    Kind kind = Kind::None;
    QByteArray secret;
    QByteArray header; // Token and Signed: where the token / signature is
    QByteArray prefix; // Signed: what starts a signature, e.g. "sha256="; required when set
    Encoding encoding = Encoding::Hex;
    std::chrono::seconds tolerance { 300 }; // Signed with a timestamp: how far it may be from now

    // Kind::Signed only. header, prefix and encoding above say where the signature is and how written.
    Algorithm algorithm = Algorithm::HmacSha256;
    Layout layout = Layout::Single;
    QByteArray separator; // List and Keyed: between items
    QByteArray signatureKey; // Keyed: the key of a signature ("v1", Paddle's "h1")
    QByteArray timestampKey; // Keyed: the key of the timestamp ("t", "ts"); else timestampHeader
    QByteArray timestampHeader; // empty (and no timestampKey): nothing time-bound is signed
    TimestampUnit timestampUnit = TimestampUnit::Seconds;
    QByteArray idHeader; // the {id} of the message (Standard Webhooks' webhook-id)
    SecretForm secretForm = SecretForm::Raw;
    SignedMessage message = SignedMessage::bodyOnly();

    bool requiresSecret() const { return kind != Kind::None; }
    // The headers that carry the credential: never published, stored or shown unmasked.
    QList<QByteArray> credentialHeaders() const;
    bool hasTimestamp() const;
    // Signed: empty when the secret fits secretForm; else what is wrong with it (never the secret).
    QString checkSecret() const;
    // Signed: empty when the description is coherent; else its first problem.
    QString checkDescription() const;
    // False for a public-key scheme: only the sender holds the private key.
    // False for ClientState: the credential is in the sender's body, not a header ackhook could add.
    bool canSign() const
    {
        return !(kind == Kind::Signed && algorithm == Algorithm::Ed25519) && kind != Kind::ClientState;
    }

    // Empty when the request may pass; else why not (answer 401). Never contains the secret or the
    // expected signature. Comparisons take constant time. nowSeconds: Unix time.
    QString verify(const HeaderList &headers, const QByteArray &body, qint64 nowSeconds) const;
    QString verify(const Request &request, qint64 nowSeconds) const;
    // The headers a sender would add (tests, the monitor's test events). id: the {id} of a Signed scheme.
    HeaderList sign(const QByteArray &body, qint64 nowSeconds) const;
    HeaderList sign(const Request &request, qint64 nowSeconds, const QByteArray &id = {}) const;

    static QString kindName(Kind kind);
    // What /api/endpoints, the log and --check-config call the check: the kind's name, or for a
    // signature scheme its algorithm ("hmac-sha256", "hmac-sha1", "ed25519").
    QString authName() const { return kind == Kind::Signed ? algorithmName(algorithm) : kindName(kind); }

    // Exposed for tests and fuzzing. A Unix timestamp in seconds (digits only, at most 12) → value.
    static std::optional<qint64> parseTimestamp(QByteArrayView value);
    static QByteArray hmacSha256(const QByteArray &secret, const QByteArray &message);
    static QByteArray hmacSha1(const QByteArray &secret, const QByteArray &message);
    static bool verifyEd25519(QByteArrayView publicKey, QByteArrayView signature, QByteArrayView message);

    static QString algorithmName(Algorithm algorithm);
    static QString layoutName(Layout layout);
    static QString secretFormName(SecretForm form);

private:
    QString verifySigned(const Request &request, qint64 nowSeconds) const;
    HeaderList signSigned(const Request &request, qint64 nowSeconds, const QByteArray &id) const;
    QByteArray key() const; // the HMAC key or public key the secret stands for
    qsizetype signatureBytes() const;
    QString signatureFormat() const; // for "malformed" reasons
};
