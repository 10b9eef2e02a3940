// TestSenderPanel: test events through the real HTTP listener, exactly as a webhook caller sends them.
#include "testsenderpanel.h"
#include "webhookclient.h"

#include "runtime.h"
#include "status.h"
#include "webhook/endpoint.h"
#include "webhook/samplerequest.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QTimer>
#include <QUuid>

TestSenderPanel::TestSenderPanel(Runtime *runtime, WebhookClient *client, QWidget *parent)
    : QGroupBox(tr("Send test events"), parent)
    , m_runtime(runtime)
    , m_client(client)
{
    auto *layout = new QGridLayout(this);
    layout->setContentsMargins(6, 2, 6, 4);
    layout->setVerticalSpacing(2);
    m_count = new QSpinBox(this);
    m_count->setRange(1, 1000000);
    m_count->setValue(1);
    m_count->setPrefix(tr("N = "));
    m_count->setToolTip(tr("How many test events to send"));
    m_rate = new QSpinBox(this);
    m_rate->setRange(1, 10000);
    m_rate->setValue(20);
    m_rate->setPrefix(tr("at "));
    m_rate->setSuffix(tr(" /s"));
    m_rate->setToolTip(tr("Events per second while a burst is running"));
    m_withKeys = new QCheckBox(tr("keys"), this);
    m_withKeys->setToolTip(tr("Send each event with its own Idempotency-Key header (off: ackhook generates one, "
                              "and the monitor flags the request)"));
    m_withKeys->setChecked(true);
    // Every configured endpoint; a test event to one carries what its source preset requires (its
    // signature, timestamp and event header), made with the endpoint's own secret.
    m_endpoint = new QComboBox(this);
    m_endpoint->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_endpoint->setMinimumContentsLength(12);
    for (const Endpoint &endpoint : m_runtime->config().gateway.endpoints)
        m_endpoint->addItem(QString::fromUtf8(endpoint.path + " (" + endpoint.source + ')'));
    m_endpoint->setToolTip(tr("The endpoint test events go to, signed as its source would sign them"));
    // Its dispatch policy, switchable while running (docs/LAB.md): the lab without a restart.
    m_policy = new QComboBox(this);
    m_policy->setObjectName(QStringLiteral("endpointPolicy"));
    for (DispatchPolicy policy : { DispatchPolicy::Ack, DispatchPolicy::Spool, DispatchPolicy::FireAndForget })
        m_policy->addItem(dispatchPolicyName(policy), static_cast<int>(policy));
    // Narrow screens (1024 px) keep their layout: the box may cut "fire-and-forget", its tooltip not.
    m_policy->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_policy->setMinimumContentsLength(5);
    m_policy->setToolTip(tr("The dispatch policy of the chosen endpoint: ack answers 200 after the PubAck, "
                            "spool 202 after the local commit, fire-and-forget 200 at once (the bug, for "
                            "demonstrations only). Requests in flight keep theirs."));
    connect(m_endpoint, &QComboBox::currentIndexChanged, this, &TestSenderPanel::showEndpointPolicy);
    connect(m_policy, &QComboBox::activated, this, &TestSenderPanel::switchEndpointPolicy);
    connect(m_runtime, &Runtime::dispatchPolicyChanged, this, &TestSenderPanel::showEndpointPolicy);
    showEndpointPolicy();
    m_send = new QPushButton(tr("Send"), this);
    m_send->setToolTip(tr("POST test events to the webhook URL, exactly as a webhook caller would (Ctrl+T)"));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setToolTip(tr("Stop the burst"));
    m_stop->setEnabled(false);
    m_burstTimer = new QTimer(this);
    m_burstTimer->setInterval(10);
    connect(m_burstTimer, &QTimer::timeout, this, &TestSenderPanel::sendDue);
    connect(m_send, &QPushButton::clicked, this, &TestSenderPanel::sendTestEvents);
    connect(m_stop, &QPushButton::clicked, this, [this] {
        m_burstTimer->stop();
        m_burstTotal = m_burstSent;
        m_stop->setEnabled(false);
    });
    layout->addWidget(m_send, 0, 0);
    layout->addWidget(m_stop, 0, 1);
    layout->addWidget(m_endpoint, 0, 2);
    layout->addWidget(m_count, 1, 0);
    layout->addWidget(m_rate, 1, 1);
    auto *keysAndPolicy = new QHBoxLayout;
    keysAndPolicy->setContentsMargins(0, 0, 0, 0);
    keysAndPolicy->addWidget(m_withKeys);
    keysAndPolicy->addWidget(m_policy, 1);
    layout->addLayout(keysAndPolicy, 1, 2);
}

void TestSenderPanel::showStatus(const StatusSnapshot &s)
{
    for (qsizetype i = 0; i < s.endpoints.size() && i < m_endpoint->count(); ++i) {
        const EndpointCounters::Row &row = s.endpoints.at(i);
        m_endpoint->setItemText(int(i),
            tr("%1 (%2) · %3 stored · %4 failed · %5 unauthorized")
                .arg(QString::fromUtf8(row.path), QString::fromUtf8(row.source))
                .arg(row.accepted)
                .arg(row.failed)
                .arg(row.unauthorized));
    }
    // The counters may not fit the box: the whole line is its tooltip.
    m_endpoint->setToolTip(m_endpoint->currentText());
}

