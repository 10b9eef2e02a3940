// FailedQueuePanel: reads the store at most 3 times a second while it changes; actions go through
// the Replayer and the store's own API, never SQL.
#include "failedqueuepanel.h"
#include "theme.h"
#include "elidedlabel.h"
#include "failedeventmodel.h"
#include "outcometext.h"

#include "store/failedeventstore.h"
#include "store/replayer.h"

#include <algorithm>

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSaveFile>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

namespace {
constexpr int ReloadDelayMs = 300;
} // namespace

FailedQueuePanel::FailedQueuePanel(FailedEventStore *store, Replayer *replayer, QString webhookUrl, QWidget *parent)
    : QWidget(parent)
    , m_store(store)
    , m_replayer(replayer)
    , m_webhookUrl(std::move(webhookUrl))
    , m_model(new FailedEventModel(this))
    , m_view(new QTableView(this))
    , m_stateFilter(new QComboBox(this))
    , m_counts(new ElidedLabel(this))
    , m_notice(new QLabel(this))
    , m_replaySelected(new QPushButton(tr("Replay"), this))
    , m_replayAll(new QPushButton(tr("Replay all"), this))
    , m_discard(new QPushButton(tr("Discard"), this))
    , m_discardLab(new QPushButton(tr("Discard lab"), this))
    , m_export(new QPushButton(tr("Export…"), this))
{
    m_stateFilter->addItems(
        { tr("all"), QStringLiteral("pending"), QStringLiteral("replayed"), QStringLiteral("discarded") });
    m_view->setObjectName(QStringLiteral("failedEvents"));
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false); // keys are cut in the middle, never broken at hyphens; tooltips show all
    m_view->setTextElideMode(Qt::ElideMiddle);
    const QFontMetrics metrics = m_view->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 16; };
    m_view->setColumnWidth(FailedEventModel::IdColumn, widthOf(QStringLiteral("00000")));
    m_view->setColumnWidth(FailedEventModel::TimeColumn, widthOf(QStringLiteral("00:00:00.000")));
    m_view->setColumnWidth(FailedEventModel::EndpointColumn, widthOf(QStringLiteral("[lab] POST /lab/spool")));
    m_view->setColumnWidth(FailedEventModel::ReasonColumn, widthOf(QStringLiteral("disconnected: not connected")));
    m_view->setColumnWidth(FailedEventModel::AttemptsColumn, widthOf(tr("Attempts")));
    m_view->setColumnWidth(FailedEventModel::StateColumn, widthOf(OutcomeText::storedAnyway(99999)));
    m_view->setColumnWidth(FailedEventModel::KeyColumn, widthOf(QStringLiteral("demo-00000000-0000-0000")));
    // What became of an event first, why it failed after: in a narrow panel the state stays in view.
    m_view->horizontalHeader()->moveSection(FailedEventModel::StateColumn, FailedEventModel::ReasonColumn);
    m_notice->setObjectName(QStringLiteral("replayNotice"));
    m_notice->setWordWrap(true);
    m_notice->setStyleSheet(QStringLiteral("QLabel { color: %1; }").arg(Theme::ink(Theme::Tone::Fail).name()));
    m_notice->hide();
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        if (index.isValid())
            Q_EMIT requestWanted(QString::fromLatin1(m_model->event(index.row()).key));
    });
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_replaySelected->setToolTip(tr("Publish the selected pending events again, with their idempotency keys"));
    m_discard->setToolTip(tr("Mark the selected pending events as discarded: they will not be replayed (asks first)"));
    m_discardLab->setObjectName(QStringLiteral("discardLab"));
    m_discardLab->setToolTip(tr("Discard the pending events the lab's scenario sent (tagged [lab]): real senders' "
                                "events stay pending"));
    m_replayAll->setToolTip(tr("Publish every pending event again, with its idempotency key"));
    m_export->setToolTip(tr("Save the listed events as JSON Lines or as a curl script that resends them"));
    auto *exportMenu = new QMenu(m_export);
    exportMenu->addAction(tr("JSON Lines…"), this, [this] { exportWithDialog(ExportFormat::JsonLines); });
    exportMenu->addAction(tr("curl script…"), this, [this] { exportWithDialog(ExportFormat::CurlScript); });
    m_export->setMenu(exportMenu);

    connect(m_replaySelected, &QPushButton::clicked, this, &FailedQueuePanel::replaySelected);
    connect(m_replayAll, &QPushButton::clicked, this, &FailedQueuePanel::replayAll);
    connect(m_discard, &QPushButton::clicked, this, &FailedQueuePanel::discardSelected);
    connect(m_discardLab, &QPushButton::clicked, this, &FailedQueuePanel::discardLab);
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, &FailedQueuePanel::reload);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &FailedQueuePanel::updateButtons);
    connect(m_store, &FailedEventStore::changed, this, &FailedQueuePanel::scheduleReload);
    connect(m_replayer, &Replayer::jobFinished, this, &FailedQueuePanel::scheduleReload);

    // Short button words (their tooltips say the rest): in the half-width tab the counts stay whole.
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(new QLabel(tr("Show:"), this));
    buttons->addWidget(m_stateFilter);
    buttons->addWidget(m_counts, 1);
    buttons->addWidget(m_replaySelected);
    buttons->addWidget(m_replayAll);
    buttons->addWidget(m_discard);
    buttons->addWidget(m_discardLab);
    buttons->addWidget(m_export);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_notice);
    layout->addWidget(m_view, 1);
    reload();
}

