// AnswerRecorder: where the webhook server's answers are kept.
#include "answerrecorder.h"
#include "lab/lossdetector.h"
#include "store/failedeventstore.h"

void AnswerRecorder::answered(const Answered &answer)
{
    if (LossDetector *detector = m_lossDetector.load(std::memory_order_acquire))
        detector->note(answer.policy, answer.endpoint, answer.key, answer.msgId, answer.status, answer.receivedMs,
            answer.body);
}

void AnswerRecorder::failed(FailedEvent event)
{
    if (m_failedEvents)
        m_failedEvents->record(std::move(event));
}