void TestSenderPanel::sendTestEvents()
{
    // A new burst adds to one still running; its rate is the one chosen last.
    m_burstTotal = m_burstTotal - m_burstSent + m_count->value();
    m_burstSent = 0;
    m_burstClock.start();
    m_stop->setEnabled(m_burstTotal > 1);
    Q_EMIT burstStarted();
    sendDue();
    if (m_burstSent < m_burstTotal)
        m_burstTimer->start();
}

void TestSenderPanel::sendDue()
{
    // The first event goes at once, then as many as the rate allows by now (no drift, no bursts
    // beyond what fell due while the event loop was busy).
    const qint64 due = 1 + m_burstClock.elapsed() * m_rate->value() / 1000;
    while (m_burstSent < m_burstTotal && m_burstSent < due) {
        postTestEvent();
        ++m_burstSent;
    }
    if (m_burstSent >= m_burstTotal) {
        m_burstTimer->stop();
        m_stop->setEnabled(false);
    }
}

void TestSenderPanel::postTestEvent()
{
    ++m_sent;
    const QList<Endpoint> &endpoints = m_runtime->config().gateway.endpoints;
    const Endpoint endpoint = endpoints.value(qMax(0, m_endpoint->currentIndex()), Endpoint("/webhook"));
    const QByteArray key
        = m_withKeys->isChecked() ? "demo-" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces) : QByteArray();
    // Signed in core as the endpoint's sender signs (every scheme; a public-key one cannot be).
    const SampleRequest sample
        = SampleRequest::build(endpoint, m_client->baseUrl(), m_sent, key, QDateTime::currentSecsSinceEpoch());
    if (!sample.unsigned_.isEmpty())
        Q_EMIT message(sample.unsigned_, 8000);
    m_client->send(sample.method, sample.target, sample.headers, sample.body);
}

void TestSenderPanel::showEndpointPolicy()
{
    const QList<Endpoint> endpoints = m_runtime->config().gateway.resolvedEndpoints();
    const int index = m_endpoint->currentIndex();
    m_policy->setEnabled(index >= 0 && index < endpoints.size());
    if (!m_policy->isEnabled())
        return;
    const DispatchPolicy policy = endpoints.at(index).dispatch.value_or(DispatchPolicy::Ack);
    m_policy->setCurrentIndex(m_policy->findData(static_cast<int>(policy)));
}

void TestSenderPanel::switchEndpointPolicy(int item)
{
    const int endpoint = m_endpoint->currentIndex();
    const auto policy = static_cast<DispatchPolicy>(m_policy->itemData(item).toInt());
    const QList<Endpoint> endpoints = m_runtime->config().gateway.resolvedEndpoints();
    if (endpoint < 0 || endpoint >= endpoints.size() || endpoints.at(endpoint).dispatch == policy)
        return;
    const QString path = QString::fromUtf8(endpoints.at(endpoint).path);
    if (policy == DispatchPolicy::FireAndForget) {
        QMessageBox confirm(QMessageBox::Warning, tr("Switch to fire-and-forget?"),
            tr("%1 will answer 200 BEFORE the event is stored, and lose events while NATS is away: the bug "
               "ackhook exists to fix, for demonstrations only.\n\nSwitch %1 to fire-and-forget?")
                .arg(path),
            QMessageBox::Cancel, window());
        confirm.setObjectName(QStringLiteral("confirmFireAndForget"));
        confirm.addButton(tr("Switch to fire-and-forget"), QMessageBox::DestructiveRole);
        confirm.setDefaultButton(QMessageBox::Cancel);
        confirm.exec();
        if (confirm.buttonRole(confirm.clickedButton()) != QMessageBox::DestructiveRole) {
            showEndpointPolicy();
            return;
        }
    }
    QString error;
    if (!m_runtime->setDispatchPolicy(endpoint, policy, &error)) {
        showEndpointPolicy();
        QMessageBox refused(QMessageBox::Warning, tr("Policy not switched"),
            tr("%1 keeps its policy: %2").arg(path, error), QMessageBox::Ok, window());
        refused.setObjectName(QStringLiteral("policyRefused"));
        refused.exec();
        return;
    }
    Q_EMIT message(tr("%1 now uses the %2 policy").arg(path, dispatchPolicyName(policy)), 5000);
}

void TestSenderPanel::restoreSettings(const QSettings &settings)
{
    m_count->setValue(settings.value(QStringLiteral("send/count"), 1).toInt());
    m_rate->setValue(settings.value(QStringLiteral("send/rate"), 20).toInt());
    m_withKeys->setChecked(settings.value(QStringLiteral("send/withKeys"), true).toBool());
}

void TestSenderPanel::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("send/count"), m_count->value());
    settings.setValue(QStringLiteral("send/rate"), m_rate->value());
    settings.setValue(QStringLiteral("send/withKeys"), m_withKeys->isChecked());
}
