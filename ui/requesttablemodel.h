// RequestTableModel: the live request list — newest first, bounded, filled in batches; a row
// appears when its request waits for the PubAck and changes in place when it is answered.
#pragma once

#include "outcometext.h"
#include "store/failedevent.h"
#include "webhook/requestrecord.h"

#include <QAbstractTableModel>
#include <QHash>

#include <deque>
#include <optional>

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
    enum Role { StatusClassRole = Qt::UserRole, SortRole, KeyRole };

    // What became of a failed request in the failed-event queue (matched by idempotency key).
    using QueueLink = OutcomeText::Queued;

    explicit RequestTableModel(int maxRows = 10000, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // One beginInsertRows per batch (newest at row 0); the oldest rows beyond the bound go. A
    // record answering a waiting row (same requestId) replaces that row in place instead.
    void appendBatch(const RequestRecordBatch &batch);
    void clear();
    int maxRows() const { return m_maxRows; }
    const RequestRecord &record(int row) const { return m_rows.at(static_cast<size_t>(row)); }
    int waitingCount() const { return static_cast<int>(m_waiting.size()); }
    // Waiting rows show how long they have waited: one dataChanged over them per call.
    void tick(qint64 nowMs);

    // The failed queue as it stands (key -> link): failed rows show "pending", "recovered", ...
    void setQueueLinks(QHash<QString, QueueLink> links);
    std::optional<QueueLink> queueLink(int row) const;
    int newestRowWithKey(const QString &key) const; // -1 when none

    static QString statusClass(int status); // "2xx", "4xx", "5xx"; "waiting" for status 0
    QString statusText(int row) const;

private:
    int rowOf(quint64 insertion) const; // -1 when evicted

    std::deque<RequestRecord> m_rows; // newest first
    int m_maxRows;
    quint64 m_inserted = 0; // rows ever inserted: row r is insertion number m_inserted - 1 - r
    QHash<quint64, quint64> m_waiting; // requestId -> insertion number
    QHash<QString, QueueLink> m_links;
    qint64 m_nowMs = 0;
};
