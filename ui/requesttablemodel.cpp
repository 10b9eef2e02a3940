// RequestTableModel: batch insertion at the top, eviction at the bottom, status in colour and text.
#include "requesttablemodel.h"

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
    return QString::number(status / 100) + QStringLiteral("xx");
}

QVariant RequestTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RequestRecord &r = m_rows[static_cast<size_t>(index.row())];
    if (role == StatusClassRole)
        return statusClass(r.status);
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
            return r.status >= 500 ? QStringLiteral("%1 failed").arg(r.status)
                : r.status >= 400  ? QStringLiteral("%1 rejected").arg(r.status)
                                   : QStringLiteral("%1 OK").arg(r.status);
        case LatencyColumn:
            return QStringLiteral("%1 ms").arg(r.latencyUs / 1000.0, 0, 'f', 1);
        case SizeColumn:
            return QStringLiteral("%1 B").arg(r.requestBytes);
        case KeyColumn:
            return r.keyGenerated ? QStringLiteral("⚠ none (generated %1)").arg(r.key.left(8)) : r.key;
        case SeqColumn:
            return r.seq ? QVariant(static_cast<qulonglong>(r.seq)) : QVariant();
        case DuplicateColumn:
            return r.duplicate ? QStringLiteral("duplicate") : QString();
        case ReasonColumn:
            return r.outage.isEmpty() ? r.reason : QStringLiteral("%1 (simulated %2)").arg(r.reason, r.outage);
        }
        return {};
    }
    if (role == Qt::ToolTipRole && index.column() == KeyColumn && r.keyGenerated)
        return tr("The request carried no idempotency key: a retry of it cannot be deduplicated.");
    if (role == Qt::BackgroundRole && index.column() == StatusColumn) {
        if (r.status >= 500)
            return QBrush(QColor(0xf8, 0xd7, 0xda));
        if (r.status >= 400)
            return QBrush(QColor(0xff, 0xe8, 0xb0));
        return QBrush(QColor(0xd4, 0xed, 0xda));
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
    // Only the newest maxRows of a large batch can ever be shown.
    const qsizetype take = qMin<qsizetype>(batch.size(), m_maxRows);
    const qsizetype first = batch.size() - take;
    beginInsertRows({}, 0, static_cast<int>(take - 1));
    for (qsizetype i = first; i < batch.size(); ++i)
        m_rows.push_front(batch.at(i));
    endInsertRows();
    const int excess = static_cast<int>(m_rows.size()) - m_maxRows;
    if (excess > 0) {
        beginRemoveRows({}, m_maxRows, m_maxRows + excess - 1);
        m_rows.resize(static_cast<size_t>(m_maxRows));
        endRemoveRows();
    }
}

void RequestTableModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}
