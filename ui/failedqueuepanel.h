// FailedQueuePanel: the failed-event queue — each event with reason and attempts; replay, discard, export.
#pragma once

#include "store/failedevent.h"
#include "store/replayer.h"

#include <QPointer>
#include <QWidget>

#include <functional>
#include <optional>

class ElidedLabel;
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
    // Asks first (discarding cannot be undone; export is offered); the answer comes from
    // confirmDiscard when set (tests), else from a dialog.
    void discardSelected();
    enum class DiscardChoice { Discard, ExportFirst, Cancel };
    // Discards every pending lab event (the scenario runner's traffic, tagged "[lab]"), real
    // senders' events left pending. No question asked: the lab's own test traffic.
    void discardLab();
    int labPending() const { return m_labPending; } // as of the last reload
    std::function<DiscardChoice(int count)> confirmDiscard;
    // The simulated outage now on ("" when none), to say why a replay failed.
    void setOutageDescription(std::function<QString()> describe) { m_outageDescription = std::move(describe); }
    bool selectEvent(qint64 id); // shows all states when the filter hides it; false when not listed
    QString noticeText() const;
    bool exportTo(const QString &path, ExportFormat format, QString *error = nullptr) const;

    FailedEventModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QComboBox *stateFilter() const { return m_stateFilter; }
    QPushButton *replaySelectedButton() const { return m_replaySelected; }
    QPushButton *replayAllButton() const { return m_replayAll; }
    QPushButton *discardButton() const { return m_discard; }
    QPushButton *discardLabButton() const { return m_discardLab; }
    QString countsText() const;

Q_SIGNALS:
    void message(const QString &text); // outcome of an action, for the status bar
    void requestWanted(const QString &key); // double-clicked: show the request this event came from

private:
    void scheduleReload();
    Replayer::Done reportWhenDone(const QString &what); // buttons off until then; a message after
    void updateButtons();
    void exportWithDialog(ExportFormat format);
    std::optional<FailedEvent::State> filterState() const;

    // Owned by the Runtime, which may stop (and destroy them) while the window still shows: every
    // use checks them (a reload timer firing after the stop crashed on a freed store).
    QPointer<FailedEventStore> m_store;
    QPointer<Replayer> m_replayer;
    QString m_webhookUrl;
    FailedEventModel *m_model;
    QTableView *m_view;
    QComboBox *m_stateFilter;
    ElidedLabel *m_counts;
    QLabel *m_notice; // why the last replay failed, until the next one
    std::function<QString()> m_outageDescription;
    QPushButton *m_replaySelected;
    QPushButton *m_replayAll;
    QPushButton *m_discard;
    QPushButton *m_discardLab;
    int m_labPending = 0;
    QPushButton *m_export;
    bool m_reloadScheduled = false;
};
