// ScenarioRunner: raw HTTP/1.1 over one loopback connection per request (an ack answer can take the
// ack timeout during a blackhole; a client with a per-host connection limit would hold the other
// policies' requests behind it).
#include "scenariorunner.h"
#include "gateway.h"
#include "lab/lossdetector.h"
#include "runtime.h"
#include "spool/spool.h"
#include "store/failedevent.h"

#include <QDateTime>
#include <QTcpSocket>
#include <QUrl>

namespace {

const QList<ScenarioRunner::Scenario> Scenarios {
    { "down", ScenarioRunner::Outage::Down, "the fault proxy refuses every NATS connection" },
    { "blackhole", ScenarioRunner::Outage::Blackhole, "the fault proxy forwards nothing (a silent broker)" },
    { "nats-kill", ScenarioRunner::Outage::NatsKill, "the embedded nats-server is really stopped, then started" },
    { "power-cut", ScenarioRunner::Outage::PowerCut,
        "the embedded nats-server loses power: SIGKILL, its unsynced writes dropped (lossyfs), then restarted" },
};

QString ms(qint64 value)
{
    return QStringLiteral("%1 ms").arg(value);
}

} // namespace

const QList<ScenarioRunner::Scenario> &ScenarioRunner::scenarios()
{
    return Scenarios;
}

std::optional<ScenarioRunner::Scenario> ScenarioRunner::find(QStringView name)
{
    for (const Scenario &scenario : Scenarios) {
        if (name == QLatin1String(scenario.name))
            return scenario;
    }
    return std::nullopt;
}

QStringList ScenarioRunner::names()
{
    QStringList list;
    for (const Scenario &scenario : Scenarios)
        list.append(QLatin1String(scenario.name));
    return list;
}

ScenarioRunner::ScenarioRunner(Runtime *runtime, Scenario scenario, Options options, QObject *parent)
    : QObject(parent)
    , m_runtime(runtime)
    , m_scenario(scenario)
    , m_options(options)
{
    for (const Endpoint &endpoint : m_runtime->config().gateway.resolvedEndpoints()) {
        QByteArray &path = m_paths[static_cast<size_t>(*endpoint.dispatch)];
        if (path.isEmpty())
            path = endpoint.path;
    }
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        m_rows[static_cast<size_t>(i)].policy = dispatchPolicyName(static_cast<DispatchPolicy>(i));
        m_rows[static_cast<size_t>(i)].path = m_paths[static_cast<size_t>(i)];
    }
    m_seed = m_options.seed.value_or(QRandomGenerator::system()->generate());
    m_random.seed(m_seed);
    m_sendTimer.setTimerType(Qt::PreciseTimer);
    m_sendTimer.setSingleShot(true);
    connect(&m_sendTimer, &QTimer::timeout, this, &ScenarioRunner::tick);
    m_settleTimer.setInterval(200);
    connect(&m_settleTimer, &QTimer::timeout, this, &ScenarioRunner::settle);
}

QString ScenarioRunner::problem(const Runtime *runtime, Scenario scenario)
{
    QStringList missing;
    for (int i = 0; i < DispatchPolicyCount; ++i) {
        if (!runtime->config().gateway.uses(static_cast<DispatchPolicy>(i)))
            missing.append(dispatchPolicyName(static_cast<DispatchPolicy>(i)));
    }
    if (!missing.isEmpty())
        return QStringLiteral("the scenario needs one endpoint per dispatch policy; none uses %1")
            .arg(missing.join(QStringLiteral(", ")));
    if (!runtime->lossDetector())
        return QStringLiteral("the scenario needs the loss detector");
    if (scenario.outage == Outage::NatsKill && !runtime->isEmbedded())
        return QStringLiteral("nats-kill stops the embedded nats-server: not with --nats-url");
    if (scenario.outage == Outage::PowerCut) {
        if (const QString why = runtime->powerCutRefusal(); !why.isEmpty())
            return why;
    } else if (scenario.outage != Outage::NatsKill && !runtime->config().faultProxyEnabled)
        return QStringLiteral("%1 needs the fault proxy (drop --no-fault-proxy)").arg(QLatin1String(scenario.name));
    return {};
}

void ScenarioRunner::start()
{
    if (const QString why = problem(m_runtime, m_scenario); !why.isEmpty()) {
        finish(false, why);
        return;
    }
    m_baseline = m_runtime->lossDetector()->figures();
    m_runId = QByteArray::number(QDateTime::currentMSecsSinceEpoch(), 36);
    setPhase(Phase::Before, QStringLiteral("steady traffic (seed %1)").arg(m_seed));
    m_trafficClock.start();
    m_startedAtMs = QDateTime::currentMSecsSinceEpoch();
    m_scheduledMs = 0;
    m_sendTimer.start(0);
}

void ScenarioRunner::setPhase(Phase phase, const QString &text)
{
    m_phase = phase;
    m_phaseClock.start();
    Q_EMIT progress(text);
}

