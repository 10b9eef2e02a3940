// HTTP header helpers: lookup, secret masking and the headers that are published.
#include "http/headers.h"

#include <QVarLengthArray>

#include <algorithm>
#include <string_view>

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
    // Asked for every header of every request (the monitor's masked copy, the published headers):
    // lowered into a buffer on the stack, no allocation for a name of usual length.
    QVarLengthArray<char, 128> buffer(name.size());
    std::transform(name.begin(), name.end(), buffer.begin(),
        [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    const std::string_view lower(buffer.data(), static_cast<std::size_t>(buffer.size()));
    const auto contains = [lower](std::string_view part) { return lower.find(part) != std::string_view::npos; };
    static constexpr std::string_view exact[] = { "authorization", "proxy-authorization", "cookie", "set-cookie",
        "x-api-key", "api-key", "x-auth-token", "x-csrf-token", "x-amz-security-token" };
    for (std::string_view candidate : exact) {
        if (lower == candidate)
            return true;
    }
    // X-Hub-Signature(-256), X-Slack-Signature, Stripe-Signature, X-Gitlab-Token, X-Foo-Api-Key,
    // X-Webhook-Key, ... An idempotency key is not a credential: a resend needs it.
    if (contains("idempotency"))
        return false;
    // Keys that open something, not keys that name something (Bitbucket's X-Event-Key is an event type).
    static constexpr std::string_view keySuffixes[] = { "api-key", "apikey", "api_key", "webhook-key", "hook-key",
        "access-key", "private-key", "signing-key", "auth-key", "client-key", "shared-key", "secret-key" };
    for (std::string_view suffix : keySuffixes) {
        if (lower.ends_with(suffix))
            return true;
    }
    return contains("signature") || contains("token") || contains("secret") || contains("password")
        || contains("passwd") || contains("credential") || lower == "key" || lower == "x-key";
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
