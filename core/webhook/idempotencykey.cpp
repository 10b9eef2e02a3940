// Idempotency key extraction (docs/DESIGN.md §3).
#include "webhook/idempotencykey.h"
#include "webhook/cloudevent.h"

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

} // namespace

IdempotencyKey IdempotencyKey::fromValue(QByteArray value, QByteArray origin)
{
    return make(std::move(value), std::move(origin));
}

QList<QByteArray> IdempotencyKey::defaultHeaderNames()
{
    return { "Idempotency-Key", "X-GitHub-Delivery", "X-Request-Id", "X-Event-Id" };
}

IdempotencyKey IdempotencyKey::extract(
    const HeaderList &headers, const QByteArray &body, const QList<QByteArray> &headerNames)
{
    // CloudEvents guarantees source+id unique; the pair is encoded so that no two pairs collide.
    const CloudEventAttributes event = CloudEventAttributes::read(headers, body);
    if (!event.isValid())
        return { {}, "cloudevent", false, event.error };
    if (event.mode != CloudEventAttributes::Mode::None)
        return make(cloudEventKey(event.source, event.id), "cloudevent");

    for (const QByteArray &name : headerNames) {
        const QByteArray value = headerValue(headers, name).trimmed();
        if (!value.isEmpty())
            return make(value, name);
    }

    return { QUuid::createUuid().toByteArray(QUuid::WithoutBraces), "generated", true, {} };
}

QByteArray IdempotencyKey::cloudEventKey(QByteArrayView source, QByteArrayView id)
{
    QByteArray key;
    key.reserve(source.size() + id.size() + 1);
    for (char c : source) {
        if (c == '%')
            key += "%25";
        else if (c == ' ')
            key += "%20";
        else
            key += c;
    }
    key += ' ';
    key += id;
    return key;
}

QByteArray IdempotencyKey::scopedTo(QByteArrayView endpointPath, QByteArrayView key, bool cloudEvent)
{
    QByteArray scoped;
    scoped.reserve(endpointPath.size() + 4 + key.size());
    scoped += endpointPath;
    if (cloudEvent)
        scoped += "#ce";
    scoped += ' ';
    scoped += key;
    return scoped;
}
