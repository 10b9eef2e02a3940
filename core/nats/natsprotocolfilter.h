// NatsProtocolFilter: follows a NATS protocol byte stream (either direction) frame by frame and
// forwards it byte-exact, except for the frames a predicate chooses to drop.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>

class NatsProtocolFilter {
public:
    enum class Direction { FromServer, FromClient };
    enum class Verb { Info, Connect, Ping, Pong, Ok, Err, Msg, HMsg, Pub, HPub, Sub, Unsub, Unknown };

    struct FrameHeader {
        Verb verb = Verb::Unknown;
        QByteArrayView subject; // MSG, HMSG, PUB, HPUB
        QByteArrayView reply; // empty when the frame has none
        qint64 payloadBytes = 0; // headers + body, without the trailing CRLF
    };
    // Called once per frame when its control line is complete; true drops the whole frame.
    using Decide = std::function<bool(const FrameHeader &header)>;

    static constexpr qsizetype MaxControlLine = 1024 * 1024; // INFO with many cluster URLs stays far below
    static constexpr qint64 MaxPayload = 64LL * 1024 * 1024; // nats-server's hard upper limit

    explicit NatsProtocolFilter(Direction direction);

    // Appends to out what must be forwarded for data. Bytes of an incomplete control line are held
    // back until the line is complete (a frame is dropped or kept whole); payload bytes stream.
    void process(QByteArrayView data, QByteArray &out, const Decide &decide = {});

    // After a protocol violation the filter forwards everything unchanged and drops nothing.
    bool isPassThrough() const { return m_passThrough; }
    qsizetype heldBytes() const { return m_line.size(); }
    quint64 droppedFrames() const { return m_dropped; }

    static Verb verbOf(QByteArrayView word);

private:
    bool parseControlLine(FrameHeader &header) const;

    Direction m_direction;
    QByteArray m_line; // the control line being received, with its CRLF
    qint64 m_payloadRemaining = 0; // payload + CRLF of the current frame still to come
    bool m_dropping = false;
    bool m_passThrough = false;
    quint64 m_dropped = 0;
};
