// Fuzz target: the fault proxy's NATS protocol filter, fed in random pieces, in both directions.
// Invariants: with nothing dropped the output is the input byte for byte; with frames dropped the
// output is never longer than the input; held-back bytes stay within one control line.
#include "fuzzinput.h"
#include "nats/natsprotocolfilter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzInput input(data, size);
    const QByteArray &bytes = input.bytes();
    const QList<qsizetype> splits = input.splits(16);
    for (const auto direction :
        { NatsProtocolFilter::Direction::FromServer, NatsProtocolFilter::Direction::FromClient }) {
        for (const bool dropSome : { false, true }) {
            NatsProtocolFilter filter(direction);
            const NatsProtocolFilter::Decide decide = [dropSome](const NatsProtocolFilter::FrameHeader &header) {
                // ack-loss: replies to publishes go to inboxes
                return dropSome && header.subject.startsWith("_INBOX");
            };
            QByteArray out;
            qsizetype offset = 0;
            for (qsizetype i = 0; offset < bytes.size(); ++i) {
                const qsizetype piece = splits.at(i % splits.size());
                filter.process(QByteArrayView(bytes).sliced(offset, qMin(piece, bytes.size() - offset)), out, decide);
                offset += piece;
                FUZZ_ASSERT(filter.heldBytes() <= NatsProtocolFilter::MaxControlLine + 2);
            }
            FUZZ_ASSERT(out.size() + filter.heldBytes() <= bytes.size());
            if (!dropSome || filter.droppedFrames() == 0)
                FUZZ_ASSERT(QByteArrayView(out) == QByteArrayView(bytes).first(out.size()));
        }
    }
    return 0;
}
