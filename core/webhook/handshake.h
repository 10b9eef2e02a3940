// Handshakes: what a provider sends before any event, to prove the endpoint is its own (Slack's
// url_verification, Zoom's endpoint.url_validation, Discord's PING, Microsoft Graph's validationToken,
// Dropbox's challenge, AWS SNS's SubscriptionConfirmation). Each is answered, never published.
#pragma once

#include "http/httprequest.h"
#include "webhook/replayguard.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

#include <optional>

struct Endpoint;

class Handshakes {
public:
    static constexpr qsizetype MaxTokenChars = 256; // Zoom's plainToken
    static constexpr qsizetype MaxEchoBytes = 1024; // Graph's validationToken, Dropbox's challenge (decoded)
    static constexpr qsizetype MaxSnsFieldBytes = 2048; // TopicArn, SubscribeURL

    struct Answer {
        HttpResponse response;
        // An SNS SubscriptionConfirmation to show as the endpoint's pending confirmation (never
        // fetched): endpoint, topic_arn, subscribe_url, received_ms, signature_verified. Empty: none.
        QJsonObject pendingConfirmation;
    };

    // Handshakes the provider sends unsigned, checked before the endpoint's method and signature:
    // Dropbox's GET ?challenge= and Microsoft Graph's POST ?validationToken=, on those sources' endpoints only.
    static std::optional<Answer> beforeVerification(const Endpoint &endpoint, const HttpRequest &request);
    // Handshakes in a request whose signature verified (json: its body, when a JSON object): Slack,
    // Zoom, Discord, AWS SNS. A signed handshake replayed within its signature's validity is refused (401):
    // nothing is published, so JetStream cannot tell a replay.
    std::optional<Answer> afterVerification(
        const Endpoint &endpoint, const HttpRequest &request, const QJsonDocument &json);

    // One query parameter of a target, '+' as space then percent-decoded; *count: how often it appears.
    static QByteArray queryValue(QByteArrayView target, QByteArrayView name, int *count);

private:
    ReplayGuard m_replays;
};
