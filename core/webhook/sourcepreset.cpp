// The source presets: one row per sender, from the senders' published webhook documentation.
#include "webhook/sourcepreset.h"
#include "webhook/idempotencykey.h"

#include <functional>

namespace {

using Encoding = SignatureScheme::Encoding;
using Algorithm = SignatureScheme::Algorithm;
using Layout = SignatureScheme::Layout;

// A scheme described as data (Kind::Signed): header, prefix, encoding, algorithm, signed message,
// and whatever else `more` sets (layout, timestamp, id, secret form).
SignatureScheme described(QByteArray header, QByteArray prefix, Encoding encoding, Algorithm algorithm,
    QByteArrayView message, const std::function<void(SignatureScheme &)> &more = {})
{
    SignatureScheme result;
    result.kind = SignatureScheme::Kind::Signed;
    result.header = std::move(header);
    result.prefix = std::move(prefix);
    result.encoding = encoding;
    result.algorithm = algorithm;
    result.message = *SignedMessage::parse(message, nullptr);
    if (more)
        more(result);
    return result;
}

// Standard Webhooks: "<id>.<timestamp>.<body>", base64 HMAC-SHA256 with the whsec_ key, several
// space-separated "v1,<sig>" in one header. Svix (and the services built on it) name the headers svix-*.
SignatureScheme standardWebhooks(const QByteArray &headerPrefix)
{
    return described(headerPrefix + "-signature", "v1,", Encoding::Base64, Algorithm::HmacSha256,
        "{id}.{timestamp}.{body}", [&](SignatureScheme &s) {
            s.layout = Layout::List;
            s.separator = " ";
            s.idHeader = headerPrefix + "-id";
            s.timestampHeader = headerPrefix + "-timestamp";
            s.secretForm = SignatureScheme::SecretForm::Whsec;
        });
}

SourcePreset standardWebhooksRow(QByteArray name, const QByteArray &headerPrefix)
{
    return { std::move(name), standardWebhooks(headerPrefix), { headerPrefix + "-id" }, {}, {}, { "type" },
        { headerPrefix + "-id", headerPrefix + "-timestamp" } };
}

// sha256=<hex HMAC-SHA256 of the body> in `header` (GitHub's form, also the generic "hmac" source's).
SignatureScheme bodyHmac(QByteArray header)
{
    return described(std::move(header), "sha256=", Encoding::Hex, Algorithm::HmacSha256, "{body}");
}

// A scheme that is not described as data: none, bearer, a token in `header`, Graph's clientState.
SignatureScheme scheme(SignatureScheme::Kind kind, QByteArray header = {})
{
    SignatureScheme result;
    result.kind = kind;
    result.header = std::move(header);
    return result;
}

QList<SourcePreset> presets()
{
    using Kind = SignatureScheme::Kind;
    const QList<QByteArray> generic = IdempotencyKey::defaultHeaderNames();
    return {
        // GitHub: sha256=<hex HMAC-SHA256 of the body>.
        { "github", bodyHmac("X-Hub-Signature-256"), { "X-GitHub-Delivery" }, {},
            "X-GitHub-Event", {},
            { "X-GitHub-Event", "X-GitHub-Delivery", "X-GitHub-Hook-ID", "X-GitHub-Hook-Installation-Target-ID",
                "X-GitHub-Hook-Installation-Target-Type", "User-Agent" } },
        { "gitlab", scheme(Kind::Token, "X-Gitlab-Token"), { "X-Gitlab-Event-UUID", "Idempotency-Key" }, {},
            "X-Gitlab-Event", {},
            { "X-Gitlab-Event", "X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID", "X-Gitlab-Instance",
                "User-Agent" } },
        // Bitbucket Cloud: the same in X-Hub-Signature.
        { "bitbucket", bodyHmac("X-Hub-Signature"), { "X-Request-UUID" }, {}, "X-Event-Key",
            {}, { "X-Event-Key", "X-Request-UUID", "X-Hook-UUID", "X-Attempt-Number", "User-Agent" } },
        // Slack: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">, the timestamp in its own header.
        { "slack", described("X-Slack-Signature", "v0=", Encoding::Hex, Algorithm::HmacSha256, "v0:{timestamp}:{body}",
                       [](SignatureScheme &s) { s.timestampHeader = "X-Slack-Request-Timestamp"; }),
            {}, "event_id", {}, { "event", "type" },
            { "X-Slack-Request-Timestamp", "X-Slack-Retry-Num", "X-Slack-Retry-Reason" } },
        // Stripe: t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">, more v1= while a secret
        // rolls; v0= (test mode, SHA-1) and unknown keys are ignored, as Stripe's libraries do.
        { "stripe", described("Stripe-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{timestamp}.{body}",
                        [](SignatureScheme &s) {
                            s.layout = Layout::Keyed;
                            s.separator = ",";
                            s.timestampKey = "t";
                            s.signatureKey = "v1";
                        }),
            { "Idempotency-Key" }, "id", {}, { "type" }, { "User-Agent" } },
        // Each recipe is the sender's documented one, and each row has a known-answer test in
        // tst_signaturescheme (providerKnownAnswer, builtInKnownAnswers).
        standardWebhooksRow("standard-webhooks", "webhook"),
        standardWebhooksRow("svix", "svix"),
        standardWebhooksRow("clerk", "svix"),
        standardWebhooksRow("resend", "svix"),
        // Shopify: base64 HMAC-SHA256 of the body.
        { "shopify", described("X-Shopify-Hmac-Sha256", {}, Encoding::Base64, Algorithm::HmacSha256, "{body}"),
            { "X-Shopify-Webhook-Id", "X-Shopify-Event-Id" }, {}, "X-Shopify-Topic", {},
            { "X-Shopify-Topic", "X-Shopify-Webhook-Id", "X-Shopify-Event-Id", "X-Shopify-Shop-Domain",
                "X-Shopify-Api-Version", "X-Shopify-Triggered-At" } },
        // Twilio: base64 HMAC-SHA1 (auth token) of the full URL then each POST parameter, sorted by
        // name, name followed by value.
        { "twilio", described("X-Twilio-Signature", {}, Encoding::Base64, Algorithm::HmacSha1, "{url}{form}"),
            { "I-Twilio-Idempotency-Token" }, {}, {}, {}, { "I-Twilio-Idempotency-Token" } },
        // Zoom: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">.
        { "zoom", described("x-zm-signature", "v0=", Encoding::Hex, Algorithm::HmacSha256, "v0:{timestamp}:{body}",
                      [](SignatureScheme &s) { s.timestampHeader = "x-zm-request-timestamp"; }),
            generic, {}, {}, { "event" }, { "x-zm-request-timestamp", "x-zm-trackingid" } },
        // Discord interactions: Ed25519 signature (hex) of timestamp followed by body, the application's public key.
        { "discord", described("X-Signature-Ed25519", {}, Encoding::Hex, Algorithm::Ed25519, "{timestamp}{body}",
                         [](SignatureScheme &s) {
                             s.timestampHeader = "X-Signature-Timestamp";
                             s.secretForm = SignatureScheme::SecretForm::PublicKey;
                         }),
            generic, "id", {}, {}, { "X-Signature-Timestamp" } },
        // Linear: hex HMAC-SHA256 of the body.
        { "linear", described("Linear-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{body}"),
            { "Linear-Delivery" }, {}, "Linear-Event", {}, { "Linear-Event", "Linear-Delivery", "User-Agent" } },
        // PagerDuty v3: v1=<hex HMAC-SHA256 of the body>, several comma-separated while a secret rotates.
        { "pagerduty", described("X-PagerDuty-Signature", "v1=", Encoding::Hex, Algorithm::HmacSha256, "{body}",
                           [](SignatureScheme &s) {
                               s.layout = Layout::List;
                               s.separator = ",";
                           }),
            { "X-Webhook-Id" }, {}, {}, { "event", "event_type" }, { "X-Webhook-Id", "X-Webhook-Subscription" } },
        // Sentry integration platform: hex HMAC-SHA256 of the body (the client secret).
        { "sentry", described("Sentry-Hook-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{body}"),
            { "Request-ID" }, {}, "Sentry-Hook-Resource", {},
            { "Sentry-Hook-Resource", "Sentry-Hook-Timestamp", "Request-ID" } },
        // HubSpot v3: base64 HMAC-SHA256 of method, full URL, body and the timestamp in milliseconds.
        { "hubspot", described("X-HubSpot-Signature-v3", {}, Encoding::Base64, Algorithm::HmacSha256,
                         "{method}{url}{body}{timestamp}",
                         [](SignatureScheme &s) {
                             s.timestampHeader = "X-HubSpot-Request-Timestamp";
                             s.timestampUnit = SignatureScheme::TimestampUnit::Milliseconds;
                         }),
            generic, {}, {}, {}, { "X-HubSpot-Request-Timestamp" } },
        // Square: base64 HMAC-SHA256 of the notification URL followed by the body.
        { "square", described("x-square-hmacsha256-signature", {}, Encoding::Base64, Algorithm::HmacSha256, "{url}{body}"),
            generic, "event_id", {}, { "type" }, {} },
        // Paddle Billing: ts=<ts>;h1=<hex HMAC-SHA256 of "<ts>:<body>">, several h1 while a secret rotates.
        { "paddle", described("Paddle-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{timestamp}:{body}",
                        [](SignatureScheme &s) {
                            s.layout = Layout::Keyed;
                            s.separator = ";";
                            s.timestampKey = "ts";
                            s.signatureKey = "h1";
                        }),
            generic, "event_id", {}, { "event_type" }, {} },
        // Typeform: sha256=<base64 HMAC-SHA256 of the body>.
        { "typeform", described("Typeform-Signature", "sha256=", Encoding::Base64, Algorithm::HmacSha256, "{body}"),
            generic, "event_id", {}, { "event_type" }, {} },
        // Intercom: sha1=<hex HMAC-SHA1 of the body> (the app's client secret).
        { "intercom", described("X-Hub-Signature", "sha1=", Encoding::Hex, Algorithm::HmacSha1, "{body}"), generic,
            "id", {}, { "topic" }, {} },
        // Calendly: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">.
        { "calendly", described("Calendly-Webhook-Signature", {}, Encoding::Hex, Algorithm::HmacSha256,
                          "{timestamp}.{body}",
                          [](SignatureScheme &s) {
                              s.layout = Layout::Keyed;
                              s.separator = ",";
                              s.timestampKey = "t";
                              s.signatureKey = "v1";
                          }),
            generic, {}, {}, { "event" }, {} },
        // Vercel: hex HMAC-SHA1 of the body.
        { "vercel", described("x-vercel-signature", {}, Encoding::Hex, Algorithm::HmacSha1, "{body}"), generic, "id",
            {}, { "type" }, {} },
        // Gitea (and Forgejo): hex HMAC-SHA256 of the body, no prefix.
        { "gitea", described("X-Gitea-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{body}"),
            { "X-Gitea-Delivery" }, {}, "X-Gitea-Event", {}, { "X-Gitea-Event", "X-Gitea-Delivery", "User-Agent" } },
        // Lemon Squeezy: hex HMAC-SHA256 of the body in X-Signature.
        { "lemonsqueezy", described("X-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{body}"), generic, {},
            "X-Event-Name", { "meta", "event_name" }, { "X-Event-Name" } },
        // WooCommerce: base64 HMAC-SHA256 of the body.
        { "woocommerce", described("X-WC-Webhook-Signature", {}, Encoding::Base64, Algorithm::HmacSha256, "{body}"),
            { "X-WC-Webhook-Delivery-ID" }, {}, "X-WC-Webhook-Topic", {},
            { "X-WC-Webhook-Topic", "X-WC-Webhook-Resource", "X-WC-Webhook-Event", "X-WC-Webhook-ID",
                "X-WC-Webhook-Delivery-ID", "X-WC-Webhook-Source" } },
        // Dropbox: X-Dropbox-Signature = hex HMAC-SHA256 of the body (the app secret); its GET
        // ?challenge= handshake is echoed (core/webhook/handshake.cpp).
        { "dropbox", described("X-Dropbox-Signature", {}, Encoding::Hex, Algorithm::HmacSha256, "{body}"), generic, {},
            {}, {}, {} },
        // Microsoft Graph change notifications: not signed; every notification in the body's "value"
        // carries the clientState set on the subscription, the endpoint's secret. Its POST
        // ?validationToken= handshake is echoed.
        { "microsoft-graph", scheme(Kind::ClientState), generic, {}, {}, {}, {} },
        // AWS SNS (HTTP/S subscription): signed with the certificate at SigningCertURL, checked by
        // WebhookServer::snsVerified (webhook/snsmessage.h), not by a scheme; a SubscriptionConfirmation
        // is shown (window, log, /api/status) and confirmed only when a person asks.
        { "aws-sns", scheme(Kind::None), { "x-amz-sns-message-id" }, "MessageId", "x-amz-sns-message-type", { "Type" },
            { "x-amz-sns-message-type", "x-amz-sns-message-id", "x-amz-sns-topic-arn", "x-amz-sns-subscription-arn" } },
        // Generic: the body's HMAC-SHA256; header, prefix and encoding are the endpoint's to set.
        { "hmac", bodyHmac("X-Signature-256"), generic, {}, {}, {}, {} },
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
