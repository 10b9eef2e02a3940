// RequestFilterProxy: the live table's filter (status class and free text together) and sort order.
#pragma once

#include <QSortFilterProxyModel>

class RequestFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RequestFilterProxy(QObject *parent = nullptr);

    void setStatusClass(const QString &statusClass); // "2xx", "4xx", "5xx"; empty for all
    void setText(const QString &text); // case-insensitive, in any column

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_statusClass;
    QString m_text;
};
