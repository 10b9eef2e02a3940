// Fuzz target: the webhook listener's HTTP/1.1 request parser, fed in random pieces.
// Invariants: bodies never exceed the limit; an error always carries a 4xx/5xx status; the parser
// never consumes bytes it was not given.
#include "fuzzinput.h"
#include "http/httprequestparser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzInput input(data, size);
    const QList<qsizetype> splits = input.splits(8);
    HttpRequestParser::Limits limits;
    limits.maxBodyBytes = 4096; // small limits reach the limit paths
    limits.maxHeaderBytes = 2048;
    limits.maxRequestLine = 512;
    limits.maxHeaderCount = 16;
    HttpRequestParser parser(limits);
    QByteArray buffer;
    qsizetype offset = 0;
    int requests = 0;
    for (qsizetype i = 0; offset < input.bytes().size() && requests < 1000; ++i) {
        const qsizetype piece = splits.at(i % splits.size());
        buffer += input.bytes().mid(offset, piece);
        offset += piece;
        for (;;) {
            const qsizetype before = buffer.size();
            const HttpRequestParser::Status status = parser.parse(buffer);
            FUZZ_ASSERT(buffer.size() <= before);
            if (status == HttpRequestParser::Status::RequestComplete) {
                const HttpRequest request = parser.takeRequest();
                FUZZ_ASSERT(request.body.size() <= limits.maxBodyBytes);
                FUZZ_ASSERT(!request.method.isEmpty());
                ++requests;
                continue;
            }
            if (status == HttpRequestParser::Status::Error) {
                FUZZ_ASSERT(parser.error().status >= 400 && parser.error().status < 600);
                return 0; // the listener closes the connection
            }
            break;
        }
    }
    return 0;
}
