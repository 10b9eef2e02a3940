// MonitorWindow: ackhook's face — composes the panels (status header, outage, test sender, failed
// queue, scenario, requests) and the tabs below them, and wires them to the Runtime.
#pragma once

#include "webhook/requestrecord.h"

#include <QMainWindow>

class FailedQueueBox;
class SnsConfirmationBar;
class FailedQueuePanel;
class GuidedTour;
class OutagePanel;
class QFrame;
class QLabel;
class QSplitter;
class QTabWidget;
class QTimer;
class QVBoxLayout;
class RateChartView;
class RateHistoryModel;
class RequestDetailView;
class RequestsPanel;
class Runtime;
class ScenarioPanel;
class StatusHeader;
class StreamBrowser;
class TestSenderPanel;
class WebhookClient;

class MonitorWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MonitorWindow(Runtime *runtime, QWidget *parent = nullptr);
    ~MonitorWindow() override;

    // The panels, for tests and screenshots: each says what the user sees and presses in it.
    StatusHeader *statusHeader() const { return m_header; }
    OutagePanel *outagePanel() const { return m_outage; }
    TestSenderPanel *testSender() const { return m_sender; }
    FailedQueueBox *failedQueueBox() const { return m_failedBox; }
    SnsConfirmationBar *snsConfirmationBar() const { return m_snsConfirmation; }
    ScenarioPanel *scenarioPanel() const { return m_scenario; }
    RequestsPanel *requests() const { return m_requests; }
    RequestDetailView *detailView() const { return m_detail; }
    FailedQueuePanel *failedPanel() const { return m_failedPanel; }
    RateHistoryModel *rateModel() const { return m_rates; }
    RateChartView *rateChart() const { return m_chart; }
    QFrame *explanationPanel() const { return m_explanation; }
    GuidedTour *tour() const { return m_tour; } // Help > Guided tour
    static QString why500Text(); // the first 500's explanation (the panel and Help show it)
    QString totalsText() const; // the status bar's counters
    QString shortcutsText() const; // what Help > Keyboard shortcuts lists
    void resend(const RequestRecord &record); // through the webhook listener, as a caller would

private:
    void buildUi();
    void buildMenus();
    void buildTour(); // Send → Simulate outage → Send → End → Replay, each step told by what happened
    void refresh(); // every panel from one StatusSnapshot: 4 times a second
    void appendRecords(const RequestRecordBatch &batch);
    void reloadQueueLinks(); // which failed rows were replayed, from the failed-event queue
    void showDetailFor(int row);
    void showQueueEntry(qint64 failedId);
    void showInStream(quint64 seq);
    void explainFirstFailure();
    void setScenarioRunning(bool running); // the scenario owns the outage and nats-server meanwhile
    void updateFireAndForgetBanner();
    void showMessage(const QString &text, int timeoutMs);
    void restoreSettings();
    void saveSettings() const;

    Runtime *m_runtime;
    RateHistoryModel *m_rates;
    WebhookClient *m_client;
    QVBoxLayout *m_centralLayout = nullptr;
    QLabel *m_fireAndForgetBanner = nullptr; // made when an endpoint first uses fire-and-forget
    ScenarioPanel *m_scenario = nullptr;
    StatusHeader *m_header = nullptr;
    FailedQueueBox *m_failedBox = nullptr;
    SnsConfirmationBar *m_snsConfirmation = nullptr;
    OutagePanel *m_outage = nullptr;
    TestSenderPanel *m_sender = nullptr;
    QFrame *m_explanation = nullptr;
    RequestsPanel *m_requests = nullptr;
    RequestDetailView *m_detail = nullptr;
    FailedQueuePanel *m_failedPanel = nullptr;
    StreamBrowser *m_streamBrowser = nullptr;
    QTabWidget *m_tabs = nullptr;
    RateChartView *m_chart = nullptr;
    QSplitter *m_mainSplitter = nullptr;
    QSplitter *m_bottomSplitter = nullptr;
    QLabel *m_totals = nullptr;
    QTimer *m_linksReload = nullptr;
    GuidedTour *m_tour = nullptr;
};
