// Bearer-token authentication (RFC 6750), shared by the webhook listener and the admin API.
#include "http/bearerauth.h"

bool equalConstantTime(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

std::optional<QByteArray> parseBearer(QByteArrayView authorization)
{
    authorization = authorization.trimmed();
    if (authorization.size() < 8
        || QByteArrayView(authorization.data(), 7).compare("Bearer ", Qt::CaseInsensitive) != 0)
        return std::nullopt;
    const QByteArrayView token = authorization.sliced(7).trimmed();
    if (token.isEmpty())
        return std::nullopt;
    return token.toByteArray();
}

QString checkBearer(const HeaderList &headers, QByteArrayView expected)
{
    const QByteArray authorization = headerValue(headers, "authorization");
    if (authorization.isNull())
        return QStringLiteral("missing 'Authorization: Bearer <token>'");
    const std::optional<QByteArray> token = parseBearer(authorization);
    if (!token || !equalConstantTime(*token, expected))
        return QStringLiteral("wrong bearer token");
    return {};
}
