// Idempotency key extraction (DESIGN.md section 3).
#include "idempotencykey.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QUuid>

namespace {

QString checkKey(const QByteArray &key, const QByteArray &origin)
{
    if (key.size() > IdempotencyKey::MaxLength)
        return QStringLiteral("idempotency key from %1 is longer than %2 bytes")
            .arg(QString::fromLatin1(origin))
            .arg(IdempotencyKey::MaxLength);
    for (char c : key) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7e)
            return QStringLiteral("idempotency key from %1 must be printable ASCII").arg(QString::fromLatin1(origin));
    }
    return {};
}

IdempotencyKey make(QByteArray value, QByteArray origin)
{
    value = value.trimmed();
    IdempotencyKey key { value, origin, false, checkKey(value, origin) };
    return key;
}

bool isStructuredCloudEvent(const HeaderList &headers)
{
    const QByteArray type = headerValue(headers, "content-type").trimmed().toLower();
    return type.startsWith("application/cloudevents+json");
}

} // namespace

QByteArray headerValue(const HeaderList &headers, QByteArrayView name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QList<QByteArray> IdempotencyKey::defaultHeaderNames()
{
    return { "Idempotency-Key", "X-GitHub-Delivery", "X-Request-Id", "X-Event-Id" };
}

IdempotencyKey IdempotencyKey::extract(
    const HeaderList &headers, const QByteArray &body, const QList<QByteArray> &headerNames)
{
    // CloudEvents guarantees source+id unique; a source is a URI-reference and holds no space,
    // so "source id" cannot collide with another pair.
    if (isStructuredCloudEvent(headers)) {
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
        if (!doc.isObject())
            return { {}, "cloudevent", false,
                QStringLiteral("structured CloudEvent is not a JSON object: %1").arg(error.errorString()) };
        const QJsonObject event = doc.object();
        const QString source = event.value(QLatin1String("source")).toString();
        const QString id = event.value(QLatin1String("id")).toString();
        if (!source.isEmpty() && !id.isEmpty())
            return make(source.toUtf8() + ' ' + id.toUtf8(), "cloudevent");
    } else {
        const QByteArray source = headerValue(headers, "ce-source").trimmed();
        const QByteArray id = headerValue(headers, "ce-id").trimmed();
        if (!source.isEmpty() && !id.isEmpty())
            return make(source + ' ' + id, "cloudevent");
    }

    for (const QByteArray &name : headerNames) {
        const QByteArray value = headerValue(headers, name).trimmed();
        if (!value.isEmpty())
            return make(value, name);
    }

    return { QUuid::createUuid().toByteArray(QUuid::WithoutBraces), "generated", true, {} };
}
