// Readiness (GET /ready on both listeners): ackhook can store webhooks only while NATS is connected,
// the stream is there and no outage is simulated.
#pragma once

#include "nats/natsbus.h"
#include "outage/outagesettings.h"

#include <QStringList>

// Empty when ready; else one short reason each, e.g. "NATS reconnecting", "simulated outage (down)".
QStringList readinessProblems(const NatsBus::Status &nats, const QString &stream, OutageSettings::Mode outage);
