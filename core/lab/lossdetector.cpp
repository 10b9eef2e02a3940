// LossDetector: reads by sequence (js_GetMsg) rather than through a consumer, so a nats-server
// restart or a long outage leaves no gap: it goes on from the next sequence it has not read.
#include "lab/lossdetector.h"

#include <QDateTime>
#include <QLoggingCategory>

#include <nats/nats.h>

#include <algorithm>

Q_LOGGING_CATEGORY(lcLoss, "ackhook.loss")

namespace {
constexpr size_t MaxDelaySamples = 100000;

qint64 percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return 0;
    const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(index), values.end());
    return values[index];
}
} // namespace

LossDetector::LossDetector(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_reader(std::make_shared<JetStreamReader>())
{
    m_pool.setMaxThreadCount(1);
    m_timer.setInterval(m_options.interval);
    connect(&m_timer, &QTimer::timeout, this, &LossDetector::tick);
    m_figures.enabled = true;
    m_figures.graceMs = m_options.grace.count();
}

LossDetector::~LossDetector()
{
    m_pool.clear();
    m_pool.waitForDone();
}

void LossDetector::start()
{
    ReadResult probe;
    m_pool.start([&, reader = m_reader] { probe = read(*reader, m_options.urls, m_options.access, m_options.stream, 0); });
    m_pool.waitForDone();
    // Unreachable now: start at the stream's beginning once it is (reads old events too, harmless).
    m_nextSeq = probe.error.isEmpty() ? probe.nextSeq : 1;
    if (!probe.error.isEmpty()) {
        QMutexLocker lock(&m_figuresMutex);
        m_figures.error = probe.error;
    }
    m_timer.start();
}

void LossDetector::note(DispatchPolicy policy, const QByteArray &endpoint, const QByteArray &key,
    const QByteArray &msgId, int status, qint64 receivedMs, const QByteArray &body)
{
    const bool ok = status >= 200 && status < 300;
    if (!ok && status < 500)
        return;
    {
        QMutexLocker lock(&m_figuresMutex);
        LossCounts &counts = m_figures.policies[static_cast<size_t>(policy)];
        (ok ? counts.answered2xx : counts.answered5xx) += 1;
        if (m_figures.tracked >= m_options.maxTracked) {
            if (!m_figures.trackingFull)
                qCWarning(lcLoss).noquote() << "loss detector: tracking" << m_options.maxTracked
                                            << "answers, its bound; further answers are only counted";
            m_figures.trackingFull = true;
            ++counts.untracked;
            return;
        }
        ++m_figures.tracked;
    }
    QMutexLocker lock(&m_inboxMutex);
    m_inbox.push_back(
        { policy, endpoint, key, msgId, status, receivedMs,
            QDateTime::currentMSecsSinceEpoch(), body.left(MaxBodyBytes) });
}

void LossDetector::setHold(DispatchPolicy policy, std::function<bool()> held)
{
    m_holds[static_cast<size_t>(policy)] = std::move(held);
}

void LossDetector::recheckStored()
{
    m_recheckWanted = true; // from the next read on (one in progress may predate the loss)
}

void LossDetector::tick()
{
    if (m_recheckWanted && !m_reading) {
        m_recheckWanted = false;
        m_rechecking = true;
        m_nextSeq = 1;
        // Everything read so far, matched to an answer or not yet: read again, none is a new copy.
        m_unconfirmed.clear();
        for (auto it = m_seen.cbegin(); it != m_seen.cend(); ++it)
            m_unconfirmed.insert(it.key());
        qCInfo(lcLoss).noquote() << "loss detector: rereading the stream to check" << m_unconfirmed.size()
                                 << "stored events";
    }
    startRead();
    classify();
}

void LossDetector::startRead()
{
    if (m_reading)
        return;
    m_reading = true;
    m_pool.start([this, reader = m_reader, urls = m_options.urls, access = m_options.access, stream = m_options.stream, next = m_nextSeq] {
        const ReadResult result = read(*reader, urls, access, stream, next);
        QMetaObject::invokeMethod(
            this, [this, result] { finishRead(result); }, Qt::QueuedConnection);
    });
}

LossDetector::ReadResult LossDetector::read(
    JetStreamReader &reader, const QStringList &urls, const NatsAccess &access, const QByteArray &stream, quint64 nextSeq)
{
    ReadResult result;
    result.nextSeq = nextSeq;
    if (const QString error = reader.ensureConnected(urls, access, "ackhook loss detector"); !error.isEmpty()) {
        result.error = error;
        return result;
    }
    jsStreamInfo *info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    result.infoAtMs = QDateTime::currentMSecsSinceEpoch();
    natsStatus s = js_GetStreamInfo(&info, reader.js(), stream.constData(), nullptr, &code);
    if (s == NATS_NOT_FOUND || code == JSStreamNotFoundErr) {
        result.nextSeq = std::max<quint64>(nextSeq, 1); // created later: everything in it is new
        result.caughtUp = true;
        return result;
    }
    if (s != NATS_OK) {
        result.error = QStringLiteral("cannot read the stream: %1").arg(QString::fromUtf8(natsStatus_GetText(s)));
        if (s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER)
            reader.close();
        return result;
    }
    const quint64 first = info->State.FirstSeq, last = info->State.LastSeq;
    jsStreamInfo_Destroy(info);
    result.lastSeq = last;
    if (nextSeq == 0) { // the start: only what is stored from now on
        result.nextSeq = last + 1;
        result.caughtUp = true;
        return result;
    }
    if (last + 1 < nextSeq) // the stream was recreated: read it from its beginning
        nextSeq = 1;
    nextSeq = std::max(nextSeq, first);
    for (quint64 seq = nextSeq; seq <= last && seq < nextSeq + ReadBatch; ++seq) {
        natsMsg *msg = nullptr;
        code = static_cast<jsErrCode>(0);
        s = js_GetMsg(&msg, reader.js(), stream.constData(), seq, nullptr, &code);
        if (s == NATS_NOT_FOUND || code == JSNoMessageFoundErr) { // deleted: nothing to see
            result.nextSeq = seq + 1;
            continue;
        }
        if (s != NATS_OK) {
            result.error = QStringLiteral("cannot read the stream: %1").arg(QString::fromUtf8(natsStatus_GetText(s)));
            if (s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER)
                reader.close();
            return result;
        }
        const char *id = nullptr;
        if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &id) == NATS_OK && id)
            result.messages.emplace_back(QByteArray(id), natsMsg_GetTime(msg) / 1000000);
        natsMsg_Destroy(msg);
        result.nextSeq = seq + 1;
    }
    if (result.nextSeq < nextSeq)
        result.nextSeq = nextSeq;
    result.caughtUp = result.nextSeq > last;
    return result;
}

