// Fuzz target: the admin listener's front door — its request parser (the webhook listener's limits,
// made small) and AdminRequestGuard on every head, fed in random pieces.
// Invariants: a head let through names an allowed Host (or none, HTTP/1.0), comes from no other
// site, carries the token, and is JSON when it changes state; a refusal is 401/403/415/421 with a
// JSON error (401 with WWW-Authenticate); the parser never grows its buffer.
#include "admin/adminrequestguard.h"
#include "fuzzinput.h"
#include "http/bearerauth.h"
#include "http/httprequestparser.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace {

const QByteArray Token = "fuzz-admin-token";

const AdminRequestGuard &guard()
{
    static const AdminRequestGuard instance({ QHostAddress::LocalHost, 12001, QString::fromLatin1(Token),
        { QStringLiteral("admin.example"), QStringLiteral("proxy.example:8443") } });
    return instance;
}

void checkHead(const HttpRequest &head)
{
    const std::optional<HttpResponse> refusal = guard().check(head);
    if (refusal) {
        const int status = refusal->status;
        FUZZ_ASSERT(status == 401 || status == 403 || status == 415 || status == 421);
        FUZZ_ASSERT(QJsonDocument::fromJson(refusal->body).object().contains(QLatin1String("error")));
        if (status == 401)
            FUZZ_ASSERT(headerValue(refusal->headers, "www-authenticate") == "Bearer");
        return;
    }
    const QByteArray host = head.header("host");
    FUZZ_ASSERT(!host.isNull() || head.minorVersion == 0);
    const QByteArray site = head.header("sec-fetch-site").trimmed().toLower();
    FUZZ_ASSERT(site != "cross-site" && site != "same-site");
    const QByteArray origin = head.header("origin");
    FUZZ_ASSERT(
        origin.isNull() || origin.trimmed().compare(QByteArray("http://" + host.trimmed()), Qt::CaseInsensitive) == 0);
    FUZZ_ASSERT(checkBearer(head.headers, Token).isEmpty());
    if (AdminRequestGuard::isStateChanging(head.method))
        FUZZ_ASSERT(head.header("content-type").trimmed().toLower().startsWith("application/json"));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzInput input(data, size);
    const QList<qsizetype> splits = input.splits(8);
    HttpRequestParser::Limits limits;
    limits.maxBodyBytes = 4096;
    limits.maxHeaderBytes = 2048;
    limits.maxRequestLine = 512;
    limits.maxHeaderCount = 16;
    HttpRequestParser parser(limits);
    QByteArray buffer;
    qsizetype offset = 0;
    bool headChecked = false;
    for (qsizetype i = 0; offset < input.bytes().size(); ++i) {
        const qsizetype piece = splits.at(i % splits.size());
        buffer += input.bytes().mid(offset, piece);
        offset += piece;
        for (;;) {
            const qsizetype before = buffer.size();
            const HttpRequestParser::Status status = parser.parse(buffer);
            FUZZ_ASSERT(buffer.size() <= before);
            if (status == HttpRequestParser::Status::Error) {
                FUZZ_ASSERT(parser.error().status >= 400 && parser.error().status < 600);
                return 0; // the listener closes the connection
            }
            if (status == HttpRequestParser::Status::NeedMore)
                break;
            if (!headChecked) { // as HttpConnection does: once per request, before its body
                headChecked = true;
                checkHead(parser.current());
                if (guard().check(parser.current()))
                    return 0; // refused: the body is never read, the connection closes
            }
            if (status == HttpRequestParser::Status::RequestComplete) {
                const HttpRequest request = parser.takeRequest();
                FUZZ_ASSERT(request.body.size() <= limits.maxBodyBytes);
                headChecked = false;
            }
        }
    }
    return 0;
}
