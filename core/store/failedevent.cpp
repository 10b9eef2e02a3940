// FailedEvent: state names and the NATS message a replay publishes.
#include "store/failedevent.h"
#include "enumnames.h"

namespace {
constexpr EnumName<FailedEvent::State> StateNames[] = { { FailedEvent::State::Pending, "pending" },
    { FailedEvent::State::Replayed, "replayed" }, { FailedEvent::State::Discarded, "discarded" } };
} // namespace

QString FailedEvent::stateName(State state)
{
    return enumName(StateNames, state);
}

std::optional<FailedEvent::State> FailedEvent::stateFromName(QStringView name)
{
    return enumFromName(StateNames, name);
}

OutgoingEvent FailedEvent::toOutgoingEvent() const
{
    return { subject, msgId.isEmpty() ? key : msgId, body, published.isEmpty() ? publishedHeaders(headers) : published };
}
