// FailedEvent helpers: state names, secret masking, the headers that are published.
#include "store/failedevent.h"

QString FailedEvent::stateName(State state)
{
    switch (state) {
    case State::Pending:
        return QStringLiteral("pending");
    case State::Replayed:
        return QStringLiteral("replayed");
    case State::Discarded:
        return QStringLiteral("discarded");
    }
    return {};
}

std::optional<FailedEvent::State> FailedEvent::stateFromName(QStringView name)
{
    for (State state : { State::Pending, State::Replayed, State::Discarded }) {
        if (name.compare(stateName(state), Qt::CaseInsensitive) == 0)
            return state;
    }
    return std::nullopt;
}

OutgoingEvent FailedEvent::toOutgoingEvent() const
{
    return { subject, key, body, publishedHeaders(headers) };
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
