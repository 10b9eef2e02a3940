// FailedQueuePanel: the failed-event queue — each event with reason and attempts; replay, discard, export.
#pragma once

#include "store/failedevent.h"
#include "store/replayer.h"

#include <QWidget>

#include <optional>

class FailedEventModel;
class FailedEventStore;
class QComboBox;
class QLabel;
class QPushButton;
class QTableView;

class FailedQueuePanel : public QWidget {
    Q_OBJECT
public:
    enum class ExportFormat { JsonLines, CurlScript };
    static constexpr int MaxRows = 1000; // the newest; the admin API and export see them all

    FailedQueuePanel(FailedEventStore *store, Replayer *replayer, QString webhookUrl, QWidget *parent = nullptr);

    void reload(); // reads the store now (the panel also follows its changes by itself)
    QList<qint64> selectedIds() const;
    void replaySelected();
    void replayAll();
    void discardSelected();
    bool exportTo(const QString &path, ExportFormat format, QString *error = nullptr) const;

    FailedEventModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QComboBox *stateFilter() const { return m_stateFilter; }
    QPushButton *replaySelectedButton() const { return m_replaySelected; }
    QPushButton *replayAllButton() const { return m_replayAll; }
    QPushButton *discardButton() const { return m_discard; }
    QString countsText() const;

Q_SIGNALS:
    void message(const QString &text); // outcome of an action, for the status bar

private:
    void scheduleReload();
    Replayer::Done reportWhenDone(const QString &what); // buttons off until then; a message after
    void updateButtons();
    void exportWithDialog(ExportFormat format);
    std::optional<FailedEvent::State> filterState() const;

    FailedEventStore *m_store;
    Replayer *m_replayer;
    QString m_webhookUrl;
    FailedEventModel *m_model;
    QTableView *m_view;
    QComboBox *m_stateFilter;
    QLabel *m_counts;
    QPushButton *m_replaySelected;
    QPushButton *m_replayAll;
    QPushButton *m_discard;
    QPushButton *m_export;
    bool m_reloadScheduled = false;
};
