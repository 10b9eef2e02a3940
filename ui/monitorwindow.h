// MonitorWindow: ackhook's face — connectivity, live requests, outage switch, failed-event queue.
#pragma once

#include <QMainWindow>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QNetworkAccessManager;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class RequestTableModel;
class Runtime;

class MonitorWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MonitorWindow(Runtime *runtime, QWidget *parent = nullptr);
    ~MonitorWindow() override;

    // For tests and screenshots: what the user sees and presses.
    QString connectivityText() const;
    QString failedQueueText() const;
    RequestTableModel *requestModel() const { return m_model; }
    QPushButton *outageSwitch() const { return m_outageSwitch; }
    QComboBox *outageMode() const { return m_outageMode; }
    QPushButton *sendButton() const { return m_send; }
    QSpinBox *sendCount() const { return m_sendCount; }
    QPushButton *replayAllButton() const { return m_replayAll; }

private:
    void buildUi();
    void refresh(); // connectivity, totals, failed queue: 4 times a second
    void applyOutage();
    void sendTestEvents();
    void sendOne();
    void replayAll();
    void restoreSettings();
    void saveSettings() const;

    Runtime *m_runtime;
    RequestTableModel *m_model;
    QSortFilterProxyModel *m_filter;
    QNetworkAccessManager *m_network;
    QLabel *m_badge = nullptr;
    QLabel *m_natsDetails = nullptr;
    QLabel *m_webhookUrl = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QPushButton *m_outageSwitch = nullptr;
    QComboBox *m_outageMode = nullptr;
    QSpinBox *m_latency = nullptr;
    QPushButton *m_natsStop = nullptr;
    QPushButton *m_natsStart = nullptr;
    QLabel *m_failedLabel = nullptr;
    QPushButton *m_replayAll = nullptr;
    QPushButton *m_send = nullptr;
    QSpinBox *m_sendCount = nullptr;
    QCheckBox *m_withKeys = nullptr;
    QLabel *m_totals = nullptr;
    int m_toSend = 0;
    int m_sent = 0;
};