void LossDetector::finishRead(const ReadResult &result)
{
    m_reading = false;
    if (result.nextSeq > 0)
        m_nextSeq = result.nextSeq;
    if (result.error.isEmpty() && result.caughtUp)
        m_caughtUpAtMs = std::max(m_caughtUpAtMs, result.infoAtMs);
    std::array<quint64, DispatchPolicyCount> lateCopies {};
    std::vector<std::pair<QByteArray, Closed>> late; // called not stored, and stored after all
    for (const auto &[key, storedMs] : result.messages) {
        auto it = m_seen.find(key);
        if (m_rechecking && it != m_seen.end() && m_unconfirmed.remove(key))
            continue; // still there: read again, not a new copy
        if (it != m_seen.end()) {
            ++it->copies;
            if (it->policy >= 0)
                ++lateCopies[static_cast<size_t>(it->policy)];
            continue;
        }
        m_seen.insert(key, { storedMs, 1 });
        m_seenOrder.push_back(key);
        const auto closed = m_closed.constFind(key);
        if (closed != m_closed.cend()) {
            late.push_back({ key, *closed });
            m_seen[key].policy = closed->policy;
            m_closed.erase(closed);
        }
    }
    while (static_cast<int>(m_seenOrder.size()) > m_options.maxSeen) {
        m_seen.remove(m_seenOrder.front());
        m_seenOrder.pop_front();
    }
    QMutexLocker lock(&m_figuresMutex);
    m_figures.messagesRead += result.messages.size();
    for (size_t p = 0; p < lateCopies.size(); ++p)
        m_figures.policies[p].duplicates += lateCopies[p];
    for (const auto &[key, closed] : late) {
        LossCounts &counts = m_figures.policies[static_cast<size_t>(closed.policy)];
        if (closed.ok) {
            --counts.lostAfter2xx;
            ++counts.stored;
            // Not [&]: clang 14 (the fuzz build) cannot capture a structured binding.
            const auto it = std::find_if(
                m_lost.begin(), m_lost.end(), [&lostId = key](const LostEvent &e) { return e.msgId == lostId; });
            if (it != m_lost.end())
                m_lost.erase(it);
        } else {
            ++counts.storedAfter5xx;
        }
    }
    m_figures.readLag = result.lastSeq >= m_nextSeq ? result.lastSeq - m_nextSeq + 1 : 0;
    m_figures.error = result.error;
    if (m_rechecking && result.error.isEmpty() && result.caughtUp) {
        // Read to the end again: what is still unconfirmed was stored and is gone.
        m_rechecking = false;
        for (const QByteArray &msgId : std::as_const(m_unconfirmed)) {
            const auto seen = m_seen.constFind(msgId);
            if (seen == m_seen.cend())
                continue;
            if (seen->policy < 0) { // not matched to an answer yet: forgotten, as if never read
                m_seen.remove(msgId);
                continue;
            }
            LossCounts &counts = m_figures.policies[static_cast<size_t>(seen->policy)];
            if (seen->status >= 200 && seen->status < 300) {
                --counts.stored;
                ++counts.lostAfter2xx;
                // The Nats-Msg-Id is "<endpoint> <key>": the answer's own copies are not kept this long.
                const qsizetype space = msgId.indexOf(' ');
                QByteArray endpoint = space > 0 ? msgId.left(space) : QByteArray();
                if (endpoint.endsWith("#ce")) // a CloudEvent's key: "<path>#ce <source> <id>"
                    endpoint.chop(3);
                const QByteArray key = space > 0 ? msgId.mid(space + 1) : msgId;
                m_lost.push_back({ dispatchPolicyName(static_cast<DispatchPolicy>(seen->policy)), endpoint, key,
                    seen->status, seen->receivedMs, {}, msgId });
                if (static_cast<int>(m_lost.size()) > m_options.maxLost)
                    m_lost.pop_front();
                qCWarning(lcLoss).noquote() << "LOST after" << seen->status << "(was in the stream):" << key << "on"
                                            << endpoint;
            } else if (counts.storedAfter5xx > 0) {
                --counts.storedAfter5xx;
            }
            // Should it turn up again (a resend with the same Nats-Msg-Id), it counts as stored again.
            m_closed.insert(msgId, { seen->policy, seen->status >= 200 && seen->status < 300 });
            m_closedOrder.push_back(msgId);
            m_seen.remove(msgId);
        }
        qCInfo(lcLoss).noquote() << "loss detector: the stream was reread;" << m_unconfirmed.size()
                                 << "events read before are gone";
        m_unconfirmed.clear();
    }
}