std::optional<FailedEvent::State> FailedQueuePanel::filterState() const
{
    return m_stateFilter->currentIndex() == 0 ? std::nullopt : FailedEvent::stateFromName(m_stateFilter->currentText());
}

void FailedQueuePanel::scheduleReload()
{
    if (m_reloadScheduled)
        return;
    m_reloadScheduled = true;
    QTimer::singleShot(ReloadDelayMs, this, &FailedQueuePanel::reload);
}

void FailedQueuePanel::reload()
{
    m_reloadScheduled = false;
    if (!m_store || !m_store->isOpen())
        return;
    m_model->setEvents(m_store->list(filterState(), MaxRows, 0)); // no bodies: the list needs none
    const QList<FailedEvent> pending = m_store->list(FailedEvent::State::Pending, MaxRows, 0);
    m_labPending = static_cast<int>(
        std::count_if(pending.cbegin(), pending.cend(), [](const FailedEvent &e) { return e.isLab(); }));
    const FailedQueueStats s = m_store->stats();
    // Discarded only once there are some: in the half-width tab the figures that move stay whole.
    m_counts->setFullText(tr("%1 pending · %2 replayed%3%4")
                              .arg(s.pending)
                              .arg(s.replayed)
                              .arg(s.discarded ? tr(" · %1 discarded").arg(s.discarded) : QString())
                              .arg(s.unrecorded ? tr(" · %1 unrecorded (queue full)").arg(s.unrecorded) : QString()));
    updateButtons();
}

QString FailedQueuePanel::countsText() const
{
    return m_counts->fullText();
}

QList<qint64> FailedQueuePanel::selectedIds() const
{
    QList<qint64> ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows) {
        if (m_model->event(index.row()).state == FailedEvent::State::Pending)
            ids.append(m_model->event(index.row()).id);
    }
    std::sort(ids.begin(), ids.end()); // oldest first, as they came
    return ids;
}

void FailedQueuePanel::updateButtons()
{
    const bool selection = !selectedIds().isEmpty();
    const bool running = m_store && m_replayer; // false once the runtime has stopped
    const bool busy = running && m_replayer->isBusy();
    m_replaySelected->setEnabled(running && selection && !busy);
    m_discard->setEnabled(running && selection);
    m_discardLab->setEnabled(running && m_labPending > 0);
    m_discardLab->setVisible(m_labPending > 0); // only where the lab left events: no clutter for real senders
    m_replayAll->setEnabled(running && m_store->stats().pending > 0 && !busy);
}

Replayer::Done FailedQueuePanel::reportWhenDone(const QString &what)
{
    m_replaySelected->setEnabled(false);
    m_replayAll->setEnabled(false);
    m_notice->hide();
    return [self = QPointer<FailedQueuePanel>(this), what](const QList<ReplayOutcome> &outcomes) {
        if (!self)
            return;
        const int replayed = ReplayOutcome::replayedCount(outcomes);
        QString reason;
        int failed = 0;
        for (const ReplayOutcome &outcome : outcomes) {
            if (outcome.status != ReplayOutcome::Status::Failed)
                continue;
            ++failed;
            if (reason.isEmpty())
                reason = outcome.result.detail.isEmpty() ? failureReasonName(outcome.result.reason)
                                                         : outcome.result.detail;
        }
        if (failed == 0) {
            Q_EMIT self->message(tr("Replayed %1 of %2 %3").arg(replayed).arg(outcomes.size()).arg(what));
        } else {
            // Said where the user looks, not only in the status bar: why, and that nothing was dropped.
            const QString outage = self->m_outageDescription ? self->m_outageDescription() : QString();
            const QString text
                = tr("Replay: %1 of %2 not confirmed by NATS (%3)%4. They stay pending in the queue: "
                     "replay them again once NATS is back.")
                      .arg(failed)
                      .arg(outcomes.size())
                      .arg(reason,
                          outage.isEmpty() ? QString() : tr(" — the simulated outage \"%1\" is still on").arg(outage));
            self->m_notice->setText(text);
            self->m_notice->show();
            Q_EMIT self->message(text);
        }
        self->reload();
    };
}

