// NatsBus: the stream contract (look-up and creation on every (re)connect, again after a no_stream
// failure or a poll that saw the stream change) and the poll every RttInterval (RTT, the stream's
// size, the cluster view). Their cnats calls block: they run on the one-thread pool and post back.
#include "nats/natsbus.h"
#include "nats/natsbuscontext.h"
#include "nats/natsstatus.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <nats/nats.h>

void NatsBus::ensureStream()
{
    if (!m_link.js)
        return;
    m_streamCheckRunning = true;
    m_lastStreamCheck.start();
    jsCtx *js = m_link.js;
    const StreamSettings wanted = m_options.stream;
    const QList<QByteArray> required = m_options.requiredSubjects;
    const bool create = m_options.createStream;
    Context *context = m_link.context;

    m_blockingCalls.start([=] {
        const StreamCheck check = StreamCheck::run(js, wanted, required, create);
        context->post([check](NatsBus *bus) { bus->finishStreamCheck(check); });
    });
}

void NatsBus::requestStreamCheck()
{
    // One look-up at a time, at most two a second: a burst of failures does not flood JetStream.
    constexpr qint64 MinIntervalMs = 500;
    if (!m_link.js || !isConnected())
        return;
    if (m_streamCheckRunning) {
        m_streamCheckAgain = true;
        return;
    }
    const qint64 since = m_lastStreamCheck.isValid() ? m_lastStreamCheck.elapsed() : MinIntervalMs;
    if (since < MinIntervalMs) {
        if (!m_streamCheckTimer.isActive())
            m_streamCheckTimer.start(std::chrono::milliseconds(MinIntervalMs - since));
        return;
    }
    ensureStream();
}

void NatsBus::finishStreamCheck(const StreamCheck &check)
{
    m_streamCheckRunning = false;
    const StreamFound foundBefore = std::exchange(m_streamFound, check.found);
    const Status before = status();
    updateStatus([&](Status &status) {
        status.streamReady = check.ok;
        status.streamError = check.error;
    });
    const QString &name = m_options.stream.name;
    if (check.created) {
        const StreamSettings &s = m_options.stream;
        if (m_streamSeen)
            qCWarning(lcNats).noquote()
                << "JetStream stream" << name
                << "was deleted while ackhook ran; created it again (the events it held are gone)";
        qCInfo(lcNats).noquote() << "JetStream stream" << name << "created:" << s.describe();
    }
    if (check.differences != m_reportedDifferences) {
        for (const QString &difference : check.differences)
            qCWarning(lcNats).noquote() << "JetStream stream" << name
                                        << "differs from the configuration (ackhook does not change a stream it finds):"
                                        << difference;
        m_reportedDifferences = check.differences;
    }
    if (check.ok) {
        m_streamSeen = true;
        if (!before.streamReady) {
            if (!check.created)
                qCInfo(lcNats).noquote() << "JetStream stream" << name << "found";
            Q_EMIT streamReady(name);
        }
    } else {
        if (check.missing && (foundBefore == StreamFound::Usable || foundBefore == StreamFound::Uncovered))
            qCWarning(lcNats).noquote() << "JetStream stream" << name << "was deleted while ackhook ran";
        if (check.error != before.streamError || before.streamReady) {
            qCWarning(lcNats).noquote() << "JetStream stream" << name << "not ready:" << check.error;
            Q_EMIT streamFailed(check.error);
        }
    }
    if (std::exchange(m_streamCheckAgain, false))
        requestStreamCheck();
}

void NatsBus::measureRtt()
{
    if (!m_link.connection || !m_link.js || !isConnected() || m_blockingCalls.activeThreadCount() > 0)
        return;
    // A failed stream lookup is asked again with every poll, not only at the next reconnect: a
    // cluster still electing the stream's leader answers Timeout, and is fine seconds later.
    if (!isStreamReady())
        requestStreamCheck();
    natsConnection *connection = m_link.connection;
    jsCtx *js = m_link.js;
    const QByteArray stream = m_options.stream.name.toUtf8();
    const QList<QByteArray> required = m_options.requiredSubjects;
    Context *context = m_link.context;
    m_blockingCalls.start([connection, js, stream, required, context] {
        int64_t rttNs = 0;
        if (natsConnection_GetRTT(connection, &rttNs) != NATS_OK)
            return;
        // The stream's size for the monitor; a failure here only leaves the figures as they were.
        jsStreamInfo *info = nullptr;
        qint64 messages = -1;
        qint64 bytes = -1;
        // Whether the stream is still as the last full check left it: there, and capturing every subject.
        StreamFound found = StreamFound::Unknown;
        jsErrCode errorCode = static_cast<jsErrCode>(0);
        const natsStatus s = js_GetStreamInfo(&info, js, stream.constData(), nullptr, &errorCode);
        if (s == NATS_OK && info) {
            messages = static_cast<qint64>(info->State.Msgs);
            bytes = static_cast<qint64>(info->State.Bytes);
            found = StreamCheck::foundIn(info, required);
        } else if (s == NATS_NOT_FOUND || errorCode == JSStreamNotFoundErr) {
            found = StreamFound::Missing;
        }
        // Its leader and replicas (issue #17); while no leader is elected the info does not come.
        Cluster cluster = ClusterView::read(connection, s == NATS_OK ? info : nullptr,
            s == NATS_OK ? QString() : natsErrorText(s, nats_GetLastError(nullptr)));
        jsStreamInfo_Destroy(info);
        context->post([rttNs, messages, bytes, found, seen = std::move(cluster)](NatsBus *bus) {
            // Deleted, created or edited by someone else since the last full check: check again.
            const bool changed
                = found != bus->m_streamFound || (found == StreamFound::Usable && !bus->status().streamReady);
            if (found != StreamFound::Unknown && changed)
                bus->requestStreamCheck();
            Cluster cluster = seen;
            bus->updateStatus([&](Status &status) {
                status.rttUs = rttNs / 1000;
                status.rttAtMs = QDateTime::currentMSecsSinceEpoch();
                if (messages >= 0) {
                    status.streamMessages = messages;
                    status.streamBytes = bytes;
                }
                // A change is a leader other than the last one seen, with or without a gap between.
                const QString previous = status.cluster.lastLeader;
                cluster.lastLeader = cluster.leader.isEmpty() ? previous : cluster.leader;
                cluster.leaderChanges = status.cluster.leaderChanges
                    + (!cluster.leader.isEmpty() && !previous.isEmpty() && cluster.leader != previous);
                status.cluster = std::move(cluster);
            });
            Q_EMIT bus->rttMeasured(rttNs / 1000);
        });
    });
}
