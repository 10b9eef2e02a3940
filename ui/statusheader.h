// StatusHeader: the window's top lines — connectivity badge, NATS as it is, the real nats-server's
// switches, the webhook URLs, what a 200 survives, and what happened to every answer.
#pragma once

#include <QWidget>

class ElidedLabel;
class QComboBox;
class QLabel;
class QPushButton;
class Runtime;
struct StatusSnapshot;

class StatusHeader : public QWidget {
    Q_OBJECT
public:
    explicit StatusHeader(Runtime *runtime, QWidget *parent = nullptr);

    // reconnectExpected: a simulated outage ended moments ago, so reconnecting is said calmly.
    void showStatus(const StatusSnapshot &s, bool reconnectExpected);
    // While a scenario runs it may stop nats-server itself: the switches are off meanwhile; unlocked,
    // both are on until the next showStatus.
    void setServerSwitchesLocked(bool locked);

    QString connectivityText() const; // the badge
    QString natsDetailsText() const; // the NATS line, whole (also when the label cuts it)
    QString durabilityText() const; // the durability line under it, whole
    QString outcomesText() const; // answered 200 / 500, recovered, still failed, not in the stream

Q_SIGNALS:
    void message(const QString &text, int timeoutMs); // for the status bar

private:
    Runtime *m_runtime;
    QLabel *m_badge = nullptr;
    ElidedLabel *m_natsDetails = nullptr;
    QPushButton *m_natsStop = nullptr;
    QPushButton *m_natsStart = nullptr;
    QLabel *m_webhookUrl = nullptr;
    QComboBox *m_endpointUrls = nullptr; // every served endpoint's URL (shown when more than one)
    ElidedLabel *m_durability = nullptr; // what a 200 survives on this stream and server
    ElidedLabel *m_outcomes = nullptr;
    bool m_locked = false;
};