QString FailedQueuePanel::noticeText() const
{
    return m_notice->isHidden() ? QString() : m_notice->text();
}

bool FailedQueuePanel::selectEvent(qint64 id)
{
    const auto rowOf = [this, id] {
        for (int row = 0; row < m_model->rowCount(); ++row) {
            if (m_model->event(row).id == id)
                return row;
        }
        return -1;
    };
    int row = rowOf();
    if (row < 0 && m_stateFilter->currentIndex() != 0) {
        m_stateFilter->setCurrentIndex(0); // reloads
        row = rowOf();
    }
    if (row < 0)
        return false;
    m_view->selectRow(row);
    m_view->scrollTo(m_model->index(row, 0));
    m_view->setFocus();
    return true;
}

void FailedQueuePanel::replaySelected()
{
    const QList<qint64> ids = selectedIds();
    if (!ids.isEmpty() && m_replayer)
        m_replayer->replay(ids, reportWhenDone(tr("selected events")));
}

void FailedQueuePanel::replayAll()
{
    if (m_replayer)
        m_replayer->replayAllPending(reportWhenDone(tr("failed events")));
}

void FailedQueuePanel::discardSelected()
{
    const QList<qint64> ids = selectedIds();
    if (ids.isEmpty())
        return;
    DiscardChoice choice = DiscardChoice::Cancel;
    if (confirmDiscard) {
        choice = confirmDiscard(static_cast<int>(ids.size()));
    } else {
        QMessageBox box(QMessageBox::Warning, tr("Discard failed events"),
            tr("Discard %n pending event(s)? They will never be replayed, and this cannot be undone.", nullptr,
                static_cast<int>(ids.size())),
            QMessageBox::NoButton, this);
        QPushButton *discard = box.addButton(tr("Discard"), QMessageBox::DestructiveRole);
        QPushButton *exportFirst = box.addButton(tr("Export first…"), QMessageBox::ActionRole);
        box.addButton(QMessageBox::Cancel);
        box.setDefaultButton(QMessageBox::Cancel);
        box.exec();
        choice = box.clickedButton() == discard  ? DiscardChoice::Discard
            : box.clickedButton() == exportFirst ? DiscardChoice::ExportFirst
                                                 : DiscardChoice::Cancel;
    }
    if (choice == DiscardChoice::Cancel)
        return;
    if (choice == DiscardChoice::ExportFirst) {
        exportWithDialog(ExportFormat::JsonLines); // the user discards afterwards, knowing they have a copy
        return;
    }
    int discarded = 0;
    for (qint64 id : ids)
        discarded += m_store ? m_store->discard(id) : 0;
    Q_EMIT message(tr("Discarded %1 events").arg(discarded));
    reload();
}

void FailedQueuePanel::discardLab()
{
    if (!m_store)
        return;
    const int discarded = m_store->discardLab();
    Q_EMIT message(tr("Discarded %n lab event(s); real senders' events stay pending", nullptr, discarded));
    reload();
}

bool FailedQueuePanel::exportTo(const QString &path, ExportFormat format, QString *error) const
{
    if (!m_store) {
        if (error)
            *error = tr("ackhook has stopped: the failed-event queue is closed");
        return false;
    }
    const QByteArray data = format == ExportFormat::JsonLines ? m_store->exportJsonLines(filterState())
                                                              : m_store->exportCurlScript(m_webhookUrl, filterState());
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        if (error)
            *error = tr("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    if (format == ExportFormat::CurlScript)
        QFile::setPermissions(path, QFile::permissions(path) | QFile::ExeOwner | QFile::ExeUser);
    return true;
}

void FailedQueuePanel::exportWithDialog(ExportFormat format)
{
    const bool jsonLines = format == ExportFormat::JsonLines;
    const QString path = QFileDialog::getSaveFileName(this, tr("Export failed events"),
        jsonLines ? QStringLiteral("failed-events.jsonl") : QStringLiteral("resend-failed-events.sh"),
        jsonLines ? tr("JSON Lines (*.jsonl)") : tr("Shell script (*.sh)"));
    if (path.isEmpty())
        return;
    QString error;
    Q_EMIT message(exportTo(path, format, &error) ? tr("Exported to %1").arg(path) : error);
}
