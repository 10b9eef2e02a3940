// HeaderList and the helpers every room uses on it: case-insensitive lookup, secret masking, and
// which of a webhook's headers are published to NATS.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

// Names as received (any case), in order; a name may repeat.
using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// The first header with that name, compared case-insensitively; a null QByteArray when absent.
QByteArray headerValue(const HeaderList &headers, QByteArrayView name);

// Secret headers are stored and shown as this value.
inline constexpr char MaskedValue[] = "***";
// Authorization, cookies, signatures, API keys, tokens, secrets: never stored or shown in clear.
bool isSecretHeader(QByteArrayView name);
// Masks every secret header, and also the names given (an endpoint's own credential headers, such
// as a generic HMAC endpoint's signature_header, whatever they are called).
HeaderList maskSecrets(const HeaderList &headers, const QList<QByteArray> &alsoSecret = {});
// What ackhook publishes of a webhook's headers: Content-Type and the CloudEvents ce-* attributes.
HeaderList publishedHeaders(const HeaderList &headers);
