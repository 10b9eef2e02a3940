// RequestsPanel: batches into the table model (held while paused), filters, and the ways from a row
// to its queue entry and its stream message.
#include "requestspanel.h"
#include "outcometext.h"
#include "requestfilterproxy.h"
#include "requesttablemodel.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSettings>
#include <QTableView>
#include <QVBoxLayout>

RequestsPanel::RequestsPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new RequestTableModel(10000, this))
    , m_filter(new RequestFilterProxy(this))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *filters = new QHBoxLayout;
    m_statusFilter = new QComboBox(this);
    m_statusFilter->addItems({ tr("all"), QStringLiteral("2xx"), QStringLiteral("4xx"), QStringLiteral("5xx") });
    m_statusFilter->setToolTip(tr("Show only answers of one status class"));
    m_textFilter = new QLineEdit(this);
    m_textFilter->setPlaceholderText(tr("filter: key, path, reason… (Ctrl+F)"));
    m_textFilter->setClearButtonEnabled(true);
    m_pause = new QCheckBox(tr("Pause"), this);
    m_pause->setToolTip(tr("Hold the table still; counters, chart and queue keep going (Ctrl+P)"));
    connect(m_pause, &QCheckBox::toggled, this, &RequestsPanel::setPaused);
    filters->addWidget(new QLabel(tr("Status:"), this));
    filters->addWidget(m_statusFilter);
    filters->addWidget(m_textFilter, 1);
    filters->addWidget(m_pause);
    layout->addLayout(filters);

    m_filter->setSourceModel(m_model);
    connect(m_textFilter, &QLineEdit::textChanged, m_filter, &RequestFilterProxy::setText);
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this,
        [this](int index) { m_filter->setStatusClass(index == 0 ? QString() : m_statusFilter->currentText()); });
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("requests"));
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::DescendingOrder); // arrival order: newest first
    m_filter->sort(-1);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false); // a key is never broken at its hyphens: it is cut, with a tooltip
    m_table->setTextElideMode(Qt::ElideMiddle);
    const QFontMetrics metrics = m_table->fontMetrics();
    const auto widthOf = [&metrics](const QString &sample) { return metrics.horizontalAdvance(sample) + 16; };
    m_table->setColumnWidth(RequestTableModel::TimeColumn, widthOf(QStringLiteral("00:00:00.000")));
    m_table->setColumnWidth(RequestTableModel::MethodColumn, widthOf(QStringLiteral("Method")));
    m_table->setColumnWidth(RequestTableModel::PathColumn, widthOf(QStringLiteral("/webhook")));
    // The longest status (OutcomeText) whole: the lesson of a 500 stored anyway is not cut.
    m_table->setColumnWidth(RequestTableModel::StatusColumn,
        widthOf(OutcomeText::failedRequest(500, { 0, FailedEvent::State::Replayed, 99999, true })));
    m_table->setColumnWidth(RequestTableModel::LatencyColumn, widthOf(QStringLiteral("0000.0 ms")));
    m_table->setColumnWidth(RequestTableModel::SizeColumn, widthOf(QStringLiteral("00000 B")));
    m_table->setColumnWidth(RequestTableModel::KeyColumn, widthOf(QStringLiteral("demo-00000000-0000-0000")));
    m_table->setColumnWidth(RequestTableModel::SeqColumn, widthOf(QStringLiteral("00000")));
    m_table->setColumnWidth(RequestTableModel::DuplicateColumn, widthOf(QStringLiteral("duplicate")));
    m_table->verticalHeader()->setDefaultSectionSize(metrics.height() + 6);
    m_table->setToolTip(QString());
    layout->addWidget(m_table, 1);

    connect(
        m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex &current) {
            const QModelIndex source = m_filter->mapToSource(current);
            if (source.isValid())
                Q_EMIT currentRowChanged(source.row());
        });
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &proxyIndex) {
        const QModelIndex source = m_filter->mapToSource(proxyIndex);
        if (!source.isValid())
            return;
        if (const std::optional<RequestTableModel::QueueLink> link = m_model->queueLink(source.row()))
            Q_EMIT queueEntryWanted(link->failedId);
    });
    // From a request to the message it stored: the table's context menu, or Ctrl+J.
    m_showInStream = new QAction(tr("Show its message in the stream"), m_table);
    m_showInStream->setObjectName(QStringLiteral("showInStream"));
    m_showInStream->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    m_showInStream->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_showInStream, &QAction::triggered, this, [this] {
        const int row = currentRow();
        if (row < 0)
            return;
        const RequestRecord &record = m_model->record(row);
        if (record.seq == 0) {
            Q_EMIT message(tr("That request stored no message (yet)"), 8000);
            return;
        }
        Q_EMIT streamSequenceWanted(record.seq);
    });
    m_table->addAction(m_showInStream);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
}

