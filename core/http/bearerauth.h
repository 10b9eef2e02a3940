// Bearer-token authentication (RFC 6750), shared by the webhook listener and the admin API.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QString>

#include <optional>

// Constant time for equal sizes: the time does not tell how many leading bytes matched.
bool equalConstantTime(QByteArrayView a, QByteArrayView b);
// "Bearer <token>" (scheme in any case) → the token; nullopt when malformed.
std::optional<QByteArray> parseBearer(QByteArrayView authorization);
// Empty when the headers carry "Authorization: Bearer <expected>"; else why not (never the token).
QString checkBearer(const HeaderList &headers, QByteArrayView expected);
