// OutcomeText: one function per phrase; the views only place them.
#include "outcometext.h"

#include <QCoreApplication>

namespace OutcomeText {

namespace {
    QString tr(const char *text)
    {
        return QCoreApplication::translate("OutcomeText", text);
    }
} // namespace

Queued queued(const FailedEvent &event)
{
    return { event.id, event.state, event.replaySeq, event.replayDuplicate };
}

QString answered(int status)
{
    if (status == 202) // taken without a PubAck (spool): not "OK"
        return tr("%1 Accepted").arg(status);
    if (status < 400)
        return tr("%1 OK").arg(status);
    if (status < 500)
        return tr("%1 rejected").arg(status);
    return tr("%1 failed").arg(status);
}

QString storedAnyway(quint64 seq)
{
    return tr("stored anyway (seq %1): the sender's retry will be a duplicate").arg(seq);
}

QString failedRequest(int status, const Queued &q)
{
    if (q.storedAnyway())
        return tr("%1 · %2").arg(status).arg(storedAnyway(q.replaySeq));
    switch (q.state) {
    case FailedEvent::State::Replayed:
        return tr("%1 → recovered (stream seq %2)").arg(status).arg(q.replaySeq);
    case FailedEvent::State::Discarded:
        return tr("%1 → discarded (#%2)").arg(status).arg(q.failedId);
    case FailedEvent::State::Pending:
        break;
    }
    return tr("%1 failed · queued #%2").arg(status).arg(q.failedId);
}

QString queueState(const Queued &q)
{
    if (q.storedAnyway())
        return storedAnyway(q.replaySeq);
    if (q.state == FailedEvent::State::Replayed)
        return tr("replayed (seq %1)").arg(q.replaySeq);
    return FailedEvent::stateName(q.state);
}

QString timelineNote(const Queued &q)
{
    if (q.storedAnyway())
        return tr("→ kept as failed event #%1 → %2").arg(q.failedId).arg(storedAnyway(q.replaySeq));
    if (q.state == FailedEvent::State::Replayed)
        return tr("→ kept as failed event #%1 → replayed: stored as stream seq %2").arg(q.failedId).arg(q.replaySeq);
    return tr("→ kept as failed event #%1 (%2)").arg(q.failedId).arg(FailedEvent::stateName(q.state));
}

QString duplicate(bool duplicate, bool storedAnyway)
{
    // A 500 stored anyway: the sender's retry will be answered "duplicate" (the status says why).
    return duplicate || storedAnyway ? tr("duplicate") : QString();
}

QString rtt(const NatsBus::Status &bus, qint64 nowMs)
{
    // The last RTT measured is not the current one once the connection is gone.
    if (bus.state != NatsBus::State::Connected)
        return tr("– (not connected)");
    if (bus.rttUs < 0)
        return tr("–");
    const qint64 age = nowMs - bus.rttAtMs;
    const qint64 stale = 2 * std::chrono::milliseconds(NatsBus::RttInterval).count();
    if (bus.rttAtMs > 0 && age > stale)
        return tr("no PONG for %1 s").arg(age / 1000);
    return tr("%1 ms").arg(bus.rttUs / 1000.0, 0, 'f', 2);
}

} // namespace OutcomeText
