// EventPublisher: the asynchronous publish interface the Dispatcher drives (NatsBus implements it).
#pragma once

#include "nats/outgoingevent.h"
#include "nats/publishresult.h"

#include <chrono>
#include <functional>
#include <optional>

class EventPublisher {
public:
    // Called on the publisher's owning thread, once per token whose publish was started.
    using ReportSink = std::function<void(quint64 token, const PublishResult &result)>;

    virtual ~EventPublisher() = default;

    virtual bool isConnected() const = 0;
    // Starts a publish. Returns a result when it failed at once (no report will follow), else
    // nullopt and the outcome arrives later through the report sink.
    virtual std::optional<PublishResult> publishAsync(
        quint64 token, const OutgoingEvent &event, std::chrono::milliseconds maxWait)
        = 0;

    void setReportSink(ReportSink sink) { m_sink = std::move(sink); }

protected:
    void report(quint64 token, const PublishResult &result) const
    {
        if (m_sink)
            m_sink(token, result);
    }

private:
    ReportSink m_sink;
};
