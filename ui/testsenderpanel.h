// TestSenderPanel: the "Send test events" box — N events at a rate to the chosen endpoint, signed as
// its sender signs them (core's SampleRequest), and that endpoint's dispatch policy, switchable.
#pragma once

#include <QElapsedTimer>
#include <QGroupBox>

class QCheckBox;
class QComboBox;
class QPushButton;
class QSettings;
class QSpinBox;
class QTimer;
class Runtime;
class WebhookClient;
struct StatusSnapshot;

class TestSenderPanel : public QGroupBox {
    Q_OBJECT
public:
    TestSenderPanel(Runtime *runtime, WebhookClient *client, QWidget *parent = nullptr);

    QPushButton *sendButton() const { return m_send; }
    QPushButton *stopButton() const { return m_stop; } // ends a running burst
    QSpinBox *countBox() const { return m_count; }
    QSpinBox *rateBox() const { return m_rate; } // events per second during a burst
    QCheckBox *keysBox() const { return m_withKeys; } // each event with its own Idempotency-Key
    QComboBox *endpointBox() const { return m_endpoint; } // which endpoint test events go to
    // The dispatch policy of the endpoint chosen in endpointBox(): choosing another switches it
    // (fire-and-forget after a confirmation). Item data: the DispatchPolicy as int.
    QComboBox *policyBox() const { return m_policy; }

    void sendTestEvents(); // a burst of countBox() events; added to one still running
    void showStatus(const StatusSnapshot &s); // each endpoint's answers, in the endpoint box
    void restoreSettings(const QSettings &settings);
    void saveSettings(QSettings &settings) const;

Q_SIGNALS:
    void message(const QString &text, int timeoutMs); // for the status bar
    void burstStarted(); // Send or Ctrl+T: a burst of test events begins (or grows)

private:
    void sendDue(); // the burst: as many as are due at the chosen rate
    void postTestEvent();
    void showEndpointPolicy(); // the policy box follows the chosen endpoint's policy
    void switchEndpointPolicy(int item);

    Runtime *m_runtime;
    WebhookClient *m_client;
    QSpinBox *m_count = nullptr;
    QSpinBox *m_rate = nullptr;
    QCheckBox *m_withKeys = nullptr;
    QComboBox *m_endpoint = nullptr;
    QComboBox *m_policy = nullptr;
    QPushButton *m_send = nullptr;
    QPushButton *m_stop = nullptr;
    QTimer *m_burstTimer = nullptr;
    QElapsedTimer m_burstClock;
    int m_burstTotal = 0; // of the current burst
    int m_burstSent = 0;
    int m_sent = 0; // since start, numbers the test events
};