void LossDetector::classify()
{
    {
        QMutexLocker lock(&m_inboxMutex);
        for (Answer &answer : m_inbox)
            m_waiting.push_back(std::move(answer));
        m_inbox.clear();
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    for (size_t i = 0; i < m_holds.size(); ++i) {
        if (m_holds[i] && m_holds[i]())
            m_heldAtMs[i] = now;
    }
    std::array<LossCounts, DispatchPolicyCount> found {}; // this pass: stored, lost, after 5xx, duplicates
    std::array<quint64, DispatchPolicyCount> pending {};
    std::vector<LostEvent> newlyLost;
    int classified = 0;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        const size_t p = static_cast<size_t>(it->policy);
        const bool ok = it->status < 300;
        const auto seen = m_seen.find(it->msgId);
        bool done = true;
        if (seen != m_seen.end()) {
            seen->policy = static_cast<int>(p);
            seen->status = it->status;
            seen->receivedMs = it->receivedMs;
            if (ok) {
                ++found[p].stored;
                addDelay(it->policy, seen->storedMs - it->receivedMs);
            } else {
                ++found[p].storedAfter5xx;
            }
            found[p].duplicates += static_cast<quint64>(seen->copies - 1);
        } else if (m_caughtUpAtMs - std::max(it->notedMs, ok ? m_heldAtMs[p] : 0) < m_options.grace.count()) {
            done = false;
            if (ok)
                ++pending[p];
        } else if (ok) {
            ++found[p].lostAfter2xx;
            newlyLost.push_back(
                { dispatchPolicyName(it->policy), it->endpoint, it->key, it->status, it->receivedMs, it->body, it->msgId });
            qCWarning(lcLoss).noquote() << "LOST after" << it->status << ":" << it->key << "on" << it->endpoint << "("
                                        << dispatchPolicyName(it->policy) << ")";
        } // else a 5xx not in the stream: not stored, as answered (until it turns up)
        if (done && seen == m_seen.end()) {
            m_closed.insert(it->msgId, { static_cast<int>(p), ok });
            m_closedOrder.push_back(it->msgId);
        }
        if (done) {
            ++classified;
            it = m_waiting.erase(it);
        } else {
            ++it;
        }
    }
    while (static_cast<int>(m_closedOrder.size()) > m_options.maxSeen) {
        m_closed.remove(m_closedOrder.front());
        m_closedOrder.pop_front();
    }
    QMutexLocker lock(&m_figuresMutex);
    m_figures.tracked -= classified;
    for (size_t p = 0; p < m_figures.policies.size(); ++p) {
        LossCounts &counts = m_figures.policies[p];
        counts.stored += found[p].stored;
        counts.lostAfter2xx += found[p].lostAfter2xx;
        counts.storedAfter5xx += found[p].storedAfter5xx;
        counts.duplicates += found[p].duplicates;
        counts.pending = pending[p];
        counts.delayP50Ms = percentile(m_delays[p], 0.50);
        counts.delayP99Ms = percentile(m_delays[p], 0.99);
    }
    for (LostEvent &event : newlyLost) {
        m_lost.push_back(std::move(event));
        if (static_cast<int>(m_lost.size()) > m_options.maxLost)
            m_lost.pop_front();
    }
}

void LossDetector::addDelay(DispatchPolicy policy, qint64 delayMs)
{
    std::vector<qint64> &delays = m_delays[static_cast<size_t>(policy)];
    if (delays.size() < MaxDelaySamples)
        delays.push_back(delayMs);
    else
        delays[static_cast<size_t>(QDateTime::currentMSecsSinceEpoch()) % MaxDelaySamples] = delayMs;
}

LossFigures LossDetector::figures() const
{
    QMutexLocker lock(&m_figuresMutex);
    return m_figures;
}

QList<LostEvent> LossDetector::lost() const
{
    QMutexLocker lock(&m_figuresMutex);
    return QList<LostEvent>(m_lost.begin(), m_lost.end());
}
