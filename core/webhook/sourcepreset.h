// SourcePreset: what ackhook knows about one kind of sender (GitHub, GitLab, Bitbucket, Slack, Stripe,
// generic HMAC, bearer, none): its signature scheme, idempotency key, event type and headers worth keeping.
#pragma once

#include "webhook/signaturescheme.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

#include <optional>

struct SourcePreset {
    QByteArray name; // as written in the config file: "github", …
    SignatureScheme scheme; // kind, header, prefix, encoding; the secret comes from the endpoint
    QList<QByteArray> keyHeaders; // tried after the CloudEvent source+id, before keyJsonField
    QByteArray keyJsonField; // top-level string field of a JSON body (Stripe "id", Slack "event_id")
    QByteArray eventHeader; // header holding the event type ("X-GitHub-Event")
    QList<QByteArray> eventJsonPath; // else a JSON body field: {"event","type"} tries event.type then type
    QList<QByteArray> keptHeaders; // published as NATS headers besides Content-Type and ce-*

    static std::optional<SourcePreset> find(QByteArrayView name);
    static QStringList names();
};
