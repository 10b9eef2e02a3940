// CloudEventAttributes: the required CloudEvents attributes of a webhook, in binary or structured mode.
#pragma once

#include "nats/outgoingevent.h"

#include <QByteArray>
#include <QString>

struct CloudEventAttributes {
    enum class Mode {
        None, // not a CloudEvent: no ce- attribute header, not application/cloudevents+json
        Binary, // attributes in ce- headers, the body is the data
        Structured, // the body is the event as JSON (application/cloudevents+json)
    };

    Mode mode = Mode::None;
    // Content-Type application/cloudevents+json: the attributes are in the body, not in ce-* headers.
    static bool isStructured(const HeaderList &headers);
    QByteArray specVersion;
    QByteArray id;
    QByteArray source;
    QByteArray type;
    QString error; // non-empty: a malformed CloudEvent (answer 400)

    bool isValid() const { return error.isEmpty(); }

    // Binary mode is recognised by any of the required ce- headers (ce-specversion, ce-id,
    // ce-source, ce-type): a sender that set one meant a CloudEvent, so all four must be there.
    static CloudEventAttributes read(const HeaderList &headers, const QByteArray &body);
};
