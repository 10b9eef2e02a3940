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
        { QStringLiteral("uncommitted"), s.uncommitted },
        { QStringLiteral("commit_error"), s.commitError.isEmpty() ? QJsonValue() : QJsonValue(s.commitError) },
        { QStringLiteral("max_records"), s.maxRecords }, { QStringLiteral("max_bytes"), s.maxBytes } };
}

static QJsonObject clusterToJson(const NatsBus::Status &bus)
{
    const NatsBus::Cluster &c = bus.cluster;
    QJsonArray peers;
    for (const NatsBus::Replica &r : c.peers)
        peers.append(QJsonObject { { QStringLiteral("name"), r.name }, { QStringLiteral("leader"), r.leader },
            { QStringLiteral("current"), r.current }, { QStringLiteral("offline"), r.offline },
            { QStringLiteral("active_ms"), r.activeMs }, { QStringLiteral("lag"), static_cast<qint64>(r.lag) } });
    QJsonObject cluster { { QStringLiteral("server_id"), c.serverId },
        { QStringLiteral("connected_url"), bus.connectedUrl },
        { QStringLiteral("known_servers"), QJsonArray::fromStringList(c.knownServers) },
        { QStringLiteral("discovered_servers"), c.discoveredServers }, { QStringLiteral("name"), c.name },
        { QStringLiteral("stream_leader"), c.leader.isEmpty() ? QJsonValue() : QJsonValue(c.leader) },
        { QStringLiteral("stream_replicas"), c.replicas },
        { QStringLiteral("stream_replicas_current"), c.currentReplicas() }, { QStringLiteral("peers"), peers },
        { QStringLiteral("leader_changes"), static_cast<qint64>(c.leaderChanges) } };
    if (!c.infoError.isEmpty())
        cluster.insert(QStringLiteral("stream_info_error"), c.infoError);
    return cluster;
}

namespace {

QJsonObject refusalsToJson(const RefusalCounts &refusals)
{
    QJsonObject object;
    for (int i = 0; i < RefusalCount; ++i)
        object.insert(refusalName(static_cast<Refusal>(i)), static_cast<qint64>(refusals.counts[i]));
    return object;
}

} // namespace

QJsonObject statusToJson(const StatusSnapshot &s)
{
    const NatsBus::Status &bus = s.nats;
    QJsonObject nats { { QStringLiteral("state"), NatsBus::stateName(bus.state) },
        { QStringLiteral("upstream"), QJsonArray::fromStringList(s.upstreamUrls) },
        { QStringLiteral("via_proxy"), s.proxyUrl.isEmpty() ? QJsonValue() : QJsonValue(s.proxyUrl) },
        { QStringLiteral("proxy_in_path"), s.proxyInPath },
        { QStringLiteral("rtt_us"), bus.rttUs }, { QStringLiteral("reconnects"), static_cast<qint64>(bus.reconnects) },
        { QStringLiteral("stream"), s.stream }, { QStringLiteral("stream_ready"), bus.streamReady },
        { QStringLiteral("stream_messages"), bus.streamMessages },
        { QStringLiteral("stream_bytes"), bus.streamBytes } };
    if (!bus.streamError.isEmpty())
        nats.insert(QStringLiteral("stream_error"), bus.streamError);
    if (!bus.connectError.isEmpty()) // why NATS keeps refusing the connection (credentials, TLS)
        nats.insert(QStringLiteral("connect_error"), bus.connectError);
    nats.insert(QStringLiteral("cluster"), clusterToJson(bus));
    nats.insert(QStringLiteral("server_version"), s.server.version.isEmpty() ? QJsonValue() : QJsonValue(s.server.version));
    // What an acknowledged event survives here: a PubAck is not an fsync (docs/DESIGN.md §1).
    nats.insert(QStringLiteral("durability"),
        QJsonObject { { QStringLiteral("line"), s.durability.line() },
            { QStringLiteral("replicas"), s.durability.replicas },
            { QStringLiteral("storage"), StreamSettings::storageName(s.durability.storage) },
            { QStringLiteral("survives_process_crash"), s.durability.storage == StreamSettings::Storage::File },
            { QStringLiteral("survives_one_server_lost"), s.durability.survivesOneServer() },
            { QStringLiteral("survives_power_cut"), s.durability.powerCutSafe() } });
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
                { QStringLiteral("accepted"), static_cast<qint64>(c.accepted) }, // 202s, part of ok
                { QStringLiteral("in_flight"), s.inFlight } } },
        // What each listener refused before any endpoint saw it, by reason (as in /metrics).
        { QStringLiteral("refusals"),
            QJsonObject { { QStringLiteral("webhook"), refusalsToJson(s.webhookRefusals) },
                { QStringLiteral("admin"), refusalsToJson(s.adminRefusals) } } },
        // Per endpoint, as /api/endpoints: its current dispatch policy (switchable in the window).
        { QStringLiteral("endpoints"), EndpointCounters::toJson(s.endpoints) },
        { QStringLiteral("lab"), labToJson(s) } };
}

