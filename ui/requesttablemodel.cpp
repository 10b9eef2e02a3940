// RequestTableModel: batch insertion at the top, eviction at the bottom, status in colour and text.
#include "requesttablemodel.h"

#include "theme.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

RequestTableModel::RequestTableModel(int maxRows, QObject *parent)
    : QAbstractTableModel(parent)
    , m_maxRows(maxRows)
{
}

int RequestTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RequestTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : COLUMN_COUNT;
}

QString RequestTableModel::statusClass(int status)
{
    if (status == 0)
        return QStringLiteral("waiting");
    return QString::number(status / 100) + QStringLiteral("xx");
}

int RequestTableModel::rowOf(quint64 insertion) const
{
    const quint64 row = m_inserted - 1 - insertion;
    return insertion < m_inserted && row < m_rows.size() ? static_cast<int>(row) : -1;
}

std::optional<RequestTableModel::QueueLink> RequestTableModel::queueLink(int row) const
{
    const RequestRecord &r = record(row);
    if (r.status < 500 || r.key.isEmpty())
        return std::nullopt;
    const auto link = m_links.constFind(r.key);
    return link == m_links.constEnd() ? std::nullopt : std::optional<QueueLink>(*link);
}

int RequestTableModel::newestRowWithKey(const QString &key) const
{
    for (size_t row = 0; row < m_rows.size(); ++row) {
        if (m_rows[row].key == key)
            return static_cast<int>(row);
    }
    return -1;
}

QString RequestTableModel::statusText(int row) const
{
    const RequestRecord &r = record(row);
    if (r.isWaiting()) {
        const qint64 now = m_nowMs ? m_nowMs : QDateTime::currentMSecsSinceEpoch();
        return tr("waiting for PubAck %1 s").arg(qMax<qint64>(0, now - r.receivedMs) / 1000.0, 0, 'f', 1);
    }
    if (r.status < 500)
        return OutcomeText::answered(r.status);
    const std::optional<QueueLink> link = queueLink(row);
    return link ? OutcomeText::failedRequest(r.status, *link) : OutcomeText::answered(r.status);
}

QVariant RequestTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RequestRecord &r = m_rows[static_cast<size_t>(index.row())];
    if (role == StatusClassRole)
        return statusClass(r.status);
    if (role == KeyRole)
        return r.key;
    if (role == SortRole) { // numbers as numbers
        switch (index.column()) {
        case TimeColumn:
            return r.receivedMs;
        case StatusColumn:
            return r.status;
        case LatencyColumn:
            return r.latencyUs;
        case SizeColumn:
            return r.requestBytes;
        case SeqColumn:
            return static_cast<qulonglong>(r.seq);
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case TimeColumn:
            return QDateTime::fromMSecsSinceEpoch(r.receivedMs).toString(QStringLiteral("HH:mm:ss.zzz"));
        case MethodColumn:
            return QString::fromLatin1(r.method);
        case PathColumn:
            return QString::fromUtf8(r.path);
        case StatusColumn: // text as well as colour: never colour alone
            return statusText(index.row());
        case LatencyColumn:
            return r.isWaiting() ? QStringLiteral("…") : QStringLiteral("%1 ms").arg(r.latencyUs / 1000.0, 0, 'f', 1);
        case SizeColumn:
            return QStringLiteral("%1 B").arg(r.requestBytes);
        case KeyColumn:
            return r.keyGenerated ? QStringLiteral("⚠ none (generated %1)").arg(r.key.left(8)) : r.key;
        case SeqColumn:
            return r.seq ? QVariant(static_cast<qulonglong>(r.seq)) : QVariant();
        case DuplicateColumn: {
            const std::optional<QueueLink> link = queueLink(index.row());
            return OutcomeText::duplicate(r.duplicate, link && link->storedAnyway());
        }
        case ReasonColumn: // the outage only labels failures: a 200 during a flap has no reason
            return r.status < 500 || r.outage.isEmpty() ? r.reason
                                                        : QStringLiteral("%1 (simulated %2)").arg(r.reason, r.outage);
        }
        return {};
    }
    if (role == Qt::ToolTipRole) { // every cell can be read whole, however narrow its column
        if (index.column() == DuplicateColumn && !r.duplicate && !data(index, Qt::DisplayRole).toString().isEmpty())
            return tr("Answered %1, but JetStream had stored the event: the sender's retry will be a duplicate.")
                .arg(r.status);
        if (index.column() == KeyColumn && r.keyGenerated)
            return tr("The request carried no idempotency key: a retry of it cannot be deduplicated.");
        if (index.column() == StatusColumn) {
            if (r.isWaiting())
                return tr("Handed to NATS; ackhook answers 200 when JetStream confirms (PubAck), 500 when it "
                          "does not within the ack timeout.");
            if (const std::optional<QueueLink> link = queueLink(index.row())) {
                const QString answered
                    = tr("Answered %1: NATS did not confirm, so the sender was told to retry.").arg(r.status);
                if (link->storedAnyway())
                    return QString(answered
                        + tr("\nBut JetStream had stored it (stream sequence %1): only the PubAck was lost. The "
                             "sender's retry will be a duplicate, which JetStream drops within its duplicate window.\n"
                             "Double-click to show it in the queue.")
                              .arg(link->replaySeq));
                if (link->state == FailedEvent::State::Replayed)
                    return QString(answered
                        + tr("\nReplayed from the failed-event queue (#%1): stored as stream sequence %2.\n"
                             "Double-click to show it in the queue.")
                              .arg(link->failedId)
                              .arg(link->replaySeq));
                return QString(answered
                    + tr("\nKept in the failed-event queue as #%1 (%2). Double-click to show it.")
                          .arg(link->failedId)
                          .arg(FailedEvent::stateName(link->state)));
            }
        }
        const QString text = data(index, Qt::DisplayRole).toString();
        return text.isEmpty() ? QVariant() : QVariant(text);
    }
    if ((role == Qt::BackgroundRole || role == Qt::ForegroundRole) && index.column() == StatusColumn) {
        // Background and text from one pair, so the cell reads in a light and a dark palette.
        Theme::Tone tone = Theme::Tone::Ok;
        if (r.isWaiting()) {
            tone = Theme::Tone::Waiting;
        } else if (r.status >= 500) {
            const std::optional<QueueLink> link = queueLink(index.row());
            tone = link && link->state == FailedEvent::State::Replayed ? Theme::Tone::Recovered : Theme::Tone::Fail;
        } else if (r.status >= 400) {
            tone = Theme::Tone::Warn;
        }
        const Theme::Colours colours = Theme::cell(tone);
        return QBrush(role == Qt::BackgroundRole ? colours.background : colours.text);
    }
    if (role == Qt::TextAlignmentRole
        && (index.column() == LatencyColumn || index.column() == SizeColumn || index.column() == SeqColumn))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant RequestTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *const titles[COLUMN_COUNT] = { "Time", "Method", "Path", "Status", "Latency", "Body",
        "Idempotency key", "Seq", "Duplicate", "Failure reason" };
    return section >= 0 && section < COLUMN_COUNT ? tr(titles[section]) : QVariant();
}

