// RequestsPanel: the live request table with its filters (status class, text) and Pause; owns the
// table's model and filter proxy.
#pragma once

#include "webhook/requestrecord.h"

#include <QWidget>

class QAction;
class QCheckBox;
class QComboBox;
class QLineEdit;
class QSettings;
class QTableView;
class RequestFilterProxy;
class RequestTableModel;

class RequestsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RequestsPanel(QWidget *parent = nullptr);

    RequestTableModel *model() const { return m_model; }
    RequestFilterProxy *filter() const { return m_filter; }
    QTableView *table() const { return m_table; }
    QCheckBox *pauseBox() const { return m_pause; }
    QComboBox *statusFilter() const { return m_statusFilter; }
    QLineEdit *textFilter() const { return m_textFilter; }

    void appendWaiting(const RequestRecordBatch &batch); // requests not answered yet
    void appendRecords(const RequestRecordBatch &batch); // held while paused
    int currentRow() const; // the model row of the current index; -1 when none
    void showRequestWithKey(const QString &key); // its newest row, the filters cleared when they hide it
    void showRequestWithMsgId(const QByteArray &msgId); // the stream browser's way back
    void focusTextFilter();
    void restoreSettings(const QSettings &settings);
    void saveSettings(QSettings &settings) const;

Q_SIGNALS:
    void currentRowChanged(int row); // a model row
    void queueEntryWanted(qint64 failedId); // a failed request double-clicked
    void streamSequenceWanted(quint64 seq); // "Show its message in the stream" (Ctrl+J)
    void message(const QString &text, int timeoutMs); // for the status bar

private:
    void setPaused(bool paused);

    RequestTableModel *m_model;
    RequestFilterProxy *m_filter;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QCheckBox *m_pause = nullptr;
    QTableView *m_table = nullptr;
    QAction *m_showInStream = nullptr;
    RequestRecordBatch m_held; // rows that arrived while paused (bounded like the table)
};
