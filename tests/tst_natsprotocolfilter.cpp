// NatsProtocolFilter: frames followed across arbitrary splits, dropped whole, forwarded byte-exact.
#include "nats/natsprotocolfilter.h"

#include <QTest>

using Filter = NatsProtocolFilter;

namespace {

// Feeds input cut at the given offsets; drops frames whose subject is in dropSubjects.
QByteArray run(Filter::Direction direction, const QByteArray &input, const QList<qsizetype> &cuts,
    const QList<QByteArray> &dropSubjects, QList<Filter::FrameHeader> *seen = nullptr, Filter *out = nullptr)
{
    Filter local(direction);
    Filter &filter = out ? *out : local;
    QByteArray forwarded;
    qsizetype from = 0;
    QList<qsizetype> points = cuts;
    points.append(input.size());
    for (qsizetype to : points) {
        filter.process(
            QByteArrayView(input).sliced(from, to - from), forwarded, [&](const Filter::FrameHeader &header) {
                if (seen) {
                    Filter::FrameHeader copy = header;
                    seen->append(copy);
                }
                return dropSubjects.contains(header.subject.toByteArray());
            });
        from = to;
    }
    return forwarded;
}

const QByteArray Info = "INFO {\"server_id\":\"x\",\"max_payload\":1048576,\"headers\":true}\r\n";
const QByteArray Ack = "MSG _INBOX.abc.1 2 31\r\n{\"stream\":\"EVENTS\",\"seq\":12345}\r\n";
const QByteArray HAck = "HMSG _INBOX.abc.2 2 12 43\r\nNATS/1.0\r\n\r\n{\"stream\":\"EVENTS\",\"seq\":12346}\r\n";
const QByteArray Other = "MSG orders.created 5 _INBOX.reply 18\r\nMSG in the payload\r\n";
const QByteArray Tricky = "MSG notes 7 25\r\nPING\r\nMSG x 1 2\r\nHMSG y\r\n\r\n";

} // namespace

class TestNatsProtocolFilter : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void frames_data();
    void frames();
    void everySplitOffset();
    void clientDirection();
    void protocolViolationPassesThrough();
    void tlsAfterInfoFlowsAtOnce();
    void verbs_data();
    void verbs();
};

void TestNatsProtocolFilter::frames_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QList<QByteArray>>("drop");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray stream
        = Info + "PING\r\n" + "+OK\r\n" + Ack + Other + HAck + "PONG\r\n" + Tricky + "-ERR 'Stale Connection'\r\n";
    QTest::addRow("nothing dropped") << stream << QList<QByteArray> {} << stream;
    QTest::addRow("MSG ack dropped") << stream << QList<QByteArray> { "_INBOX.abc.1" }
                                     << QByteArray(Info + "PING\r\n+OK\r\n" + Other + HAck + "PONG\r\n" + Tricky
                                            + "-ERR 'Stale Connection'\r\n");
    QTest::addRow("HMSG ack dropped") << stream << QList<QByteArray> { "_INBOX.abc.2" }
                                      << QByteArray(Info + "PING\r\n+OK\r\n" + Ack + Other + "PONG\r\n" + Tricky
                                             + "-ERR 'Stale Connection'\r\n");
    QTest::addRow("payload containing protocol text is not parsed")
        << Tricky << QList<QByteArray> { "x", "y" } << Tricky;
    QTest::addRow("payload containing protocol text is dropped whole")
        << QByteArray(Tricky + Ack) << QList<QByteArray> { "notes" } << Ack;
    QTest::addRow("empty payload") << QByteArray("MSG a 1 0\r\n\r\nPING\r\n") << QList<QByteArray> { "a" }
                                   << QByteArray("PING\r\n");
    QTest::addRow("tabs and lowercase") << QByteArray("msg\ta\t1\t3\r\nabc\r\n") << QList<QByteArray> { "a" }
                                        << QByteArray();
}

void TestNatsProtocolFilter::frames()
{
    QFETCH(QByteArray, input);
    QFETCH(QList<QByteArray>, drop);
    QFETCH(QByteArray, expected);
    QCOMPARE(run(Filter::Direction::FromServer, input, {}, drop), expected);
}

