// StatusHeader: one StatusSnapshot formatted into the header lines.
#include "statusheader.h"
#include "elidedlabel.h"
#include "outcometext.h"
#include "theme.h"

#include "runtime.h"
#include "status.h"
#include "webhook/endpoint.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace {

// A badge brings its own background and text (Theme::badge), so it reads the same in a light and a
// dark palette.
QString badgeStyle(Theme::Tone tone)
{
    const Theme::Colours colours = Theme::badge(tone);
    return QStringLiteral(
        "QLabel { background: %1; color: %2; font-weight: bold; padding: 6px 12px; border-radius: 4px; }")
        .arg(colours.background.name(), colours.text.name());
}

// The cluster part of the NATS line: the server the connection is on, and the stream's leader and
// replicas when it has more than one (issue #17). Empty for a single server and an R1 stream.
QString clusterText(const NatsBus::Status &bus)
{
    const auto tr = [](const char *text) { return StatusHeader::tr(text); };
    const NatsBus::Cluster &cluster = bus.cluster;
    QString text;
    if (cluster.knownServers.size() > 1 && bus.state == NatsBus::State::Connected)
        text += tr(" · on %1 of %2 servers").arg(bus.connectedUrl).arg(cluster.knownServers.size());
    if (cluster.replicas > 1) {
        text += cluster.leader.isEmpty() ? tr(" · stream leader: none") : tr(" · leader %1").arg(cluster.leader);
        text += tr(" · replicas %1/%2 current").arg(cluster.currentReplicas()).arg(cluster.replicas);
        for (const NatsBus::Replica &replica : cluster.peers) {
            if (replica.offline)
                text += tr(", %1 offline").arg(replica.name);
            else if (!replica.current)
                text += tr(", %1 not current (seen %2 s ago, lag %3)")
                            .arg(replica.name)
                            .arg(replica.activeMs / 1000.0, 0, 'f', 1)
                            .arg(replica.lag);
        }
    }
    return text;
}

} // namespace

StatusHeader::StatusHeader(Runtime *runtime, QWidget *parent)
    : QWidget(parent)
    , m_runtime(runtime)
{
    // Rows spaced as the window's own layout spaces them.
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    // Connectivity: the badge, NATS as it is (cut with a tooltip when narrow), the real
    // nats-server's switches, the webhook URL.
    auto *header = new QHBoxLayout;
    m_badge = new QLabel(this);
    m_badge->setObjectName(QStringLiteral("connectivityBadge"));
    m_natsDetails = new ElidedLabel(this);
    m_natsDetails->setObjectName(QStringLiteral("natsDetails"));
    m_natsStop = new QPushButton(tr("Stop nats-server"), this);
    m_natsStop->setObjectName(QStringLiteral("natsStop"));
    m_natsStop->setToolTip(tr("Really stop the embedded nats-server process (not a simulation)"));
    m_natsStart = new QPushButton(tr("Start nats-server"), this);
    m_natsStart->setObjectName(QStringLiteral("natsStart"));
    m_natsStart->setToolTip(tr("Start the embedded nats-server again, same port and store"));
    connect(m_natsStop, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->stopEmbeddedNats(&error))
            Q_EMIT message(error, 8000);
    });
    connect(m_natsStart, &QPushButton::clicked, this, [this] {
        QString error;
        if (!m_runtime->startEmbeddedNats(&error))
            Q_EMIT message(error, 8000);
    });
    m_natsStop->setVisible(m_runtime->isEmbedded());
    m_natsStart->setVisible(m_runtime->isEmbedded());
    // The URLs this configuration serves (docs/lab.toml serves /lab/ack …, not /webhook): one is
    // shown as it is, several in a selector; Copy takes the one shown.
    m_webhookUrl = new QLabel(this);
    m_webhookUrl->setObjectName(QStringLiteral("webhookUrl"));
    m_webhookUrl->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_webhookUrl->setToolTip(tr("Where callers POST their webhooks"));
    m_endpointUrls = new QComboBox(this);
    m_endpointUrls->setObjectName(QStringLiteral("endpointUrls"));
    m_endpointUrls->setToolTip(tr("Every endpoint this configuration serves: where callers POST their webhooks"));
    m_endpointUrls->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    const QString base = m_runtime->webhookBaseUrl();
    for (const Endpoint &endpoint : m_runtime->config().gateway.endpoints)
        m_endpointUrls->addItem(base + QString::fromUtf8(endpoint.path));
    if (m_endpointUrls->count() <= 1) {
        m_webhookUrl->setText(tr("Webhook URL: <b>%1</b>").arg(m_endpointUrls->itemText(0)));
        m_endpointUrls->hide();
    } else {
        m_webhookUrl->setText(tr("Webhook URLs:"));
    }
    auto *copy = new QToolButton(this);
    copy->setText(tr("Copy"));
    copy->setToolTip(tr("Copy the webhook URL"));
    connect(copy, &QToolButton::clicked, this,
        [this] { QApplication::clipboard()->setText(m_endpointUrls->currentText()); });
    header->addWidget(m_badge);
    header->addWidget(m_natsDetails, 1);
    header->addWidget(m_natsStop);
    header->addWidget(m_natsStart);
    header->addSpacing(8);
    header->addWidget(m_webhookUrl);
    header->addWidget(m_endpointUrls);
    header->addWidget(copy);
    layout->addLayout(header);
    // A PubAck is not an fsync: said where the connection is shown, for this stream and server.
    m_durability = new ElidedLabel(this);
    m_durability->setObjectName(QStringLiteral("durability"));
    m_durability->setExplanation(
        tr("A 200 means JetStream acknowledged the event. nats-server writes its store through the page cache and "
           "syncs it to disk every 2 minutes: a crash of ackhook or of nats-server loses nothing acknowledged, a power "
           "cut (or kernel crash) of the machine can lose the last 2 minutes of it, unless the stream is replicated "
           "and not every replica loses power at once (docs/DEPLOY.md, Durability)."));
    layout->addWidget(m_durability);

    // What happened to every answer, and whether anything is missing from the stream.
    auto *outcomes = new QHBoxLayout;
    m_outcomes = new ElidedLabel(this);
    m_outcomes->setObjectName(QStringLiteral("outcomes"));
    m_outcomes->setExplanation(
        tr("answered 200: JetStream confirmed (PubAck). answered 500: not confirmed, the sender retries.\n"
           "recovered: failed events replayed from the queue into the stream. still failed: pending in the queue.\n"
           "answered 200 but not in the stream: 200 answers whose stream sequence was read back and did not "
           "hold their event (0 means nothing was lost)."));
    outcomes->addWidget(m_outcomes, 1);
    layout->addLayout(outcomes);
}