namespace {

// A label value in the text exposition format: backslash, double quote and newline escaped.
QByteArray labelValue(QByteArrayView value)
{
    QByteArray escaped;
    escaped.reserve(value.size());
    for (const char c : value) {
        if (c == '\\' || c == '"')
            escaped += '\\';
        if (c == '\n')
            escaped += "\\n";
        else
            escaped += c;
    }
    return escaped;
}

QByteArray seconds(double value)
{
    return QByteArray::number(value, 'g', 9);
}

void appendFamily(QByteArray &out, const char *name, const char *type, const char *help)
{
    out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void appendSample(QByteArray &out, const QByteArray &series, qint64 value)
{
    out += series + ' ' + QByteArray::number(value) + '\n';
}

QByteArray labelText(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    return labelValue(QByteArrayView(utf8));
}

// The cluster view (issue #17): where the connection is, and the stream's leader and replicas.
void appendClusterMetrics(QByteArray &out, const NatsBus::Status &bus)
{
    const NatsBus::Cluster &c = bus.cluster;
    const auto family
        = [&out](const char *name, const char *type, const char *help) { appendFamily(out, name, type, help); };
    const auto sample = [&out](const QByteArray &name, qint64 value) { appendSample(out, name, value); };
    family("ackhook_nats_server_info", "gauge", "The NATS server the connection is on (1).");
    if (!c.serverId.isEmpty())
        sample("ackhook_nats_server_info{server_id=\"" + labelText(c.serverId) + "\",url=\""
                + labelText(bus.connectedUrl) + "\"}",
            1);
    family("ackhook_nats_known_servers", "gauge", "NATS servers the client can reconnect to (seeds and discovered).");
    sample("ackhook_nats_known_servers", c.knownServers.size());
    family("ackhook_stream_replicas", "gauge", "The stream's configured replicas (0 until its info is read).");
    sample("ackhook_stream_replicas", c.replicas);
    family("ackhook_stream_replicas_current", "gauge", "Replicas caught up and online, the leader included.");
    sample("ackhook_stream_replicas_current", c.currentReplicas());
    family("ackhook_stream_has_leader", "gauge", "1 when the stream's info names a leader.");
    sample("ackhook_stream_has_leader", c.leader.isEmpty() ? 0 : 1);
    family("ackhook_stream_leader_info", "gauge", "The server leading the stream (1).");
    if (!c.leader.isEmpty())
        sample("ackhook_stream_leader_info{server=\"" + labelText(c.leader) + "\"}", 1);
    family("ackhook_stream_leader_changes_total", "counter", "Stream leader changes seen since start.");
    sample("ackhook_stream_leader_changes_total", static_cast<qint64>(c.leaderChanges));
    family("ackhook_stream_replica_current", "gauge", "1 when the replica is caught up with the leader and online.");
    for (const NatsBus::Replica &r : c.peers)
        sample("ackhook_stream_replica_current{replica=\"" + labelText(r.name) + "\"}", r.current && !r.offline);
    family("ackhook_stream_replica_lag", "gauge", "Operations the replica is behind the leader.");
    for (const NatsBus::Replica &r : c.peers)
        sample("ackhook_stream_replica_lag{replica=\"" + labelText(r.name) + "\"}", static_cast<qint64>(r.lag));
    family("ackhook_stream_replica_active_seconds", "gauge", "Seconds since the leader last heard from the replica.");
    for (const NatsBus::Replica &r : c.peers) {
        if (!r.leader)
            out += "ackhook_stream_replica_active_seconds{replica=\"" + labelText(r.name) + "\"} "
                + QByteArray::number(r.activeMs / 1e3, 'g', 6) + '\n';
    }
}

} // namespace

QByteArray statusToPrometheus(const StatusSnapshot &s)
{
    const NatsBus::Status &bus = s.nats;
    const RequestCounters &c = s.counters;
    const FailedQueueStats &failed = s.failedQueue;
    QByteArray out;
    const auto family
        = [&out](const char *name, const char *type, const char *help) { appendFamily(out, name, type, help); };
    const auto sample = [&out](const QByteArray &name, qint64 value) { appendSample(out, name, value); };
    family("ackhook_build_info", "gauge", "Always 1; the labels name the versions of ackhook, Qt and cnats.");
    sample("ackhook_build_info{version=\"" + labelValue(s.version.toUtf8()) + "\",qt=\""
            + labelValue(s.qtVersion.toUtf8()) + "\",cnats=\"" + labelValue(s.cnatsVersion.toUtf8()) + "\"}",
        1);
    family("ackhook_requests_total", "counter", "Webhook requests answered, by status class.");
    sample("ackhook_requests_total{class=\"2xx\"}", static_cast<qint64>(c.ok));
    sample("ackhook_requests_total{class=\"4xx\"}", static_cast<qint64>(c.rejected));
    sample("ackhook_requests_total{class=\"5xx\"}", static_cast<qint64>(c.failed));
    family("ackhook_listener_refusals_total", "counter",
        "Connections and requests a listener refused before any endpoint saw them, by reason (503 connection caps, "
        "408 timeouts, 413/414/431 sizes, 400 framing, 501/505; on the admin listener also 401, 403, 415, 421). "
        "file_limit counts pauses of accept() for lack of file descriptors.");
    for (const auto &[listener, refusals] :
        { std::pair { "webhook", &s.webhookRefusals }, std::pair { "admin", &s.adminRefusals } }) {
        for (int i = 0; i < RefusalCount; ++i)
            sample(QByteArray("ackhook_listener_refusals_total{listener=\"") + listener + "\",reason=\""
                    + refusalName(static_cast<Refusal>(i)).toLatin1() + "\"}",
                static_cast<qint64>(refusals->counts[i]));
    }
    family("ackhook_overloaded_total", "counter", "Requests answered 429 because too many dispatches were in flight.");
    sample("ackhook_overloaded_total", static_cast<qint64>(c.overloaded));
    family("ackhook_endpoint_requests_total", "counter",
        "Requests to a configured endpoint, by outcome (accepted 2xx, failed 5xx, unauthorized 401, rejected other "
        "4xx).");
    for (const EndpointCounters::Row &row : s.endpoints) {
        const QByteArray prefix
            = "ackhook_endpoint_requests_total{endpoint=\"" + labelValue(row.name) + "\",outcome=\"";
        sample(prefix + "accepted\"}", static_cast<qint64>(row.accepted));
        sample(prefix + "failed\"}", static_cast<qint64>(row.failed));
        sample(prefix + "unauthorized\"}", static_cast<qint64>(row.unauthorized));
        sample(prefix + "rejected\"}", static_cast<qint64>(row.rejected));
    }
    family("ackhook_dispatch_duration_seconds", "histogram",
        "Time from a complete webhook request to its dispatch outcome (PubAck, failure or ack timeout), per endpoint.");
    for (const EndpointCounters::Row &row : s.endpoints) {
        const QByteArray endpoint = "endpoint=\"" + labelValue(row.name) + '"';
        quint64 cumulative = 0;
        for (size_t i = 0; i < EndpointCounters::LatencyBucketsUs.size(); ++i) {
            cumulative += row.latencyBuckets[i];
            sample("ackhook_dispatch_duration_seconds_bucket{" + endpoint + ",le=\""
                    + seconds(EndpointCounters::LatencyBucketsUs[i] / 1e6) + "\"}",
                static_cast<qint64>(cumulative));
        }
        cumulative += row.latencyBuckets.back();
        sample(
            "ackhook_dispatch_duration_seconds_bucket{" + endpoint + ",le=\"+Inf\"}", static_cast<qint64>(cumulative));
        out += "ackhook_dispatch_duration_seconds_sum{" + endpoint + "} " + seconds(row.latencySumUs / 1e6) + '\n';
        sample("ackhook_dispatch_duration_seconds_count{" + endpoint + '}', static_cast<qint64>(cumulative));
    }
    family("ackhook_dispatch_failures_total", "counter",
        "Dispatches not confirmed by JetStream, per endpoint and failure reason (the \"reason\" of the answer).");
    const QList<FailureReason> reasons = failureReasons();
    for (const EndpointCounters::Row &row : s.endpoints) {
        for (const FailureReason reason : reasons)
            sample("ackhook_dispatch_failures_total{endpoint=\"" + labelValue(row.name) + "\",reason=\""
                    + failureReasonName(reason).toLatin1() + "\"}",
                static_cast<qint64>(row.failuresOf(reason)));
    }
    family("ackhook_in_flight", "gauge", "Dispatches waiting for their PubAck.");
    sample("ackhook_in_flight", s.inFlight);
    family("ackhook_in_flight_limit", "gauge", "Dispatches that may wait at once (--max-inflight); beyond it, 429.");
    sample("ackhook_in_flight_limit", s.maxInFlight);
    family("ackhook_nats_connected", "gauge", "1 when the NATS connection is up.");
    sample("ackhook_nats_connected", bus.state == NatsBus::State::Connected ? 1 : 0);
    family("ackhook_nats_reconnects_total", "counter", "NATS reconnections since start.");
    sample("ackhook_nats_reconnects_total", static_cast<qint64>(bus.reconnects));
    family("ackhook_nats_rtt_seconds", "gauge", "Last measured NATS round-trip time.");
    out += "ackhook_nats_rtt_seconds " + QByteArray::number(bus.rttUs < 0 ? 0.0 : bus.rttUs / 1e6, 'g', 6) + '\n';
    appendClusterMetrics(out, bus);
    family("ackhook_failed_events", "gauge", "Failed-event queue records, by state.");
    sample("ackhook_failed_events{state=\"pending\"}", failed.pending);
    sample("ackhook_failed_events{state=\"replayed\"}", failed.replayed);
    sample("ackhook_failed_events{state=\"discarded\"}", failed.discarded);
    family("ackhook_failed_events_bytes", "gauge", "Body bytes held by the failed-event queue.");
    sample("ackhook_failed_events_bytes", failed.bytes);
    family("ackhook_failed_events_limit", "gauge",
        "Bounds of the failed-event queue (records, body bytes); beyond them failures are not stored.");
    sample("ackhook_failed_events_limit{bound=\"records\"}", failed.maxRecords);
    sample("ackhook_failed_events_limit{bound=\"bytes\"}", failed.maxBytes);
    family("ackhook_failed_events_unrecorded_total", "counter",
        "Failures answered 500 but not stored (queue full, or still uncommitted at exit).");
    sample("ackhook_failed_events_unrecorded_total", static_cast<qint64>(failed.unrecorded));
    family("ackhook_failed_events_uncommitted", "gauge",
        "Failures answered 500 held in memory because the queue's last commit failed (disk full); retried.");
    sample("ackhook_failed_events_uncommitted", failed.uncommitted);
    family("ackhook_simulated_outage", "gauge", "1 for the simulated outage mode in force.");
    for (const QString &name : OutageSettings::modeNames())
        sample("ackhook_simulated_outage{mode=\"" + name.toLatin1() + "\"}",
            OutageSettings::modeName(s.outage.mode) == name);
    family("ackhook_ready", "gauge", "1 when ackhook can store webhooks (GET /ready answers 200).");
    sample("ackhook_ready", s.notReady().isEmpty() ? 1 : 0);
    family("ackhook_durability", "gauge",
        "What an acknowledged event survives on this stream and server (1: yes, 0: no); a power cut of every "
        "replica is never survived for sure (a PubAck is not an fsync).");
    sample("ackhook_durability{against=\"process_crash\"}", s.durability.storage == StreamSettings::Storage::File);
    sample("ackhook_durability{against=\"one_server_lost\"}", s.durability.survivesOneServer());
    sample("ackhook_durability{against=\"power_cut\"}", s.durability.powerCutSafe());
    family("ackhook_nats_server_version_info", "gauge", "The connected nats-server's version, from its INFO (1).");
    if (!s.server.version.isEmpty())
        sample("ackhook_nats_server_version_info{version=\"" + labelText(s.server.version) + "\"}", 1);
    family("ackhook_uptime_seconds", "gauge", "Seconds since ackhook started.");
    sample("ackhook_uptime_seconds", s.uptimeMs / 1000);
    labToPrometheus(s, out);
    return out;
}
