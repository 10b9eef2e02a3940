#include "snsconfirmationbar.h"
#include "theme.h"

#include "runtime.h"
#include "status.h"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QPointer>
#include <QPushButton>

SnsConfirmationBar::SnsConfirmationBar(Runtime *runtime, QWidget *parent)
    : QFrame(parent)
    , m_runtime(runtime)
    , m_text(new QLabel(this))
    , m_confirm(new QPushButton(tr("Confirm subscription"), this))
    , m_copy(new QPushButton(tr("Copy URL"), this))
{
    setObjectName(QStringLiteral("snsConfirmation"));
    setFrameShape(QFrame::StyledPanel);
    const Theme::Colours info = Theme::cell(Theme::Tone::Info);
    setStyleSheet(QStringLiteral("#snsConfirmation { background: %1; border: 1px solid %2; } #snsConfirmation QLabel { color: %3; }")
                      .arg(info.background.name(), Theme::ink(Theme::Tone::Info).name(), info.text.name()));
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_confirm->setObjectName(QStringLiteral("confirmSnsSubscription"));
    m_confirm->setToolTip(tr("Fetches the SubscribeURL that AWS SNS sent: this endpoint starts receiving the topic's "
                             "notifications."));
    m_copy->setToolTip(tr("Copies the SubscribeURL, to open it yourself"));
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_confirm);
    layout->addWidget(m_copy);
    connect(m_confirm, &QPushButton::clicked, this, &SnsConfirmationBar::confirm);
    connect(m_copy, &QPushButton::clicked, this, [this] {
        QApplication::clipboard()->setText(m_subscribeUrl);
        Q_EMIT message(tr("SubscribeURL copied"), 5000);
    });
    hide();
}

QString SnsConfirmationBar::text() const
{
    return isHidden() ? QString() : m_text->text();
}

void SnsConfirmationBar::showStatus(const StatusSnapshot &s)
{
    qsizetype found = -1;
    for (qsizetype i = 0; i < s.endpoints.size() && found < 0; ++i) {
        if (!s.endpoints.at(i).pendingConfirmation.isEmpty())
            found = i;
    }
    if (found < 0) {
        hide();
        m_endpoint = -1;
        return;
    }
    const QJsonObject &pending = s.endpoints.at(found).pendingConfirmation;
    const QString topic = pending.value(QLatin1String("topic_arn")).toString();
    if (found != m_endpoint || topic != m_topic)
        m_error.clear(); // another confirmation: the last one's failure is not its
    m_endpoint = found;
    m_topic = topic;
    m_subscribeUrl = pending.value(QLatin1String("subscribe_url")).toString();
    QString text = tr("<b>AWS SNS asks to subscribe %1</b> to topic <b>%2</b> (its signature verified). Confirm only "
                      "a topic you expect.")
                       .arg(QString::fromUtf8(s.endpoints.at(found).path).toHtmlEscaped(), topic.toHtmlEscaped());
    if (m_busy)
        text += QLatin1Char(' ') + tr("Confirming…");
    else if (!m_error.isEmpty())
        text += QStringLiteral("<br><span style=\"color:%1\">%2</span>")
                    .arg(Theme::ink(Theme::Tone::Fail).name(), tr("Not confirmed: %1").arg(m_error.toHtmlEscaped()));
    if (m_text->text() != text)
        m_text->setText(text);
    m_confirm->setEnabled(!m_busy);
    show();
}

void SnsConfirmationBar::confirm()
{
    if (m_busy || m_endpoint < 0)
        return;
    m_busy = true;
    m_confirm->setEnabled(false);
    const QString topic = m_topic;
    QPointer<SnsConfirmationBar> self(this);
    m_runtime->confirmSnsSubscription(m_endpoint, topic, [self, topic](const SnsSubscriptions::Result &result) {
        if (!self)
            return;
        self->m_busy = false;
        self->m_confirm->setEnabled(true);
        if (result.status == 200) {
            self->m_error.clear();
            Q_EMIT self->message(tr("Subscribed to %1 (%2)")
                                     .arg(topic, result.json.value(QLatin1String("subscription_arn")).toString()),
                10000);
        } else {
            self->m_error = result.json.value(QLatin1String("error")).toString();
            Q_EMIT self->message(tr("SNS subscription not confirmed: %1").arg(self->m_error), 10000);
        }
        Q_EMIT self->confirmationFinished();
    });
}
