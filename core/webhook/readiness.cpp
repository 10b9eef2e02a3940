// Readiness: the reasons ackhook cannot store a webhook right now.
#include "webhook/readiness.h"

QStringList readinessProblems(
    const NatsBus::Status &nats, const QString &stream, OutageSettings::Mode outage, const FailedQueueStats &failedQueue)
{
    QStringList problems;
    if (nats.state != NatsBus::State::Connected)
        problems.append(nats.connectError.isEmpty() // e.g. credentials refused since the start
                ? QStringLiteral("NATS %1").arg(NatsBus::stateName(nats.state))
                : QStringLiteral("NATS %1: %2").arg(NatsBus::stateName(nats.state), nats.connectError));
    else if (!nats.streamReady)
        problems.append(nats.streamError.isEmpty()
                ? QStringLiteral("stream %1 not ready").arg(stream)
                : QStringLiteral("stream %1 not ready: %2").arg(stream, nats.streamError));
    if (outage != OutageSettings::Mode::Off)
        problems.append(QStringLiteral("simulated outage (%1)").arg(OutageSettings::modeName(outage)));
    if (!failedQueue.commitError.isEmpty())
        problems.append(QStringLiteral("failed-event queue cannot commit (%1 events held in memory): %2")
                            .arg(failedQueue.uncommitted)
                            .arg(failedQueue.commitError));
    return problems;
}