void RequestsPanel::appendWaiting(const RequestRecordBatch &batch)
{
    if (!m_pause->isChecked()) // while paused, the answer arrives later as a row of its own
        m_model->appendBatch(batch);
}

void RequestsPanel::appendRecords(const RequestRecordBatch &batch)
{
    if (!m_pause->isChecked()) {
        m_model->appendBatch(batch);
        return;
    }
    m_held.append(batch);
    if (m_held.size() > m_model->maxRows())
        m_held.remove(0, m_held.size() - m_model->maxRows());
}

void RequestsPanel::setPaused(bool paused)
{
    if (paused)
        return;
    RequestRecordBatch held;
    held.swap(m_held);
    m_model->appendBatch(held);
}

int RequestsPanel::currentRow() const
{
    const QModelIndex source = m_filter->mapToSource(m_table->currentIndex());
    return source.isValid() ? source.row() : -1;
}

void RequestsPanel::showRequestWithKey(const QString &key)
{
    int row = m_model->newestRowWithKey(key);
    if (row < 0) {
        Q_EMIT message(tr("The request of that event is no longer in the table"), 8000);
        return;
    }
    QModelIndex index = m_filter->mapFromSource(m_model->index(row, RequestTableModel::StatusColumn));
    if (!index.isValid()) { // filtered out: show everything again
        m_statusFilter->setCurrentIndex(0);
        m_textFilter->clear();
        index = m_filter->mapFromSource(m_model->index(row, RequestTableModel::StatusColumn));
    }
    m_table->setCurrentIndex(index);
    m_table->scrollTo(index);
    m_table->setFocus();
}

void RequestsPanel::showRequestWithMsgId(const QByteArray &msgId)
{
    for (int row = m_model->rowCount() - 1; row >= 0; --row) {
        if (m_model->record(row).msgId == msgId) {
            showRequestWithKey(m_model->record(row).key); // its newest row: a retry is shown last
            return;
        }
    }
    Q_EMIT message(msgId.isEmpty() ? tr("That message has no Nats-Msg-Id")
                                   : tr("The request that stored that message is no longer in the table"),
        8000);
}

void RequestsPanel::focusTextFilter()
{
    m_textFilter->setFocus();
    m_textFilter->selectAll();
}

void RequestsPanel::restoreSettings(const QSettings &settings)
{
    m_table->horizontalHeader()->restoreState(settings.value(QStringLiteral("window/columns")).toByteArray());
    m_textFilter->setText(settings.value(QStringLiteral("window/filter")).toString());
    m_statusFilter->setCurrentIndex(settings.value(QStringLiteral("window/statusFilter"), 0).toInt());
}

void RequestsPanel::saveSettings(QSettings &settings) const
{
    settings.setValue(QStringLiteral("window/columns"), m_table->horizontalHeader()->saveState());
    settings.setValue(QStringLiteral("window/filter"), m_textFilter->text());
    settings.setValue(QStringLiteral("window/statusFilter"), m_statusFilter->currentIndex());
}
