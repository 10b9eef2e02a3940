// The source presets: one row per sender, from the senders' published webhook documentation.
#include "webhook/sourcepreset.h"
#include "webhook/idempotencykey.h"

namespace {

SignatureScheme scheme(SignatureScheme::Kind kind, QByteArray header = {}, QByteArray prefix = {})
{
    SignatureScheme result;
    result.kind = kind;
    result.header = std::move(header);
    result.prefix = std::move(prefix);
    return result;
}

QList<SourcePreset> presets()
{
    using Kind = SignatureScheme::Kind;
    const QList<QByteArray> generic = IdempotencyKey::defaultHeaderNames();
    return {
        { "github", scheme(Kind::Hmac, "X-Hub-Signature-256", "sha256="), { "X-GitHub-Delivery" }, {},
            "X-GitHub-Event", {},
            { "X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID", "X-GitHub-Hook-Installation-Target-ID",
                "X-GitHub-Hook-Installation-Target-Type", "User-Agent" } },
        { "gitlab", scheme(Kind::Token, "X-Gitlab-Token"), { "X-Gitlab-Event-UUID", "Idempotency-Key" }, {},
            "X-Gitlab-Event", {},
            { "X-Gitlab-Event", "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID", "X-Gitlab-Instance",
                "User-Agent" } },
        { "bitbucket", scheme(Kind::Hmac, "X-Hub-Signature", "sha256="), { "X-Request-UUID" }, {}, "X-Event-Key",
            {}, { "X-Event-Key", "X-Request-UUID", "X-Hook-UUID", "X-Attempt-Number", "User-Agent" } },
        { "slack", scheme(Kind::Slack), {}, "event_id", {}, { "event", "type" },
            { "X-Slack-Request-Timestamp", "X-Slack-Retry-Num", "X-Slack-Retry-Reason" } },
        { "stripe", scheme(Kind::Stripe), { "Idempotency-Key" }, "id", {}, { "type" }, { "User-Agent" } },
        { "hmac", scheme(Kind::Hmac, "X-Signature-256", "sha256="), generic, {}, {}, {}, {} },
        { "bearer", scheme(Kind::Bearer), generic, {}, {}, {}, {} },
        { "none", scheme(Kind::None), generic, {}, {}, {}, {} },
    };
}

} // namespace

std::optional<SourcePreset> SourcePreset::find(QByteArrayView name)
{
    for (const SourcePreset &preset : presets()) {
        if (preset.name == name)
            return preset;
    }
    return std::nullopt;
}

QStringList SourcePreset::names()
{
    QStringList result;
    for (const SourcePreset &preset : presets())
        result.append(QString::fromLatin1(preset.name));
    return result;
}
