// MonitorWindow: ackhook's face — connectivity, live requests, outage switch, failed-event queue.
#pragma once

#include "scenariorunner.h"

#include <QMainWindow>

#include "outage/outagesettings.h"
#include "webhook/requestrecord.h"

#include <QElapsedTimer>
#include <QMap>
#include <QPointer>

#include <functional>

class ElidedLabel;
class FailedQueuePanel;
class QAction;
class QFrame;
class QToolButton;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QNetworkAccessManager;
class QNetworkReply;
class QPushButton;
class QSpinBox;
class QSplitter;
class QTableView;
class QTabWidget;
class QTimer;
class QVBoxLayout;
class RateChartView;
class RateHistoryModel;
class RequestDetailView;
class RequestFilterProxy;
class RequestTableModel;
class Runtime;
class StreamAudit;
class StreamBrowser;

class MonitorWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MonitorWindow(Runtime *runtime, QWidget *parent = nullptr);
    ~MonitorWindow() override;

    // For tests and screenshots: what the user sees and presses.
    QString connectivityText() const;
    QString natsDetailsText() const; // the header's NATS line, whole (also when the label cuts it)
    QString durabilityText() const; // the durability line under it, whole
    static QString why500Text(); // the first 500's explanation (the panel and Help show it)
    QString failedQueueText() const;
    QString totalsText() const; // the status bar's counters
    RequestTableModel *requestModel() const { return m_model; }
    RequestFilterProxy *requestFilter() const { return m_filter; }
    QTableView *requestTable() const { return m_table; }
    RequestDetailView *detailView() const { return m_detail; }
    RateHistoryModel *rateModel() const { return m_rates; }
    RateChartView *rateChart() const { return m_chart; }
    // The Run scenario button's timing (tests shorten it).
    void setScenarioOptions(const ScenarioRunner::Options &options) { m_scenarioOptions = options; }
    FailedQueuePanel *failedPanel() const { return m_failedPanel; }
    QSpinBox *sendRate() const { return m_sendRate; }
    QPushButton *sendStopButton() const { return m_sendStop; }
    QCheckBox *withKeysBox() const { return m_withKeys; }
    QComboBox *sendEndpoint() const { return m_sendEndpoint; } // which endpoint test events go to
    // The dispatch policy of the endpoint chosen in sendEndpoint(): choosing another switches it
    // (fire-and-forget after a confirmation). Item data: the DispatchPolicy as int.
    QComboBox *endpointPolicy() const { return m_endpointPolicy; }
    QCheckBox *pauseBox() const { return m_pause; }
    QComboBox *statusFilter() const { return m_statusFilter; }
    QLineEdit *textFilter() const { return m_textFilter; }
    void resend(const RequestRecord &record); // through the webhook listener, as a caller would
    // One action per simulated-outage mode ("Simulate outage" menu), and the button that ends it.
    QAction *outageAction(OutageSettings::Mode mode) const { return m_outageActions.value(mode); }
    QPushButton *endOutageButton() const { return m_endOutage; }
    QSpinBox *latencySetting() const { return m_latency; }
    QSpinBox *flapPeriodSetting() const { return m_flapPeriod; }
    QSpinBox *blackholeSecondsSetting() const { return m_blackholeSeconds; }
    QString outcomesText() const; // answered 200 / 500, recovered, still failed, not in the stream
    StreamAudit *streamAudit() const { return m_audit; }
    QFrame *explanationPanel() const { return m_explanation; }
    QString shortcutsText() const; // what Help > Keyboard shortcuts lists
    QPushButton *sendButton() const { return m_send; }
    QSpinBox *sendCount() const { return m_sendCount; }
    QPushButton *replayAllButton() const { return m_replayAll; }
    QPushButton *scenarioButton() const { return m_scenarioRun; }
    QComboBox *scenarioChoice() const { return m_scenarioName; }
    bool scenarioRunning() const { return !m_scenario.isNull(); } // from the click until its summary

