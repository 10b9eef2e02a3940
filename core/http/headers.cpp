// HTTP header helpers: lookup, secret masking and the headers that are published.
#include "http/headers.h"

QByteArray headerValue(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

bool isSecretHeader(QByteArrayView name)
{
    const QByteArray lower = name.toByteArray().toLower();
    static const char *const exact[] = { "authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key",
        "api-key", "x-auth-token", "x-csrf-token", "x-amz-security-token" };
    for (const char *candidate : exact) {
        if (lower == candidate)
            return true;
    }
    // X-Hub-Signature(-256), X-Slack-Signature, Stripe-Signature, X-Gitlab-Token, X-Foo-Api-Key, ...
    return lower.contains("signature") || lower.contains("token") || lower.contains("secret")
        || lower.contains("password") || lower.endsWith("api-key") || lower.endsWith("apikey");
}

HeaderList maskSecrets(const HeaderList &headers)
{
    HeaderList masked = headers;
    for (auto &[name, value] : masked) {
        if (isSecretHeader(name))
            value = MaskedValue;
    }
    return masked;
}

HeaderList publishedHeaders(const HeaderList &headers)
{
    HeaderList published;
    for (const auto &[name, value] : headers) {
        if (name.compare("content-type", Qt::CaseInsensitive) == 0)
            published.append({ "Content-Type", value });
        else if (name.size() > 3 && name.first(3).compare("ce-", Qt::CaseInsensitive) == 0)
            published.append({ name.toLower(), value });
    }
    return published;
}
