// Endpoint: one webhook path with its sender preset, authentication, subject template and what it publishes.
#pragma once

#include "dispatch/dispatchpolicy.h"
#include "webhook/idempotencykey.h"
#include "webhook/signaturescheme.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QList>

struct SourcePreset;

struct Endpoint {
    Endpoint(QByteArray path = {}, QByteArray subject = {})
        : path(std::move(path))
        , subject(std::move(subject))
    {
    }

    QByteArray path; // e.g. "/webhook"
    QByteArray subject; // e.g. "ackhook.webhook"; "{event}" is replaced by the event type
    QByteArray name; // empty: the path without its leading '/'
    QByteArray source = "none"; // the preset's name
    // AWS SNS: every message carries SNS's own signature, checked with SNS's certificate
    // (WebhookServer::snsVerified), not by auth; only SNS can sign one.
    bool snsSigned() const { return source == "aws-sns"; }
    // aws-sns: the only topics whose messages it takes (config sns_topics); empty: any topic.
    QList<QByteArray> snsTopics;
    QList<QByteArray> methods { "POST" };
    SignatureScheme auth; // Kind::None: only the gateway-wide WebhookAuth (flags) applies
    QList<QByteArray> keyHeaders = IdempotencyKey::defaultHeaderNames();
    QByteArray keyJsonField; // JSON body field tried after keyHeaders
    QByteArray eventHeader; // where the event type comes from …
    QList<QByteArray> eventJsonPath; // … else from this JSON body path; CloudEvents: their type
    QList<QByteArray> keptHeaders; // published besides Content-Type and ce-* (never credentials)
    qint64 maxBodyBytes = 0; // 0: the listener's limit
    // The URL the sender signs ({url} of a scheme: Twilio, Square, HubSpot) when ackhook is behind a
    // proxy: "https://example.com/twilio". Empty: http://<Host header><path>.
    QByteArray publicUrl;
    std::optional<DispatchPolicy> dispatch; // unset: the gateway's default (--policy), else ack

    // An endpoint with the preset's scheme (secret still empty), key, event and kept headers.
    static Endpoint fromPreset(const SourcePreset &preset, QByteArray path, QByteArray subject);

    QByteArray displayName() const;
    bool subjectHasEvent() const { return subject.contains("{event}"); }
    // The subject for one event type; an empty type becomes "unknown". The type is made a valid
    // subject part: lower case, characters other than [a-z0-9_:-.] become '_', no empty tokens.
    QByteArray subjectFor(QByteArrayView eventType) const;
    static constexpr qsizetype MaxEventPart = 128; // bytes of the event type in a subject
    static QByteArray subjectPart(QByteArrayView eventType);
    // Event type of a request: CloudEvent type, eventHeader, or eventJsonPath in a JSON object body.
    QByteArray eventType(const HeaderList &headers, const QJsonDocument &json) const;
    // Idempotency key: CloudEvent, keyHeaders, then keyJsonField of a JSON object body, else generated.
    IdempotencyKey key(const HeaderList &headers, const QByteArray &body, const QJsonDocument &json) const;
    // The {url} a sender signed: publicUrl (or http://<Host><path>) and the target's query.
    QByteArray signedUrl(const QByteArray &target, const HeaderList &headers) const;
    // Allow header for a 405: the methods and OPTIONS (the CloudEvents handshake).
    QByteArray allowHeader() const;
};