void StatusHeader::showStatus(const StatusSnapshot &s, bool reconnectExpected)
{
    const NatsBus::Status &bus = s.nats;
    // Just after a simulated outage ends the client reconnects: expected, so said calmly, not in red.
    if (s.simulatedOutage()) {
        m_badge->setText(tr("SIMULATED OUTAGE: %1").arg(OutageSettings::modeName(s.outage.mode)));
        m_badge->setStyleSheet(badgeStyle(Theme::Tone::Warn));
    } else if (bus.state == NatsBus::State::Connected) {
        m_badge->setText(tr("NATS connected"));
        m_badge->setStyleSheet(badgeStyle(Theme::Tone::Ok));
    } else if (reconnectExpected) {
        m_badge->setText(tr("NATS reconnecting after the outage"));
        m_badge->setStyleSheet(badgeStyle(Theme::Tone::Info));
    } else {
        m_badge->setText(tr("NATS %1").arg(NatsBus::stateName(bus.state)));
        m_badge->setStyleSheet(badgeStyle(Theme::Tone::Fail));
    }
    const QString streamSize = bus.streamMessages < 0
        ? QString()
        : tr(": %1 msgs, %2").arg(bus.streamMessages).arg(QLocale().formattedDataSize(bus.streamBytes));
    const QString rtt = OutcomeText::rtt(bus, QDateTime::currentMSecsSinceEpoch());
    m_natsDetails->setFullText(tr("%1 · stream %2%3%4 · RTT %5 · reconnects %6")
                                   .arg(s.upstreamUrls.join(QLatin1Char(',')), s.stream,
                                       bus.streamReady                 ? QString()
                                           : bus.streamError.isEmpty() ? tr(" (not ready)")
                                                                       : tr(" (not ready: %1)").arg(bus.streamError),
                                       streamSize, rtt)
                                   .arg(bus.reconnects)
        + clusterText(bus));
    m_durability->setFullText(tr("What a 200 survives: %1").arg(s.durability.line()));
    if (s.embedded.present) {
        m_natsStop->setEnabled(s.embedded.running && !m_locked);
        m_natsStart->setEnabled(!s.embedded.running && !m_locked);
    }

    const FailedQueueStats &failed = s.failedQueue;
    const RequestCounters &c = s.counters;
    const StreamAudit::Figures audit = s.audit.value_or(StreamAudit::Figures {});
    QString readBack = tr("%1 of %2 read back").arg(audit.checked + audit.missing).arg(c.ok - c.accepted);
    if (audit.skipped)
        readBack += tr(", %1 skipped").arg(audit.skipped);
    if (!audit.error.isEmpty())
        readBack += QStringLiteral(", ") + audit.error;
    m_outcomes->setFullText(
        tr("answered 200: %1 · answered 202: %7 · answered 500: %2 · recovered: %3 · still failed: %4 · answered 200 "
           "but not in the stream: %5 (%6)")
            .arg(c.ok - c.accepted)
            .arg(c.failed)
            .arg(failed.replayed)
            .arg(failed.pending + static_cast<qint64>(failed.unrecorded))
            .arg(audit.missing)
            .arg(readBack, QString::number(c.accepted)));
    m_outcomes->setStyleSheet(
        audit.missing ? QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(Theme::ink(Theme::Tone::Fail).name()) : QString());
}

void StatusHeader::setServerSwitchesLocked(bool locked)
{
    m_locked = locked;
    m_natsStop->setEnabled(!locked);
    m_natsStart->setEnabled(!locked);
}

QString StatusHeader::connectivityText() const
{
    return m_badge->text();
}

QString StatusHeader::natsDetailsText() const
{
    return m_natsDetails->fullText();
}

QString StatusHeader::durabilityText() const
{
    return m_durability->fullText();
}

QString StatusHeader::outcomesText() const
{
    return m_outcomes->fullText();
}
