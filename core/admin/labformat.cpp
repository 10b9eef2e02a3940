// labformat: the dispatch policies' figures as JSON and Prometheus text.
#include "admin/labformat.h"
#include "http/curlcommand.h"

#include <QDateTime>

namespace {

qint64 n(quint64 value)
{
    return static_cast<qint64>(value);
}

QJsonObject countsToJson(const LossCounts &c)
{
    return { { QStringLiteral("answered_2xx"), n(c.answered2xx) }, { QStringLiteral("answered_5xx"), n(c.answered5xx) },
        { QStringLiteral("stored"), n(c.stored) }, { QStringLiteral("lost_after_2xx"), n(c.lostAfter2xx) },
        { QStringLiteral("pending"), n(c.pending) }, { QStringLiteral("stored_after_5xx"), n(c.storedAfter5xx) },
        { QStringLiteral("duplicates"), n(c.duplicates) }, { QStringLiteral("untracked"), n(c.untracked) },
        { QStringLiteral("delay_p50_ms"), c.delayP50Ms }, { QStringLiteral("delay_p99_ms"), c.delayP99Ms } };
}

} // namespace

QJsonObject labToJson(const StatusSnapshot &s)
{
    QJsonObject lab;
    const SpoolStats &spool = s.spool;
    lab.insert(QStringLiteral("spool"),
        QJsonObject { { QStringLiteral("open"), spool.open }, { QStringLiteral("records"), spool.records },
            { QStringLiteral("bytes"), spool.bytes }, { QStringLiteral("max_records"), spool.maxRecords },
            { QStringLiteral("max_bytes"), spool.maxBytes }, { QStringLiteral("committed"), n(spool.committed) },
            { QStringLiteral("refused_full"), n(spool.refusedFull) },
            { QStringLiteral("write_errors"), n(spool.writeErrors) },
            { QStringLiteral("forwarded"), n(spool.forwarded) },
            { QStringLiteral("forwarded_duplicates"), n(spool.forwardedDuplicates) },
            { QStringLiteral("forward_failures"), n(spool.forwardFailures) } });
    const BackgroundPublisher::Figures &ff = s.fireAndForget;
    lab.insert(QStringLiteral("fire_and_forget"),
        QJsonObject { { QStringLiteral("published"), n(ff.published) }, { QStringLiteral("dropped"), n(ff.dropped) },
            { QStringLiteral("retries"), n(ff.retries) }, { QStringLiteral("waiting"), ff.waiting } });
    const LossFigures &loss = s.loss;
    QJsonObject policies;
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        const auto policy = static_cast<DispatchPolicy>(i);
        policies.insert(dispatchPolicyName(policy), countsToJson(loss.of(policy)));
    }
    QJsonObject detector { { QStringLiteral("enabled"), loss.enabled }, { QStringLiteral("grace_ms"), loss.graceMs },
        { QStringLiteral("messages_read"), n(loss.messagesRead) }, { QStringLiteral("read_lag"), n(loss.readLag) },
        { QStringLiteral("tracked"), loss.tracked }, { QStringLiteral("tracking_full"), loss.trackingFull },
        { QStringLiteral("policies"), policies } };
    if (loss.trackingFull)
        detector.insert(QStringLiteral("note"),
            QStringLiteral("tracking bound reached: further answers are counted (untracked), not classified"));
    if (!loss.error.isEmpty())
        detector.insert(QStringLiteral("error"), loss.error);
    lab.insert(QStringLiteral("loss"), detector);
    return lab;
}

void labToPrometheus(const StatusSnapshot &s, QByteArray &out)
{
    const auto family = [&out](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    const auto sample
        = [&out](const QByteArray &name, qint64 value) { out += name + ' ' + QByteArray::number(value) + '\n'; };
    if (s.spool.open) {
        family("ackhook_spool_records", "gauge", "Events in the spool, not yet forwarded.");
        sample("ackhook_spool_records", s.spool.records);
        family("ackhook_spool_forwarded_total", "counter", "Spooled events forwarded (PubAck received).");
        sample("ackhook_spool_forwarded_total", n(s.spool.forwarded));
        family("ackhook_spool_refused_total", "counter", "Events answered 503 because the spool was full.");
        sample("ackhook_spool_refused_total", n(s.spool.refusedFull));
    }
    family("ackhook_fire_and_forget_dropped_total", "counter",
        "Events answered 200 by fire-and-forget and dropped after the background retry.");
    sample("ackhook_fire_and_forget_dropped_total", n(s.fireAndForget.dropped));
    if (!s.loss.enabled)
        return;
    struct Row {
        const char *name;
        const char *help;
        quint64 LossCounts::*field;
    };
    static const Row rows[] = {
        { "ackhook_loss_answered_2xx_total", "Answers 2xx seen by the loss detector.", &LossCounts::answered2xx },
        { "ackhook_loss_answered_5xx_total", "Answers 5xx seen by the loss detector.", &LossCounts::answered5xx },
        { "ackhook_loss_stored_total", "Events answered 2xx and found in the stream.", &LossCounts::stored },
        { "ackhook_loss_lost_after_2xx_total", "Events answered 2xx and not in the stream after the grace period.",
            &LossCounts::lostAfter2xx },
        { "ackhook_loss_pending", "Events answered 2xx not yet found, within the grace period.", &LossCounts::pending },
        { "ackhook_loss_stored_after_5xx_total", "Events answered 5xx that are in the stream.",
            &LossCounts::storedAfter5xx },
        { "ackhook_loss_duplicates_total", "Extra copies of one key in the stream.", &LossCounts::duplicates },
        { "ackhook_loss_untracked_total", "Answers counted but not classified (tracking bound).",
            &LossCounts::untracked },
    };
    for (const Row &row : rows) {
        family(row.name, std::string_view(row.name).ends_with("_total") ? "counter" : "gauge", row.help);
        for (int i = 0; i < DispatchPolicyCount; ++i) {
            const auto policy = static_cast<DispatchPolicy>(i);
            sample(QByteArray(row.name) + "{policy=\"" + dispatchPolicyName(policy).toLatin1() + "\"}",
                n(s.loss.of(policy).*row.field));
        }
    }
}

QJsonArray lostEventsToJson(const QList<LostEvent> &lost)
{
    QJsonArray array;
    for (const LostEvent &e : lost) {
        QJsonObject object { { QStringLiteral("policy"), e.policy },
            { QStringLiteral("endpoint"), QString::fromUtf8(e.endpoint) },
            { QStringLiteral("key"), QString::fromLatin1(e.key) }, { QStringLiteral("status"), e.status },
            { QStringLiteral("received"),
                QDateTime::fromMSecsSinceEpoch(e.receivedMs, Qt::UTC).toString(Qt::ISODateWithMs) } };
        if (isText(e.body))
            object.insert(QStringLiteral("body"), QString::fromUtf8(e.body));
        else
            object.insert(QStringLiteral("body_base64"), QString::fromLatin1(e.body.toBase64()));
        array.append(object);
    }
    return array;
}
