// FailedQueueBox: the controls row's "Failed-event queue" box — pending and replayed, and Replay all.
#pragma once

#include <QGroupBox>

class QLabel;
class QPushButton;
struct StatusSnapshot;

class FailedQueueBox : public QGroupBox {
    Q_OBJECT
public:
    explicit FailedQueueBox(QWidget *parent = nullptr);

    QPushButton *replayAllButton() const { return m_replayAll; }
    QString text() const; // "N pending · M replayed[ · K unrecorded]"
    void showStatus(const StatusSnapshot &s);
    void replayAll(); // the button's click and Ctrl+R: only while it is enabled

Q_SIGNALS:
    void replayAllWanted();

private:
    QLabel *m_label;
    QPushButton *m_replayAll;
};
