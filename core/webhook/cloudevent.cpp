// CloudEvents HTTP binding (v1.0; 0.3 has the same required attributes): mode and required attributes.
#include "webhook/cloudevent.h"
#include "webhook/idempotencykey.h"

#include <QJsonDocument>
#include <QJsonObject>

bool CloudEventAttributes::isStructured(const HeaderList &headers)
{
    const QByteArray type = headerValue(headers, "content-type").trimmed().toLower();
    return type.startsWith("application/cloudevents+json");
}

namespace {

QString checkRequired(const CloudEventAttributes &event, const char *prefix)
{
    QStringList missing;
    if (event.specVersion.isEmpty())
        missing.append(QLatin1String(prefix) + QStringLiteral("specversion"));
    if (event.id.isEmpty())
        missing.append(QLatin1String(prefix) + QStringLiteral("id"));
    if (event.source.isEmpty())
        missing.append(QLatin1String(prefix) + QStringLiteral("source"));
    if (event.type.isEmpty())
        missing.append(QLatin1String(prefix) + QStringLiteral("type"));
    if (!missing.isEmpty())
        return QStringLiteral("CloudEvent without its required attribute(s): %1")
            .arg(missing.join(QStringLiteral(", ")));
    if (event.specVersion != "1.0" && event.specVersion != "0.3")
        return QStringLiteral("CloudEvent specversion '%1' is not supported (1.0, 0.3)")
            .arg(QString::fromLatin1(event.specVersion.left(32)));
    return {};
}
} // namespace

CloudEventAttributes CloudEventAttributes::read(const HeaderList &headers, const QByteArray &body)
{
    CloudEventAttributes event;
    if (isStructured(headers)) {
        event.mode = Mode::Structured;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
        if (!doc.isObject()) {
            event.error = QStringLiteral("structured CloudEvent is not a JSON object: %1")
                              .arg(error.error == QJsonParseError::NoError ? QStringLiteral("not an object")
                                                                           : error.errorString());
            return event;
        }
        const QJsonObject object = doc.object();
        const auto text = [&object](const char *name) {
            const QJsonValue value = object.value(QLatin1String(name));
            return value.isString() ? value.toString().toUtf8() : QByteArray();
        };
        event.specVersion = text("specversion");
        event.id = text("id");
        event.source = text("source");
        event.type = text("type");
        event.error = checkRequired(event, "");
        return event;
    }
    event.specVersion = headerValue(headers, "ce-specversion").trimmed();
    event.id = headerValue(headers, "ce-id").trimmed();
    event.source = headerValue(headers, "ce-source").trimmed();
    event.type = headerValue(headers, "ce-type").trimmed();
    if (event.specVersion.isNull() && event.id.isNull() && event.source.isNull() && event.type.isNull())
        return event; // not a CloudEvent
    event.mode = Mode::Binary;
    event.error = checkRequired(event, "ce-");
    return event;
}
