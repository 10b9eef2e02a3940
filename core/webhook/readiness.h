// Readiness (GET /ready on both listeners): ackhook can store webhooks only while NATS is connected,
// the stream is there and no outage is simulated; and it keeps what it answers 500 for only while
// the failed-event queue commits.
#pragma once

#include "nats/natsbus.h"
#include "outage/outagesettings.h"
#include "store/failedeventstore.h"

#include <QStringList>

// Empty when ready; else one short reason each, e.g. "NATS reconnecting", "simulated outage (down)".
QStringList readinessProblems(const NatsBus::Status &nats, const QString &stream, OutageSettings::Mode outage,
    const FailedQueueStats &failedQueue = {});
