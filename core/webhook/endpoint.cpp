// Endpoint: subject templates, event types and keys per source preset.
#include "webhook/endpoint.h"
#include "webhook/cloudevent.h"
#include "webhook/sourcepreset.h"

#include <QJsonObject>

#include <algorithm>

Endpoint Endpoint::fromPreset(const SourcePreset &preset, QByteArray path, QByteArray subject)
{
    Endpoint endpoint;
    endpoint.path = std::move(path);
    endpoint.subject = std::move(subject);
    endpoint.source = preset.name;
    endpoint.auth = preset.scheme;
    endpoint.keyHeaders = preset.keyHeaders;
    endpoint.keyJsonField = preset.keyJsonField;
    endpoint.eventHeader = preset.eventHeader;
    endpoint.eventJsonPath = preset.eventJsonPath;
    endpoint.keptHeaders = preset.keptHeaders;
    return endpoint;
}

QByteArray Endpoint::displayName() const
{
    if (!name.isEmpty())
        return name;
    return path.startsWith('/') ? path.mid(1) : path;
}

QByteArray Endpoint::subjectPart(QByteArrayView eventType)
{
    const QByteArrayView trimmed = eventType.trimmed();
    QByteArray part = trimmed.first(std::min<qsizetype>(trimmed.size(), MaxEventPart)).toByteArray().toLower();
    for (char &c : part) {
        const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':'
            || c == '.';
        if (!keep)
            c = '_';
    }
    // "a..b", ".a", "a." would make empty subject tokens.
    QList<QByteArray> tokens = part.split('.');
    for (QByteArray &token : tokens) {
        if (token.isEmpty())
            token = "_";
    }
    part = tokens.join('.');
    // Cut after the empty tokens were filled ("...." grows), and never on a dot (an empty last token).
    if (part.size() > MaxEventPart) {
        part.truncate(MaxEventPart);
        if (part.endsWith('.'))
            part.back() = '_';
    }
    return part.isEmpty() || part == "_" ? QByteArray("unknown") : part;
}

QByteArray Endpoint::subjectFor(QByteArrayView eventType) const
{
    if (!subjectHasEvent())
        return subject;
    QByteArray result = subject;
    return result.replace("{event}", subjectPart(eventType));
}

QByteArray Endpoint::eventType(const HeaderList &headers, const QJsonDocument &json) const
{
    const CloudEventAttributes cloudEvent = CloudEventAttributes::read(headers, {});
    if (cloudEvent.mode == CloudEventAttributes::Mode::Binary && !cloudEvent.type.isEmpty())
        return cloudEvent.type;
    if (!eventHeader.isEmpty()) {
        const QByteArray value = headerValue(headers, eventHeader).trimmed();
        if (!value.isEmpty())
            return value;
    }
    if (!json.isObject())
        return {};
    const QJsonObject object = json.object();
    // A structured CloudEvent carries its type in the body.
    if (object.value(QLatin1String("specversion")).isString() && object.value(QLatin1String("type")).isString())
        return object.value(QLatin1String("type")).toString().toUtf8();
    if (eventJsonPath.isEmpty())
        return {};
    // {"event","type"}: event.type (Slack's Events API), else "type" at the top (its url_verification).
    QJsonValue value = object;
    for (const QByteArray &name : eventJsonPath)
        value = value.toObject().value(QLatin1String(name));
    if (value.isString())
        return value.toString().toUtf8();
    const QJsonValue last = object.value(QLatin1String(eventJsonPath.constLast()));
    return last.isString() ? last.toString().toUtf8() : QByteArray();
}

IdempotencyKey Endpoint::key(const HeaderList &headers, const QByteArray &body, const QJsonDocument &json) const
{
    IdempotencyKey key = IdempotencyKey::extract(headers, body, keyHeaders);
    if (!key.generated || keyJsonField.isEmpty() || !json.isObject())
        return key;
    const QJsonValue field = json.object().value(QLatin1String(keyJsonField));
    if (!field.isString() || field.toString().trimmed().isEmpty())
        return key;
    return IdempotencyKey::fromValue(field.toString().toUtf8(), keyJsonField);
}

QByteArray Endpoint::signedUrl(const QByteArray &target, const HeaderList &headers) const
{
    const qsizetype query = target.indexOf('?');
    if (!publicUrl.isEmpty())
        return query < 0 ? publicUrl : publicUrl + target.sliced(query);
    return "http://" + headerValue(headers, "host").trimmed() + target;
}

QByteArray Endpoint::allowHeader() const
{
    QList<QByteArray> allowed { "OPTIONS" };
    for (const QByteArray &method : methods) {
        if (!allowed.contains(method))
            allowed.append(method);
    }
    std::sort(allowed.begin(), allowed.end());
    return allowed.join(", ");
}