void ScenarioRunner::tick()
{
    // The same request on every endpoint (one per policy): only the policy differs. The draws are
    // made in a fixed order, so one seed gives one sequence of keys, bodies and gaps.
    const QByteArray nonce = QByteArray::number(m_random.generate(), 16).rightJustified(8, '0');
    QByteArray note(m_random.bounded(0, 33), 'a');
    for (char &c : note)
        c = static_cast<char>('a' + m_random.bounded(26));
    const QByteArray payload
        = "\"amount\":" + QByteArray::number(m_random.bounded(1, 100000)) + ",\"note\":\"" + note + '"';
    for (int i = 0; i < DispatchPolicyCount; ++i)
        sendOne(i, nonce, payload);

    const double meanGapMs = 1000.0 / std::max(1, m_options.ratePerEndpoint);
    m_scheduledMs += std::max<qint64>(1, qRound64(meanGapMs * (0.5 + m_random.generateDouble())));
    const qint64 outageAt = m_options.before.count();
    const qint64 recoveryAt = outageAt + m_options.outage.count();
    const qint64 endAt = recoveryAt + m_options.after.count();
    if (m_phase == Phase::Before && m_scheduledMs >= outageAt)
        beginOutage();
    if (m_phase == Phase::Outage && m_scheduledMs >= recoveryAt)
        endOutage();
    if (m_phase == Phase::After && m_scheduledMs >= endAt) {
        setPhase(Phase::Settling, QStringLiteral("waiting for the spool to drain and the detector to classify"));
        m_settleClock.start();
        m_settleTimer.start();
        return;
    }
    if (m_phase == Phase::Done)
        return; // endOutage() failed and finished the run
    m_sendTimer.start(static_cast<int>(std::max<qint64>(0, m_scheduledMs - m_trafficClock.elapsed())));
}

void ScenarioRunner::sendOne(int policy, const QByteArray &nonce, const QByteArray &payload)
{
    Row &row = m_rows[static_cast<size_t>(policy)];
    const QByteArray key = FailedEvent::LabKeyPrefix + QByteArray(m_scenario.name) + '-' + row.policy.toLatin1() + '-' + m_runId
        + '-' + QByteArray::number(++m_sequence) + '-' + nonce;
    const QByteArray body = "{\"scenario\":\"" + QByteArray(m_scenario.name) + "\",\"policy\":\""
        + row.policy.toLatin1() + "\",\"n\":" + QByteArray::number(row.sent) + ',' + payload
        + ",\"sent_ms\":" + QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + '}';
    ++row.sent;
    ++m_open;
    const qsizetype second = m_trafficClock.elapsed() / 1000;
    if (row.seconds.size() <= second)
        row.seconds.resize(second + 1);
    auto *socket = new QTcpSocket(this);
    auto answered = std::make_shared<bool>(false);
    const QByteArray request = "POST " + row.path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Idempotency-Key: " + key + "\r\nContent-Length: " + QByteArray::number(body.size())
        + "\r\nConnection: close\r\n\r\n" + body;
    connect(socket, &QTcpSocket::connected, socket, [socket, request] { socket->write(request); });
    const auto done = [this, socket, policy, answered, second] {
        if (*answered)
            return;
        *answered = true;
        // "HTTP/1.1 200 OK": the status is what counts here.
        const QByteArray head = socket->readAll();
        const int status = head.startsWith("HTTP/1.1 ") ? head.mid(9, 3).toInt() : 0;
        Row &row = m_rows[static_cast<size_t>(policy)];
        if (status >= 200 && status < 300) {
            ++row.answered2xx;
            ++row.seconds[second].answered2xx;
        } else if (status >= 500) {
            ++row.answered5xx;
            ++row.seconds[second].answered5xx;
        } else
            ++row.otherOrNone;
        --m_open;
        socket->deleteLater();
    };
    connect(socket, &QTcpSocket::disconnected, this, done);
    connect(socket, &QTcpSocket::errorOccurred, this, [socket, done] {
        if (socket->state() != QAbstractSocket::ConnectedState)
            done();
    });
    // The webhook URL's host: loopback for a wildcard bind.
    socket->connectToHost(QUrl(m_runtime->webhookBaseUrl()).host(), m_runtime->webhookPort());
}

void ScenarioRunner::beginOutage()
{
    m_outageFromMs = m_trafficClock.elapsed();
    setPhase(Phase::Outage, QStringLiteral("outage: %1").arg(QLatin1String(m_scenario.name)));
    OutageSettings settings;
    switch (m_scenario.outage) {
    case Outage::Down:
        settings.mode = OutageSettings::Mode::Down;
        m_runtime->faultProxy()->setSettings(settings);
        break;
    case Outage::Blackhole:
        settings.mode = OutageSettings::Mode::Blackhole;
        m_runtime->faultProxy()->setSettings(settings);
        break;
    case Outage::NatsKill:
        m_runtime->stopEmbeddedNats(nullptr);
        break;
    case Outage::PowerCut:
        if (QString error; !m_runtime->powerOff(&error))
            finish(false, QStringLiteral("power cut: ") + error);
        break;
    }
}

