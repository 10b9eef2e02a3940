// SnsConfirmationBar: an AWS SNS subscription waiting for a person, above the request table: the
// endpoint, the topic, and a button that confirms it (Runtime::confirmSnsSubscription fetches its
// SubscribeURL). ackhook never confirms on its own: any AWS account's topic can ask. Hidden while
// nothing waits.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;
class Runtime;
struct StatusSnapshot;

class SnsConfirmationBar : public QFrame {
    Q_OBJECT
public:
    explicit SnsConfirmationBar(Runtime *runtime, QWidget *parent = nullptr);

    void showStatus(const StatusSnapshot &s);
    QPushButton *confirmButton() const { return m_confirm; }
    QString text() const; // what the bar says now (tests)

Q_SIGNALS:
    void message(const QString &text, int timeoutMs); // for the status bar: the confirmation's outcome
    void confirmationFinished(); // confirmed or not (the window refreshes)

private:
    void confirm();

    Runtime *m_runtime;
    QLabel *m_text;
    QPushButton *m_confirm;
    QPushButton *m_copy;
    qsizetype m_endpoint = -1;
    QString m_topic;
    QString m_subscribeUrl;
    QString m_error; // the last confirmation's failure, until another confirmation arrives
    bool m_busy = false;
};