void TestNatsProtocolFilter::everySplitOffset()
{
    const QByteArray input = Info + Ack + Other + HAck + Tricky + "PING\r\n";
    const QByteArray expected = Info + Other + Tricky + "PING\r\n";
    const QList<QByteArray> drop { "_INBOX.abc.1", "_INBOX.abc.2" };
    for (qsizetype cut = 0; cut <= input.size(); ++cut) {
        const QByteArray out = run(Filter::Direction::FromServer, input, { cut }, drop);
        QVERIFY2(out == expected, qPrintable(QStringLiteral("split at %1").arg(cut)));
    }
    // Two cuts around every position of the HMSG frame, and byte by byte.
    const qsizetype hmsgStart = input.indexOf("HMSG");
    for (qsizetype a = hmsgStart - 2; a < hmsgStart + HAck.size() + 2; ++a) {
        for (qsizetype b = a; b < hmsgStart + HAck.size() + 2; b += 3)
            QCOMPARE(run(Filter::Direction::FromServer, input, { a, b }, drop), expected);
    }
    QList<qsizetype> everyByte;
    for (qsizetype i = 1; i < input.size(); ++i)
        everyByte.append(i);
    QCOMPARE(run(Filter::Direction::FromServer, input, everyByte, drop), expected);
}

void TestNatsProtocolFilter::clientDirection()
{
    const QByteArray input = "CONNECT {\"verbose\":false,\"headers\":true}\r\nSUB _INBOX.abc.* 1\r\n"
                             "HPUB ackhook.webhook _INBOX.abc.7 29 31\r\nNATS/1.0\r\nNats-Msg-Id: k1\r\n\r\n{}\r\n"
                             "PUB $JS.API.STREAM.INFO.EVENTS _INBOX.r.1 0\r\n\r\nPUB plain 5\r\nhello\r\nPING\r\n";
    QList<Filter::FrameHeader> seen;
    QByteArray forwarded;
    Filter filter(Filter::Direction::FromClient);
    filter.process(input, forwarded, [&](const Filter::FrameHeader &header) {
        if (header.verb == Filter::Verb::HPub || header.verb == Filter::Verb::Pub)
            seen.append(header);
        return false;
    });
    QCOMPARE(forwarded, input);
    QCOMPARE(seen.size(), 3);
    QVERIFY(!filter.isPassThrough());
}

void TestNatsProtocolFilter::protocolViolationPassesThrough()
{
    Filter filter(Filter::Direction::FromServer);
    QByteArray out;
    const QByteArray garbage = "MSG a b c d e f g\r\n" + Ack;
    filter.process(garbage, out, [](const Filter::FrameHeader &) { return true; });
    QVERIFY(filter.isPassThrough());
    QCOMPARE(out, garbage); // nothing invented, nothing lost

    Filter huge(Filter::Direction::FromServer);
    QByteArray out2;
    const QByteArray noNewline(Filter::MaxControlLine + 10, 'x');
    huge.process(noNewline, out2);
    QVERIFY(huge.isPassThrough());
    QCOMPARE(out2.size(), noNewline.size());

    Filter wrongSide(Filter::Direction::FromServer); // PUB never comes from a server
    QByteArray out3;
    wrongSide.process("PUB a 1\r\nx\r\n", out3);
    QVERIFY(wrongSide.isPassThrough());
}

void TestNatsProtocolFilter::tlsAfterInfoFlowsAtOnce()
{
    // After the server's INFO a TLS connection carries records (0x16 0x03 …) that hold a '\n' only
    // by chance: they must be forwarded as they come, both directions, never held for a line end.
    const QByteArray clientHello = QByteArray::fromHex("160301007a0100007603035f1a2b3c4d5e6f") + QByteArray(60, '\x7f');
    Filter client(Filter::Direction::FromClient);
    QByteArray out;
    client.process(clientHello.first(3), out);
    QCOMPARE(out, clientHello.first(3));
    client.process(clientHello.sliced(3), out);
    QCOMPARE(out, clientHello);
    QVERIFY(client.isPassThrough());

    Filter server(Filter::Direction::FromServer);
    QByteArray fromServer;
    const QByteArray serverHello = QByteArray::fromHex("16030300") + QByteArray(40, '\x01');
    const QByteArray stream = Info + serverHello;
    server.process(stream, fromServer);
    QCOMPARE(fromServer, stream);
    QVERIFY(server.isPassThrough());
}

void TestNatsProtocolFilter::verbs_data()
{
    QTest::addColumn<QByteArray>("word");
    QTest::addColumn<int>("verb");
    QTest::addRow("INFO") << QByteArray("INFO") << int(Filter::Verb::Info);
    QTest::addRow("+OK") << QByteArray("+OK") << int(Filter::Verb::Ok);
    QTest::addRow("-ERR") << QByteArray("-ERR") << int(Filter::Verb::Err);
    QTest::addRow("hmsg") << QByteArray("hmsg") << int(Filter::Verb::HMsg);
    QTest::addRow("unknown") << QByteArray("MSGX") << int(Filter::Verb::Unknown);
}

void TestNatsProtocolFilter::verbs()
{
    QFETCH(QByteArray, word);
    QFETCH(int, verb);
    QCOMPARE(int(Filter::verbOf(word)), verb);
}

QTEST_GUILESS_MAIN(TestNatsProtocolFilter)
#include "tst_natsprotocolfilter.moc"
