// SpooledEvent: one event committed to the spool, waiting to be forwarded to JetStream.
#pragma once

#include "nats/outgoingevent.h"

struct SpooledEvent {
    qint64 id = 0; // the spool's row id: arrival order
    qint64 receivedMs = 0;
    OutgoingEvent event; // msgId is the idempotency key: forwarded as Nats-Msg-Id
};