void ScenarioRunner::endOutage()
{
    if (m_scenario.outage == Outage::NatsKill || m_scenario.outage == Outage::PowerCut) {
        QString error;
        if (!m_runtime->startEmbeddedNats(&error)) { // after a power cut: the remount first
            finish(false, QStringLiteral("cannot start the nats-server again: ") + error);
            return;
        }
    } else {
        m_runtime->faultProxy()->setSettings(OutageSettings {});
    }
    m_outageToMs = m_trafficClock.elapsed();
    setPhase(Phase::After, QStringLiteral("recovered"));
}

void ScenarioRunner::settle()
{
    const Gateway *gateway = m_runtime->gateway();
    const bool spoolEmpty = !gateway || !gateway->spool() || gateway->spool()->stats().records == 0;
    const LossFigures figures = m_runtime->lossDetector()->figures();
    const bool classified = m_open == 0 && spoolEmpty && figures.tracked == 0;
    if (classified || m_settleClock.elapsed() >= m_options.settleTimeout.count()) {
        m_settleTimer.stop();
        finish(classified);
    }
}

void ScenarioRunner::finish(bool settled, const QString &error)
{
    m_phase = Phase::Done;
    Summary summary;
    summary.scenario = QLatin1String(m_scenario.name);
    summary.description = QLatin1String(m_scenario.description);
    summary.options = m_options;
    summary.seed = m_seed;
    summary.startedAtMs = m_startedAtMs;
    summary.outageFromMs = m_outageFromMs;
    summary.outageToMs = m_outageToMs;
    summary.settled = settled;
    summary.error = error;
    if (error.isEmpty()) {
        const LossFigures now = m_runtime->lossDetector()->figures();
        const QList<LostEvent> lostEvents = m_runtime->lossDetector()->lost();
        for (int i = 0; i < DispatchPolicyCount; ++i) {
            Row row = m_rows[static_cast<size_t>(i)];
            const LossCounts &c = now.policies[static_cast<size_t>(i)];
            const LossCounts &b = m_baseline.policies[static_cast<size_t>(i)];
            row.stored = c.stored - b.stored;
            row.lostAfter2xx = c.lostAfter2xx - b.lostAfter2xx;
            row.storedAfter5xx = c.storedAfter5xx - b.storedAfter5xx;
            row.duplicates = c.duplicates - b.duplicates;
            row.pending = c.pending;
            row.delayP50Ms = c.delayP50Ms;
            row.delayP99Ms = c.delayP99Ms;
            // The chart's lost events, by the second they were sent: this run's keys only.
            const QByteArray prefix
                = "scenario-" + QByteArray(m_scenario.name) + '-' + row.policy.toLatin1() + '-' + m_runId + '-';
            for (const LostEvent &lost : lostEvents) {
                const qint64 second = (lost.receivedMs - m_startedAtMs) / 1000;
                if (lost.key.startsWith(prefix) && second >= 0 && second < row.seconds.size())
                    ++row.seconds[second].lostAfter2xx;
            }
            summary.rows.append(row);
        }
    }
    Q_EMIT progress(error.isEmpty() ? QStringLiteral("done") : error);
    Q_EMIT finished(summary);
}

QString ScenarioRunner::Summary::markdown() const
{
    if (!error.isEmpty())
        return QStringLiteral("Scenario %1 did not run: %2\n").arg(scenario, error);
    QString text = QStringLiteral("### Scenario `%1`: %2\n\n").arg(scenario, description);
    text += QStringLiteral("%1 requests/s on each endpoint; %2 s steady, %3 s outage, %4 s after recovery; seed %6 "
                           "(repeat with `--scenario-seed %6`).%5\n\n")
                .arg(options.ratePerEndpoint)
                .arg(options.before.count() / 1000.0)
                .arg(options.outage.count() / 1000.0)
                .arg(options.after.count() / 1000.0)
                .arg(settled ? QString()
                             : QStringLiteral(" **Not settled** within %1 s: some events are still pending.")
                                   .arg(options.settleTimeout.count() / 1000))
                .arg(seed);
    text += QStringLiteral(
        "| policy | sent | answered 2xx | answered 5xx | other / none | stored | **lost after 2xx** | "
        "stored after 5xx | pending | duplicates | delay p50 | delay p99 |\n");
    text += QStringLiteral("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const Row &r : rows) {
        text += QStringLiteral("| `%1` | %2 | %3 | %4 | %5 | %6 | **%7** | %8 | %9 | %10 | %11 | %12 |\n")
                    .arg(r.policy)
                    .arg(r.sent)
                    .arg(r.answered2xx)
                    .arg(r.answered5xx)
                    .arg(r.otherOrNone)
                    .arg(r.stored)
                    .arg(r.lostAfter2xx)
                    .arg(r.storedAfter5xx)
                    .arg(r.pending)
                    .arg(r.duplicates)
                    .arg(ms(r.delayP50Ms), ms(r.delayP99Ms));
    }
    text += QStringLiteral("\nLost after 2xx: answered 2xx, and not in the stream when the loss detector had read it "
                           "a grace period later. Delay: the stream's timestamp of the event minus the time ackhook "
                           "received the request (under `ack` it is part of the answer time; under `spool` it "
                           "includes the time in the spool).\n");
    return text;
}