void RequestTableModel::appendBatch(const RequestRecordBatch &batch)
{
    if (batch.isEmpty())
        return;
    // Answers to waiting rows change those rows in place; everything else is a new row.
    RequestRecordBatch fresh;
    int firstChanged = -1;
    int lastChanged = -1;
    for (const RequestRecord &r : batch) {
        const auto waiting = r.requestId && !r.isWaiting() ? m_waiting.constFind(r.requestId) : m_waiting.constEnd();
        if (waiting == m_waiting.constEnd()) {
            fresh.append(r);
            continue;
        }
        const int row = rowOf(*waiting);
        m_waiting.erase(waiting);
        if (row < 0)
            continue; // its row is gone already
        m_rows[static_cast<size_t>(row)] = r;
        firstChanged = firstChanged < 0 ? row : qMin(firstChanged, row);
        lastChanged = qMax(lastChanged, row);
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0), index(lastChanged, COLUMN_COUNT - 1));
    if (fresh.isEmpty())
        return;
    // Only the newest maxRows of a large batch can ever be shown.
    const qsizetype take = qMin<qsizetype>(fresh.size(), m_maxRows);
    const qsizetype first = fresh.size() - take;
    beginInsertRows({}, 0, static_cast<int>(take - 1));
    for (qsizetype i = first; i < fresh.size(); ++i) {
        if (fresh.at(i).isWaiting())
            m_waiting.insert(fresh.at(i).requestId, m_inserted);
        m_rows.push_front(fresh.at(i));
        ++m_inserted;
    }
    endInsertRows();
    const int excess = static_cast<int>(m_rows.size()) - m_maxRows;
    if (excess > 0) {
        beginRemoveRows({}, m_maxRows, m_maxRows + excess - 1);
        m_rows.resize(static_cast<size_t>(m_maxRows));
        endRemoveRows();
        m_waiting.removeIf([this](const auto &entry) { return rowOf(entry.value()) < 0; });
    }
}

void RequestTableModel::tick(qint64 nowMs)
{
    m_nowMs = nowMs;
    int first = -1;
    int last = -1;
    for (const quint64 insertion : std::as_const(m_waiting)) {
        const int row = rowOf(insertion);
        if (row >= 0) {
            first = first < 0 ? row : qMin(first, row);
            last = qMax(last, row);
        }
    }
    if (first >= 0)
        Q_EMIT dataChanged(index(first, StatusColumn), index(last, LatencyColumn));
}

void RequestTableModel::setQueueLinks(QHash<QString, QueueLink> links)
{
    if (links == m_links)
        return;
    m_links = std::move(links);
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, StatusColumn), index(rowCount() - 1, DuplicateColumn));
}

void RequestTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_waiting.clear();
    endResetModel();
}
