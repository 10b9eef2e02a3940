// OutgoingEvent: one webhook turned into the NATS message that will be published.
#pragma once

#include "http/headers.h"

#include <QByteArray>
#include <QByteArrayView>

#include <algorithm>
#include <iterator>
#include <utility>

struct OutgoingEvent {
    QByteArray subject;
    QByteArray msgId; // becomes Nats-Msg-Id: JetStream drops duplicates with the same id
    QByteArray body;
    HeaderList headers; // published as NATS headers (never secrets)
};

// Bytes of the NATS header block cnats 3.4 sends for this event (NatsBus::publishAsync): the
// headers plus Nats-Msg-Id and Nats-Expected-Stream (each replaces a header of that exact name),
// encoded as "NATS/1.0\r\n", then "name: value\r\n" for each value, then "\r\n". The server's
// max_payload counts these bytes plus the body; 0 when nothing would be sent as headers.
inline qint64 natsHeaderBytes(const OutgoingEvent &event, QByteArrayView expectedStream = {})
{
    constexpr qint64 Line = 2 + 2; // ": " and CRLF
    const std::pair<QByteArrayView, QByteArrayView> added[]
        = { { "Nats-Msg-Id", event.msgId }, { "Nats-Expected-Stream", expectedStream } };
    qint64 bytes = 0;
    bool any = false;
    for (const auto &header : event.headers) {
        const bool replaced = std::any_of(std::begin(added), std::end(added),
            [&](const auto &own) { return !own.second.isEmpty() && header.first == own.first; });
        if (replaced)
            continue;
        bytes += header.first.size() + header.second.size() + Line;
        any = true;
    }
    for (const auto &[name, value] : added) {
        if (value.isEmpty())
            continue;
        bytes += name.size() + value.size() + Line;
        any = true;
    }
    if (!any)
        return 0;
    return bytes + qsizetype(sizeof "NATS/1.0\r\n") - 1 + 2;
}
