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
