// The admin API's views of a StatusSnapshot: the /api/status JSON and the /metrics exposition.
#include "admin/statusformat.h"
#include "admin/labformat.h"

#include <QJsonArray>

QJsonObject outageToJson(const OutageSettings &settings, quint64 droppedAcks)
{
    return { { QStringLiteral("mode"), OutageSettings::modeName(settings.mode) },
        { QStringLiteral("latency_ms"), settings.latencyMs }, { QStringLiteral("jitter_ms"), settings.jitterMs },
        { QStringLiteral("period_ms"), settings.flapPeriodMs },
        { QStringLiteral("modes"), QJsonArray::fromStringList(OutageSettings::modeNames()) },
        { QStringLiteral("dropped_acks"), static_cast<qint64>(droppedAcks) } };
}

QJsonObject failedQueueToJson(const FailedQueueStats &s)
{
    return { { QStringLiteral("total"), s.total }, { QStringLiteral("pending"), s.pending },
        { QStringLiteral("replayed"), s.replayed }, { QStringLiteral("discarded"), s.discarded },
        { QStringLiteral("bytes"), s.bytes }, { QStringLiteral("unrecorded"), static_cast<qint64>(s.unrecorded) },
        { QStringLiteral("max_records"), s.maxRecords }, { QStringLiteral("max_bytes"), s.maxBytes } };
}

QJsonObject statusToJson(const StatusSnapshot &s)
{
    const NatsBus::Status &bus = s.nats;
    QJsonObject nats { { QStringLiteral("state"), NatsBus::stateName(bus.state) },
        { QStringLiteral("upstream"), QJsonArray::fromStringList(s.upstreamUrls) },
        { QStringLiteral("via_proxy"), s.proxyUrl.isEmpty() ? QJsonValue() : QJsonValue(s.proxyUrl) },
        { QStringLiteral("rtt_us"), bus.rttUs }, { QStringLiteral("reconnects"), static_cast<qint64>(bus.reconnects) },
        { QStringLiteral("stream"), s.stream }, { QStringLiteral("stream_ready"), bus.streamReady },
        { QStringLiteral("stream_messages"), bus.streamMessages },
        { QStringLiteral("stream_bytes"), bus.streamBytes } };
    if (!bus.streamError.isEmpty())
        nats.insert(QStringLiteral("stream_error"), bus.streamError);
    if (s.embedded.present)
        nats.insert(QStringLiteral("embedded"),
            QJsonObject { { QStringLiteral("running"), s.embedded.running }, { QStringLiteral("pid"), s.embedded.pid },
                { QStringLiteral("url"), s.embedded.url }, { QStringLiteral("store"), s.embedded.storeDir } });

    QJsonObject outage = outageToJson(s.outage, s.droppedAcks);
    outage.remove(QStringLiteral("modes"));
    const RequestCounters &c = s.counters;
    const QStringList notReady = s.notReady();
    return { { QStringLiteral("version"), s.version }, { QStringLiteral("uptime_ms"), s.uptimeMs },
        { QStringLiteral("ready"), notReady.isEmpty() },
        { QStringLiteral("not_ready"), QJsonArray::fromStringList(notReady) },
        // What the monitor shows: a simulated outage is labelled as such, distinct from a real one.
        { QStringLiteral("connectivity"), s.connectivity() }, { QStringLiteral("nats"), nats },
        { QStringLiteral("outage"), outage }, { QStringLiteral("failed_queue"), failedQueueToJson(s.failedQueue) },
        { QStringLiteral("webhook"), QString(s.webhookBaseUrl + QStringLiteral("/webhook")) },
        { QStringLiteral("counters"),
            QJsonObject { { QStringLiteral("requests"), static_cast<qint64>(c.requests) },
                { QStringLiteral("ok"), static_cast<qint64>(c.ok) },
                { QStringLiteral("failed"), static_cast<qint64>(c.failed) },
                { QStringLiteral("rejected"), static_cast<qint64>(c.rejected) },
                { QStringLiteral("overloaded"), static_cast<qint64>(c.overloaded) },
                { QStringLiteral("in_flight"), s.inFlight } } },
        { QStringLiteral("lab"), labToJson(s) } };
}

QByteArray statusToPrometheus(const StatusSnapshot &s)
{
    const NatsBus::Status &bus = s.nats;
    const RequestCounters &c = s.counters;
    const FailedQueueStats &failed = s.failedQueue;
    QByteArray out;
    const auto family = [&out](const char *name, const char *type, const char *help) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
    };
    const auto sample
        = [&out](const QByteArray &name, qint64 value) { out += name + ' ' + QByteArray::number(value) + '\n'; };
    family("ackhook_requests_total", "counter", "Webhook requests answered, by status class.");
    sample("ackhook_requests_total{class=\"2xx\"}", static_cast<qint64>(c.ok));
    sample("ackhook_requests_total{class=\"4xx\"}", static_cast<qint64>(c.rejected));
    sample("ackhook_requests_total{class=\"5xx\"}", static_cast<qint64>(c.failed));
    family("ackhook_overloaded_total", "counter", "Requests answered 429 because too many dispatches were in flight.");
    sample("ackhook_overloaded_total", static_cast<qint64>(c.overloaded));
    family("ackhook_in_flight", "gauge", "Dispatches waiting for their PubAck.");
    sample("ackhook_in_flight", s.inFlight);
    family("ackhook_nats_connected", "gauge", "1 when the NATS connection is up.");
    sample("ackhook_nats_connected", bus.state == NatsBus::State::Connected ? 1 : 0);
    family("ackhook_nats_reconnects_total", "counter", "NATS reconnections since start.");
    sample("ackhook_nats_reconnects_total", static_cast<qint64>(bus.reconnects));
    family("ackhook_nats_rtt_seconds", "gauge", "Last measured NATS round-trip time.");
    out += "ackhook_nats_rtt_seconds " + QByteArray::number(bus.rttUs < 0 ? 0.0 : bus.rttUs / 1e6, 'g', 6) + '\n';
    family("ackhook_failed_events", "gauge", "Failed-event queue records, by state.");
    sample("ackhook_failed_events{state=\"pending\"}", failed.pending);
    sample("ackhook_failed_events{state=\"replayed\"}", failed.replayed);
    sample("ackhook_failed_events{state=\"discarded\"}", failed.discarded);
    family("ackhook_failed_events_unrecorded_total", "counter", "Failures answered 500 but not stored (queue full).");
    sample("ackhook_failed_events_unrecorded_total", static_cast<qint64>(failed.unrecorded));
    family("ackhook_simulated_outage", "gauge", "1 for the simulated outage mode in force.");
    for (const QString &name : OutageSettings::modeNames())
        sample("ackhook_simulated_outage{mode=\"" + name.toLatin1() + "\"}",
            OutageSettings::modeName(s.outage.mode) == name);
    family("ackhook_ready", "gauge", "1 when ackhook can store webhooks (GET /ready answers 200).");
    sample("ackhook_ready", s.notReady().isEmpty() ? 1 : 0);
    family("ackhook_uptime_seconds", "gauge", "Seconds since ackhook started.");
    sample("ackhook_uptime_seconds", s.uptimeMs / 1000);
    labToPrometheus(s, out);
    return out;
}
