// FailedEventModel: the persisted failed-event queue as the monitor shows it, newest first.
#pragma once

#include "store/failedevent.h"

#include <QAbstractTableModel>

class FailedEventModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        IdColumn,
        TimeColumn,
        EndpointColumn,
        ReasonColumn,
        AttemptsColumn,
        StateColumn,
        KeyColumn,
        SizeColumn,
        COLUMN_COUNT
    };
    enum Role { IdRole = Qt::UserRole, StateRole, LabRole };

    explicit FailedEventModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Merges a fresh snapshot (newest first, by id): rows that went are removed, new rows inserted,
    // changed rows updated in place. Never a reset, so selection and scroll survive.
    void setEvents(const QList<FailedEvent> &events);
    const FailedEvent &event(int row) const { return m_events.at(row); }

private:
    QList<FailedEvent> m_events; // id descending
};