private:
    void buildUi();
    void refresh(); // connectivity, totals, outcomes, failed queue: 4 times a second, from one StatusSnapshot
    void startOutage(OutageSettings::Mode mode);
    void endOutage();
    void showOutageSettings(const OutageSettings &settings); // from any source: window, admin API, CLI
    void reloadQueueLinks(); // which failed rows were replayed, from the failed-event queue
    void showQueueEntryFor(const QModelIndex &proxyIndex);
    void showRequestWithKey(const QString &key);
    void showRequestWithMsgId(const QByteArray &msgId); // the stream browser's way back
    void showCurrentRequestInStream();
    void appendWaiting(const RequestRecordBatch &batch);
    void explainFirstFailure();
    void showDetailFor(int sourceRow);
    void buildMenus();
    void appendRecords(const RequestRecordBatch &batch);
    void setPaused(bool paused);
    void sendTestEvents();
    void sendDue(); // the burst: as many as are due at the chosen rate
    void postTestEvent();
    // One request to the webhook listener, with the listener's own credentials when it requires them.
    void send(const QByteArray &method, const QByteArray &target, HeaderList headers, const QByteArray &body,
        const std::function<void(QNetworkReply *)> &done);
    QByteArray webhookBase() const; // http://host:port of the webhook listener
    void replayAll();
    void restoreSettings();
    void saveSettings() const;

    Runtime *m_runtime;
    RequestTableModel *m_model;
    RequestFilterProxy *m_filter;
    RateHistoryModel *m_rates;
    QNetworkAccessManager *m_network;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_bottomSplitter = nullptr;
    QTabWidget *m_tabs = nullptr;
    RequestDetailView *m_detail = nullptr;
    RateChartView *m_chart = nullptr;
    FailedQueuePanel *m_failedPanel = nullptr;
    StreamBrowser *m_streamBrowser = nullptr;
    QAction *m_showInStream = nullptr;
    QCheckBox *m_pause = nullptr;
    RequestRecordBatch m_held; // rows that arrived while paused (bounded like the table)
    QLabel *m_badge = nullptr;
    QLabel *m_lossLabel = nullptr; // the loss detector's counts per policy, when it runs
    QComboBox *m_scenarioName = nullptr; // shown when the runtime can run the lab's scenarios
    QPushButton *m_scenarioRun = nullptr;
    ScenarioRunner::Options m_scenarioOptions;
    void runScenario();
    void updateScenarioButton(); // greyed out, the reason as its tooltip, when it cannot run
    void lockOutageControls(bool locked); // while a scenario runs
    QPointer<ScenarioRunner> m_scenario; // the one running
    QAction *m_powerCut = nullptr;
    ElidedLabel *m_natsDetails = nullptr;
    ElidedLabel *m_durability = nullptr; // what a 200 survives on this stream and server
    QLabel *m_webhookUrl = nullptr;
    QComboBox *m_endpointUrls = nullptr; // every served endpoint's URL (shown when more than one)
    QTableView *m_table = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QToolButton *m_simulate = nullptr;
    QPushButton *m_endOutage = nullptr;
    QMap<OutageSettings::Mode, QAction *> m_outageActions;
    OutageSettings::Mode m_lastOutageMode = OutageSettings::Mode::Down; // what Ctrl+O starts
    QSpinBox *m_latency = nullptr;
    QSpinBox *m_flapPeriod = nullptr;
    QSpinBox *m_blackholeSeconds = nullptr;
    QTimer *m_blackholeEnd = nullptr;
    bool m_outageWasActive = true; // as before: the first showOutageSettings() starts the grace too
    qint64 m_outageEndedMs = 0; // when the last simulated outage ended: reconnecting is expected
    ElidedLabel *m_outcomes = nullptr;
    QFrame *m_explanation = nullptr;
    QTimer *m_linksReload = nullptr;
    StreamAudit *m_audit = nullptr; // reads every 200 back from the stream
    QPushButton *m_natsStop = nullptr;
    QPushButton *m_natsStart = nullptr;
    QLabel *m_failedLabel = nullptr;
    QPushButton *m_replayAll = nullptr;
    QPushButton *m_send = nullptr;
    QSpinBox *m_sendCount = nullptr;
    QSpinBox *m_sendRate = nullptr;
    QCheckBox *m_withKeys = nullptr;
    QComboBox *m_sendEndpoint = nullptr;
    QComboBox *m_endpointPolicy = nullptr;
    QVBoxLayout *m_centralLayout = nullptr;
    QLabel *m_fireAndForgetBanner = nullptr; // made when an endpoint first uses fire-and-forget
    void updateFireAndForgetBanner();
    void showEndpointPolicy(); // the combo follows the chosen endpoint's policy
    void switchEndpointPolicy(int item);
    QPushButton *m_sendStop = nullptr;
    QLabel *m_totals = nullptr;
    QTimer *m_burstTimer = nullptr;
    QElapsedTimer m_burstClock;
    int m_burstTotal = 0; // of the current burst
    int m_burstSent = 0;
    int m_sent = 0; // since start, numbers the test events
};
