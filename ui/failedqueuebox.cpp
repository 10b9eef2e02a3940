// FailedQueueBox: the failed queue's figures from the StatusSnapshot; Replay all asks the window.
#include "failedqueuebox.h"

#include "status.h"

#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

FailedQueueBox::FailedQueueBox(QWidget *parent)
    : QGroupBox(tr("Failed-event queue"), parent)
    , m_label(new QLabel(this))
    , m_replayAll(new QPushButton(tr("Replay all pending"), this))
{
    m_label->setToolTip(tr("The failed-event queue: every 500 is kept here until it is replayed"));
    m_replayAll->setToolTip(tr("Publish every pending failed event again, with its own idempotency key (Ctrl+R)"));
    connect(m_replayAll, &QPushButton::clicked, this, &FailedQueueBox::replayAll);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 4);
    layout->setSpacing(2);
    layout->addWidget(m_replayAll);
    layout->addWidget(m_label);
}

QString FailedQueueBox::text() const
{
    return m_label->text();
}

void FailedQueueBox::showStatus(const StatusSnapshot &s)
{
    const FailedQueueStats &failed = s.failedQueue;
    m_label->setText(tr("%1 pending · %2 replayed%3")
                         .arg(failed.pending)
                         .arg(failed.replayed)
                         .arg(failed.unrecorded ? tr(" · %1 unrecorded").arg(failed.unrecorded) : QString()));
    m_replayAll->setEnabled(failed.pending > 0 && !s.replayBusy);
}

void FailedQueueBox::replayAll()
{
    if (!m_replayAll->isEnabled())
        return;
    m_replayAll->setEnabled(false); // until the next status: the replay reports through the queue panel
    Q_EMIT replayAllWanted();
}
