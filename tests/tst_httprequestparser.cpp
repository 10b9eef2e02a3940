// HttpRequestParser: framing, limits and malformed input, fed whole and split at every byte.
#include "http/httprequestparser.h"

#include <QTest>

namespace {

struct Parsed {
    QList<HttpRequest> requests;
    int errorStatus = 0;
    int headersCompleteCount = 0;
};

Parsed parseAll(const QList<QByteArray> &pieces, HttpRequestParser::Limits limits = {})
{
    HttpRequestParser parser(limits);
    Parsed parsed;
    QByteArray buffer;
    for (const QByteArray &piece : pieces) {
        buffer += piece;
        for (;;) {
            const auto status = parser.parse(buffer);
            if (status == HttpRequestParser::Status::NeedMore)
                break;
            if (status == HttpRequestParser::Status::HeadersComplete) {
                ++parsed.headersCompleteCount;
                continue;
            }
            if (status == HttpRequestParser::Status::Error) {
                parsed.errorStatus = parser.error().status;
                return parsed;
            }
            parsed.requests.append(parser.takeRequest());
        }
    }
    return parsed;
}

} // namespace

class TestHttpRequestParser : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void requests_data();
    void requests();
    void splitAtEveryByte();
    void errors_data();
    void errors();
    void oversizeIsRejectedBeforeTheBody();
    void keepAlive_data();
    void keepAlive();
};

void TestHttpRequestParser::requests_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("body");

    QTest::addRow("GET") << QByteArray("GET /health HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray("GET")
                         << QByteArray("/health") << QByteArray();
    QTest::addRow("POST content-length") << QByteArray(
        "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                                         << QByteArray("POST") << QByteArray("/webhook") << QByteArray("hello");
    QTest::addRow("query is not part of the path")
        << QByteArray("POST /webhook?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n") << QByteArray("POST")
        << QByteArray("/webhook") << QByteArray();
    QTest::addRow("absolute form") << QByteArray("GET http://h:1/health?q HTTP/1.1\r\nHost: x\r\n\r\n")
                                   << QByteArray("GET") << QByteArray("/health") << QByteArray();
    QTest::addRow("chunked") << QByteArray("POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                           "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n")
                             << QByteArray("POST") << QByteArray("/w") << QByteArray("hello world");
    QTest::addRow("bare LF line ends") << QByteArray("POST /w HTTP/1.1\nHost: x\nContent-Length: 2\n\nok")
                                       << QByteArray("POST") << QByteArray("/w") << QByteArray("ok");
    QTest::addRow("HTTP/1.0 without Host")
        << QByteArray("GET /h HTTP/1.0\r\n\r\n") << QByteArray("GET") << QByteArray("/h") << QByteArray();
    QTest::addRow("chunked, any case, with an extension")
        << QByteArray("POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n2;a=b\r\nok\r\n0\r\n\r\n")
        << QByteArray("POST") << QByteArray("/w") << QByteArray("ok");
    QTest::addRow("empty Host (a target without authority)")
        << QByteArray("GET /h HTTP/1.1\r\nHost:\r\n\r\n") << QByteArray("GET") << QByteArray("/h") << QByteArray();
    QTest::addRow("leading empty line") << QByteArray("\r\nGET / HTTP/1.0\r\n\r\n") << QByteArray("GET")
                                        << QByteArray("/") << QByteArray();
    QTest::addRow("body with protocol-looking bytes")
        << QByteArray("POST /w HTTP/1.1\r\nHost: x\r\nContent-Length: 22\r\n\r\nGET / HTTP/1.1\r\n\r\n\r\n\r\n")
        << QByteArray("POST") << QByteArray("/w") << QByteArray("GET / HTTP/1.1\r\n\r\n\r\n\r\n");
}

void TestHttpRequestParser::requests()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, body);

    const Parsed parsed = parseAll({ raw });
    QCOMPARE(parsed.errorStatus, 0);
    QCOMPARE(parsed.requests.size(), 1);
    QCOMPARE(parsed.requests[0].method, method);
    QCOMPARE(parsed.requests[0].path, path);
    QCOMPARE(parsed.requests[0].body, body);
}

void TestHttpRequestParser::splitAtEveryByte()
{
    // Two pipelined requests (one chunked) must parse identically however TCP splits them.
    const QByteArray raw = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nX-Event-Id: 1\r\n\r\nabc"
                           "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n";
    for (qsizetype cut = 0; cut <= raw.size(); ++cut) {
        const Parsed parsed = parseAll({ raw.left(cut), raw.mid(cut) });
        QCOMPARE(parsed.errorStatus, 0);
        QCOMPARE(parsed.requests.size(), 2);
        QCOMPARE(parsed.requests[0].path, QByteArray("/a"));
        QCOMPARE(parsed.requests[0].body, QByteArray("abc"));
        QCOMPARE(parsed.requests[0].header("x-event-id"), QByteArray("1"));
        QCOMPARE(parsed.requests[1].path, QByteArray("/b"));
        QCOMPARE(parsed.requests[1].body, QByteArray("xy"));
    }
    // And byte by byte.
    QList<QByteArray> bytes;
    for (char c : raw)
        bytes.append(QByteArray(1, c));
    QCOMPARE(parseAll(bytes).requests.size(), 2);
}

