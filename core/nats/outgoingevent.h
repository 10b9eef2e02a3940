// OutgoingEvent: one webhook turned into the NATS message that will be published.
#pragma once

#include "http/headers.h"

#include <QByteArray>

struct OutgoingEvent {
    QByteArray subject;
    QByteArray msgId; // becomes Nats-Msg-Id: JetStream drops duplicates with the same id
    QByteArray body;
    HeaderList headers; // published as NATS headers (never secrets)
};

// Bytes of the NATS header block cnats 3.4 sends for this event (NatsBus::publishAsync): the
// headers plus Nats-Msg-Id (which replaces a header of that exact name), encoded as
// "NATS/1.0\r\n", then "name: value\r\n" for each value, then "\r\n". The server's max_payload
// counts these bytes plus the body; 0 when nothing would be sent as headers.
inline qint64 natsHeaderBytes(const OutgoingEvent &event)
{
    constexpr qint64 Line = 2 + 2; // ": " and CRLF
    qint64 bytes = 0;
    bool any = false;
    for (const auto &header : event.headers) {
        if (!event.msgId.isEmpty() && header.first == "Nats-Msg-Id")
            continue;
        bytes += header.first.size() + header.second.size() + Line;
        any = true;
    }
    if (!event.msgId.isEmpty()) {
        bytes += qsizetype(sizeof "Nats-Msg-Id") - 1 + event.msgId.size() + Line;
        any = true;
    }
    if (!any)
        return 0;
    return bytes + qsizetype(sizeof "NATS/1.0\r\n") - 1 + 2;
}
