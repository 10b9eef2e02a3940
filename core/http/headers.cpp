// HTTP header helpers: lookup, secret masking and the headers that are published.
#include "http/headers.h"

#include <algorithm>

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
    // X-Hub-Signature(-256), X-Slack-Signature, Stripe-Signature, X-Gitlab-Token, X-Foo-Api-Key,
    // X-Webhook-Key, ... An idempotency key is not a credential: a resend needs it.
    if (lower.contains("idempotency"))
        return false;
    // Keys that open something, not keys that name something (Bitbucket's X-Event-Key is an event type).
    static const char *const keySuffixes[] = { "api-key", "apikey", "api_key", "webhook-key", "hook-key",
        "access-key", "private-key", "signing-key", "auth-key", "client-key", "shared-key", "secret-key" };
    for (const char *suffix : keySuffixes) {
        if (lower.endsWith(suffix))
            return true;
    }
    return lower.contains("signature") || lower.contains("token") || lower.contains("secret")
        || lower.contains("password") || lower.contains("passwd") || lower.contains("credential") || lower == "key"
        || lower == "x-key";
}

HeaderList maskSecrets(const HeaderList &headers, const QList<QByteArray> &alsoSecret)
{
    HeaderList masked = headers;
    for (auto &[name, value] : masked) {
        const bool named = std::any_of(alsoSecret.cbegin(), alsoSecret.cend(),
            [&name = name](const QByteArray &secret) { return name.compare(secret, Qt::CaseInsensitive) == 0; });
        if (named || isSecretHeader(name))
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
