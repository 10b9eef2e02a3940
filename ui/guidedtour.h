// GuidedTour: Help > "Guided tour (60 s)". Highlights one control at a time with a ring drawn over
// the window and a bubble beside it that says, in one sentence, what pressing it will show. The
// window tells the tour when a step's action happened (stepDone), so the tour follows what the user
// really did instead of guessing from clicks; "Next" moves on by hand, "End tour" stops it.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>
#include <vector>

class QLabel;
class QPushButton;
class QWidget;

class GuidedTour : public QObject {
    Q_OBJECT
public:
    explicit GuidedTour(QWidget *window);
    ~GuidedTour() override;

    // Steps are added once, in order; each names the control to press and what it will show.
    int addStep(QWidget *target, const QString &text);

    void start(); // from the first step (again, if it ran before)
    void stop();
    bool isRunning() const { return m_current >= 0; }
    int currentStep() const { return m_current; } // -1 when not running
    int stepCount() const { return static_cast<int>(m_steps.size()); }
    QWidget *currentTarget() const;
    QString currentText() const; // the bubble's sentence, without "Step n of m"
    QWidget *bubble() const; // for tests and screenshots
    QWidget *ring() const;

    // The action of step `step` happened: the tour moves on if that is the step it shows (the
    // window reports states such as "outage off" again and again; only the awaited one counts).
    void stepDone(int step);

Q_SIGNALS:
    void finished(bool completed); // completed: every step was done; false: ended early

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Step {
        QPointer<QWidget> target;
        QString text;
    };
    void show(int step);
    void place(); // the ring around the target and the bubble beside it, in window coordinates

    QWidget *m_window;
    std::vector<Step> m_steps;
    int m_current = -1;
    QWidget *m_ring = nullptr;
    QWidget *m_bubble = nullptr;
    QLabel *m_title = nullptr;
    QLabel *m_text = nullptr;
    QPushButton *m_next = nullptr;
};