void TestHttpRequestParser::errors_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");

    QTest::addRow("garbage request line") << QByteArray("HELLO\r\n\r\n") << 400;
    QTest::addRow("space in method") << QByteArray("GE T / HTTP/1.1\r\nHost: x\r\n\r\n") << 400;
    QTest::addRow("unknown version") << QByteArray("GET / HTTP/2.0\r\n\r\n") << 505;
    QTest::addRow("not HTTP") << QByteArray("GET / SPDY/3\r\n\r\n") << 400;
    QTest::addRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n") << 400;
    QTest::addRow("space before colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << 400;
    QTest::addRow("obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b\r\n c\r\n\r\n") << 400;
    QTest::addRow("control char in value") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: b\x01\r\n\r\n") << 400;
    QTest::addRow("negative length") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n") << 400;
    QTest::addRow("length not a number") << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n")
                                         << 400;
    QTest::addRow("conflicting lengths") << QByteArray(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")
                                         << 400;
    QTest::addRow("smuggling: both framings")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
    // Transfer codings (RFC 9112 6.1, 6.3): chunked must be the final one, once; others are not understood.
    QTest::addRow("coding other than chunked, alone")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") << 400;
    QTest::addRow("unknown transfer coding before chunked")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") << 501;
    QTest::addRow("identity before chunked")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n\r\n")
        << 501;
    QTest::addRow("chunked then identity, two field lines")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n"
                      "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
        << 400;
    QTest::addRow("chunked then identity, one list")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n") << 400;
    QTest::addRow("chunked twice") << QByteArray(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
                                   << 400;
    QTest::addRow("empty Transfer-Encoding")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \r\nContent-Length: 0\r\n\r\n") << 400;
    QTest::addRow("empty Transfer-Encoding list")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,\r\n\r\n") << 400;
    QTest::addRow("HTTP/1.0 with Transfer-Encoding")
        << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") << 400;
    // Host (RFC 9112 3.2): exactly one in HTTP/1.1.
    QTest::addRow("HTTP/1.1 without Host") << QByteArray("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n") << 400;
    QTest::addRow("two Host headers") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
    QTest::addRow("two equal Host headers") << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n") << 400;
    QTest::addRow("Host with a path") << QByteArray("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n") << 400;
    QTest::addRow("Host with user info") << QByteArray("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n") << 400;
    // Chunk sizes: hex digits only, no white space around them.
    QTest::addRow("chunk size with a leading space")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nab\r\n0\r\n\r\n") << 400;
    QTest::addRow("chunk size with a trailing space")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n") << 400;
    QTest::addRow("chunk size with a tab before its extension")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\t;x\r\nab\r\n0\r\n\r\n")
        << 400;
    QTest::addRow("last chunk with a trailing space")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0 \r\n\r\n") << 400;
    QTest::addRow("bad chunk size") << QByteArray(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                                    << 400;
    QTest::addRow("chunk longer than declared")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n") << 400;
    QTest::addRow("Expect other than 100-continue")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nExpect: x\r\n\r\n") << 417;
    QTest::addRow("request line too long")
        << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") << 414;
    QTest::addRow("request line too long, unterminated") << QByteArray("GET /" + QByteArray(9000, 'a')) << 414;
    QTest::addRow("header line too large")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nA: " + QByteArray(70000, 'a') + "\r\n\r\n") << 431;
    QByteArray many = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 101; ++i)
        many += "H" + QByteArray::number(i) + ": v\r\n";
    QTest::addRow("too many headers") << many + "\r\n" << 431;
    QTest::addRow("declared body over the limit")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n") << 413;
    QTest::addRow("chunked body over the limit")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n") << 413;
}

void TestHttpRequestParser::errors()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    QCOMPARE(parseAll({ raw }).errorStatus, status);
    // The same answer however TCP splits the bytes (rows of a sane size: each split parses anew).
    if (raw.size() > 2048)
        return;
    for (qsizetype cut = 1; cut < raw.size(); ++cut) {
        const Parsed parsed = parseAll({ raw.left(cut), raw.mid(cut) });
        QVERIFY2(parsed.errorStatus == status,
            qPrintable(QStringLiteral("split at %1: %2").arg(cut).arg(parsed.errorStatus)));
        QVERIFY(parsed.requests.isEmpty());
    }
}

void TestHttpRequestParser::oversizeIsRejectedBeforeTheBody()
{
    HttpRequestParser::Limits limits;
    limits.maxBodyBytes = 10;
    HttpRequestParser parser(limits);
    QByteArray buffer = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 268435456\r\n\r\n" + QByteArray(100, 'x');
    QCOMPARE(parser.parse(buffer), HttpRequestParser::Status::Error);
    QCOMPARE(parser.error().status, 413);
    QVERIFY(parser.current().body.isEmpty());
    QVERIFY(parser.current().body.capacity() < 1024 * 1024);
}

void TestHttpRequestParser::keepAlive_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("expectContinue");
    QTest::addRow("1.1 default") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << true << false;
    QTest::addRow("1.1 close") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n") << false
                               << false;
    QTest::addRow("1.0 default") << QByteArray("GET / HTTP/1.0\r\n\r\n") << false << false;
    QTest::addRow("1.0 keep-alive") << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << true << false;
    QTest::addRow("expect 100") << QByteArray(
        "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
                                << true << true;
}

void TestHttpRequestParser::keepAlive()
{
    QFETCH(QByteArray, raw);
    QFETCH(bool, keepAlive);
    QFETCH(bool, expectContinue);
    const Parsed parsed = parseAll({ raw });
    QCOMPARE(parsed.requests.size(), 1);
    QCOMPARE(parsed.requests[0].keepAlive, keepAlive);
    QCOMPARE(parsed.requests[0].expectContinue, expectContinue);
}

QTEST_GUILESS_MAIN(TestHttpRequestParser)
#include "tst_httprequestparser.moc"
