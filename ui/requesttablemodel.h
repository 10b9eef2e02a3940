// RequestTableModel: the live request list — newest first, bounded, filled in batches.
#pragma once

#include "webhook/requestrecord.h"

#include <QAbstractTableModel>

#include <deque>

class RequestTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TimeColumn,
        MethodColumn,
        PathColumn,
        StatusColumn,
        LatencyColumn,
        SizeColumn,
        KeyColumn,
        SeqColumn,
        DuplicateColumn,
        ReasonColumn,
        COLUMN_COUNT
    };
    enum Role { StatusClassRole = Qt::UserRole, SortRole };

    explicit RequestTableModel(int maxRows = 10000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // One beginInsertRows per batch (newest at row 0); the oldest rows beyond the bound go.
    void appendBatch(const RequestRecordBatch &batch);
    void clear();
    int maxRows() const { return m_maxRows; }
    const RequestRecord &record(int row) const { return m_rows.at(static_cast<size_t>(row)); }

    static QString statusClass(int status); // "2xx", "4xx", "5xx"

private:
    std::deque<RequestRecord> m_rows; // newest first
    int m_maxRows;
};
