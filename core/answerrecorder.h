// AnswerRecorder: the Runtime's AnswerObserver — a 500's event into the failed-event queue, every
// answer to the loss detector while one runs.
#pragma once

#include "webhook/answerobserver.h"

#include <atomic>

class FailedEventStore;
class LossDetector;

class AnswerRecorder : public AnswerObserver {
public:
    explicit AnswerRecorder(FailedEventStore *failedEvents) : m_failedEvents(failedEvents) { }

    // Any thread: the loss detector starts when a policy that can lose events is switched on.
    void setLossDetector(LossDetector *detector) { m_lossDetector.store(detector, std::memory_order_release); }

    void answered(const Answered &answer) override;
    void failed(FailedEvent event) override;

private:
    FailedEventStore *m_failedEvents; // record() never blocks; may be null (tests)
    std::atomic<LossDetector *> m_lossDetector { nullptr }; // note() never blocks
};
