// RequestFilterProxy: filters on the display text of every column; sorts on RequestTableModel::SortRole.
#include "requestfilterproxy.h"
#include "requesttablemodel.h"

RequestFilterProxy::RequestFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(RequestTableModel::SortRole);
}

void RequestFilterProxy::setStatusClass(const QString &statusClass)
{
    if (statusClass == m_statusClass)
        return;
    m_statusClass = statusClass;
    invalidateRowsFilter();
}

void RequestFilterProxy::setText(const QString &text)
{
    if (text == m_text)
        return;
    m_text = text;
    invalidateRowsFilter();
}

bool RequestFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QAbstractItemModel *source = sourceModel();
    if (!m_statusClass.isEmpty()
        && source->index(sourceRow, RequestTableModel::StatusColumn, sourceParent)
                .data(RequestTableModel::StatusClassRole)
                .toString()
            != m_statusClass)
        return false;
    if (m_text.isEmpty())
        return true;
    for (int column = 0; column < source->columnCount(sourceParent); ++column) {
        if (source->index(sourceRow, column, sourceParent).data().toString().contains(m_text, Qt::CaseInsensitive))
            return true;
    }
    return false;
}
